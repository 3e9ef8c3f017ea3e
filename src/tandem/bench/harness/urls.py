"""The benchmarks' URLs: Tandem's own, and the request floor (``scenarios.floor_page``).

The floor is a page with no content of its own: the layout every page has, for a
signed-in member, through the same routing, middleware, session and sign-in as any
page. What a real page costs beyond it is what the page itself does.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET

from tandem.accounts.models import Membership, Organization
from tandem.pages import org_view


@require_GET
@org_view
def floor(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    return render(request, "web/base.html", {})


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("tandem.urls")),
]
