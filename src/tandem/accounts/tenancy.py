"""Which rows belong to an organisation: those of every model with a foreign key to it.

The backup reads them, :func:`tandem.accounts.services.organization_purge` deletes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from tandem.accounts.models import Organization


def organization_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is Organization
    ]


def organization_models() -> list[type[models.Model]]:
    """Every model whose rows belong to an organisation (a foreign key to it), by label."""
    found = [m for m in apps.get_models() if m is not Organization and organization_fields(m)]
    return sorted(found, key=lambda m: m._meta.label_lower)


def organization_rows(
    model: type[models.Model], organizations: Sequence[Organization]
) -> models.QuerySet[Any]:
    """The rows of ``model`` that belong to one of ``organizations``, by primary key."""
    query = Q()
    for f in organization_fields(model):
        query |= Q(**{f"{f.name}__in": organizations})
    # The base manager: custom managers may hide rows (or refuse work) for other reasons,
    # and custom query sets refuse bulk updates (check-ins, audit).
    return model._base_manager.filter(query).order_by("pk")
