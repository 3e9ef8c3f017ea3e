from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks: subscriptions, signed deliveries with retries, the delivery log."""

    name = "tandem.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
