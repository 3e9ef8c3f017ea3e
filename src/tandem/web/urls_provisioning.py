"""The settings page where admins make and revoke the identity provider's SCIM tokens."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_provisioning as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/provisioning/", views.provisioning, name="scim_tokens"),
    path(
        "settings/provisioning/<int:pk>/revoke/",
        views.token_revoke,
        name="scim_token_revoke",
    ),
]
