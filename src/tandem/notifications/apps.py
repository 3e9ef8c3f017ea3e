from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Check-in reminders, escalations and weekly digests, by e-mail and chat webhook."""

    name = "tandem.notifications"
    label = "notifications"
    verbose_name = "Reminders and digests"
