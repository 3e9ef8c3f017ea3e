from django.urls import path, re_path

from tandem.api.api import api
from tandem.api.errors import unknown_address

urlpatterns = [
    path("api/v1/", api.urls),
    # After the API's own addresses: clients get problem JSON, not the web's 404 page.
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_address),
]
