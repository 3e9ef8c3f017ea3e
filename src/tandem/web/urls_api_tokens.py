"""The page where people list, create and revoke their own API tokens."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_api_tokens as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/tokens/", views.token_list, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
