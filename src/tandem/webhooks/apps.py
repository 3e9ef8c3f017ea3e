from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks: subscriptions, signed deliveries with retries, the delivery log."""

    name = "tandem.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Deliveries are written by subscribers of the services' events, in their
        # transaction, and queued by the tasks.
        from tandem.webhooks import events, tasks

        events.connect()
        tasks.connect()
