"""Reads of API tokens: a person's own, within one organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.accounts.models import Organization, User
from tandem.api.models import ApiToken


def api_token_list(*, organization: Organization, user: User) -> QuerySet[ApiToken]:
    """``user``'s tokens in the organisation, revoked and expired ones too."""
    return ApiToken.objects.filter(organization=organization, user=user).select_related(
        "organization"
    )


def api_token_get(*, organization: Organization, user: User, pk: int) -> ApiToken:
    """One of ``user``'s tokens; another person's answers 404, as if it did not exist."""
    return get_object_or_404(api_token_list(organization=organization, user=user), pk=pk)
