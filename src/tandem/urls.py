from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tandem.api.urls")),
    path("", include("tandem.web.urls")),
    path("", include("tandem.accounts.urls")),
    path("", include("tandem.integrations.urls")),
    path("", include("tandem.webhooks.urls")),
    path("", include("tandem.notifications.urls")),
    path("", include("tandem.reports.urls")),
]
# Single sign-on (tandem.accounts.oidc): its routes exist only when it is configured.
if settings.TANDEM_OIDC_CLIENT_ID:
    urlpatterns.append(path("", include("tandem.accounts.oidc")))
