from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for ``/favicon.ico`` on every page (and for the admin's and the API
    documentation's, which do not link the icon): send them to the static one, signed in
    or not."""
    return HttpResponseRedirect(static("tandem/favicon.ico"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("", include("tandem.api.urls")),
    path("", include("tandem.web.urls")),
    path("", include("tandem.scim.urls")),
]
# Single sign-on (tandem.accounts.oidc): its routes exist only when it is configured.
if settings.TANDEM_OIDC_CLIENT_ID:
    urlpatterns.append(path("", include("tandem.accounts.oidc")))
