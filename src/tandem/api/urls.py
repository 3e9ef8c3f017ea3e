from django.urls import path

from tandem.api import views
from tandem.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("settings/tokens/", views.token_list, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
