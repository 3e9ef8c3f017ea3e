"""What every page shares: each works inside the organisation the person has
chosen (:func:`org_view`), and shows a service's refusal next to the fields it names
(:func:`apply_service_errors`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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


def apply_service_errors(
    form: forms.Form, error: ValidationError, *, aliases: dict[str, str] | None = None
) -> None:
    """Put each message of a service's ``ValidationError`` next to the field it names.

    A name the form does not show (``__all__``, ``version``, ``organization``) becomes
    an error of the whole form, so no message is ever lost.
    """
    aliases = aliases or {}
    visible = {name for name, field in form.fields.items() if not field.widget.is_hidden}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in visible else None, messages)
