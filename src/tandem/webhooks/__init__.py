"""Outgoing webhooks: an organisation's subscriptions to events, signed deliveries, retries."""
