from django.urls import path, re_path

from tandem.api import views
from tandem.api.api import api
from tandem.api.errors import unknown_address

urlpatterns = [
    path("api/v1/", api.urls),
    # After the API's own addresses: clients get problem JSON, not the web's 404 page.
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_address),
    path("settings/tokens/", views.token_list, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
