"""The reminder schedule of the organisation and each person's choice of e-mails."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_notifications as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/reminders/", views.reminder_settings, name="reminder_settings"),
    path("settings/reminders/test/", views.reminder_test, name="reminder_test"),
    path(
        "settings/notifications/",
        views.notification_preferences,
        name="notification_preferences",
    ),
]
