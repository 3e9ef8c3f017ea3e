"""View helpers: every page works inside the organisation the person has chosen."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from tandem.accounts.models import Membership, Organization

View = Callable[..., HttpResponse]


def org_view(view: View) -> View:
    """Require a logged-in member; pass ``org`` and ``membership`` to the view.

    Someone without a membership sees a 404, like any object of another organisation.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership: Membership | None = getattr(request, "membership", None)
        if membership is None:
            raise Http404("You are not a member of any organisation.")
        organization: Organization = membership.organization
        return view(request, *args, org=organization, membership=membership, **kwargs)

    return wrapper
