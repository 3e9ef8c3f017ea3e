"""What is per organisation and rarely changes, kept in Django's cache between requests.

A large company has a thousand teams, and the scorecard's filter and the tree's groups
read all of them on every request although they change a few times a year. They are
kept in the cache (``CACHES``: local memory per process by default, Redis with
``TANDEM_CACHE_URL``), filed under the organisation's id and its ``cache_version``:

- the version is a random token on the organisation's row, which every request reads
  anyway (with the person's membership), so finding the entry costs no query;
- saving or deleting a team or saving the organisation (its settings, its words) draws
  a new token in the same transaction (signals below, connected in ``apps.py``): the
  new token takes effect when the change commits, and not at all if it rolls back, in
  every process at once, since each reads the token from the database;
- entries filed under an old token are never read again and expire
  (:data:`TIMEOUT`) or are culled by the cache.

Entries are built from one organisation's rows only, and their keys name it, so one
organisation never sees another's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from tandem.accounts.models import Organization, Team, new_cache_version
from tandem.terms import Terms, terms_of

T = TypeVar("T")

# A stale entry is never served (its token is gone); this only bounds the memory of
# entries nobody asks for any more.
TIMEOUT = 6 * 3600
_MISSING = object()


def _key(organization: Organization, name: str) -> str:
    return f"tandem:org:{organization.pk}:{organization.cache_version}:{name}"


def org_cached(
    organization: Organization, name: str, build: Callable[[], T], *, shared: bool = False
) -> T:
    """``build()``'s answer for ``organization``, from the cache while the organisation
    and its teams are unchanged. ``build`` must read only this organisation's rows.

    With ``shared``, the answer is also kept as it is in this process's memory (see
    :class:`_Recent`), so a hit costs no unpickling: only for immutable answers, which
    every request of the process then shares."""
    key = _key(organization, name)
    if shared:
        value: Any = _recent.get(key)
        if value is not _MISSING:
            return value
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, TIMEOUT)
    if shared:
        _recent.put(key, value)
    return value


class _Recent:
    """The last few immutable entries read, by key, in this process.

    Django's cache pickles what it keeps, even in local memory: unpickling a thousand
    teams took 2-20 ms of every request that showed them. A key names the
    organisation's token (:func:`_key`), so an entry here is never stale: a change draws
    a new token, and the old entry is pushed out as newer ones come in."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            value = self.entries.get(key, _MISSING)
            if value is not _MISSING:
                self.entries.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_recent = _Recent(size=64)


def org_cache_bump(organization_id: int, instance: Organization | None = None) -> int:
    """Retire every cached entry of the organisation: a new token, written in the
    current transaction. ``instance`` (the copy in hand) is given the token too, so the
    rest of the request reads what it just changed."""
    token = new_cache_version()
    Organization.objects.filter(pk=organization_id).update(cache_version=token)
    if instance is not None:
        instance.cache_version = token
    return token


@dataclass(frozen=True, slots=True)
class TeamName:
    """A team as filters, navigation and the tree's groups show it."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    kind: str

    @property
    def pk(self) -> int:
        return self.id

    def get_kind_display(self) -> str:
        return str(Team.Kind(self.kind).label)

    def __str__(self) -> str:
        return self.name


def org_teams(organization: Organization) -> tuple[TeamName, ...]:
    """Every team of the organisation by name (one query when not cached)."""

    def build() -> tuple[TeamName, ...]:
        return tuple(
            TeamName(*row)
            for row in Team.objects.filter(organization=organization)
            .order_by("name", "id")
            .values_list("id", "parent_id", "name", "slug", "kind")
        )

    return org_cached(organization, "teams", build, shared=True)


def org_terms(organization: Organization | None) -> Terms:
    """The organisation's words for the concepts (:func:`tandem.terms.terms_of`), worked
    out once per change of its words and per language rather than on every page (the
    concepts it did not rename are said in the reader's language)."""
    if organization is None or not organization.terminology:
        return terms_of(organization)
    language = translation.get_language() or "en"
    return org_cached(organization, f"terms:{language}", lambda: terms_of(organization))


# -- invalidation -----------------------------------------------------------------------


def _team_changed(sender: type[Team], instance: Team, **kwargs: Any) -> None:
    loaded = instance._state.fields_cache.get("organization")
    org_cache_bump(instance.organization_id, loaded if isinstance(loaded, Organization) else None)


def _organization_saved(
    sender: type[Organization], instance: Organization, update_fields: Any = None, **kwargs: Any
) -> None:
    if kwargs.get("created") or (
        update_fields is not None and set(update_fields) <= {"cache_version"}
    ):
        return  # a new organisation already has a token of its own
    org_cache_bump(instance.pk, instance)


def connect() -> None:
    post_save.connect(_team_changed, sender=Team, dispatch_uid="orgcache-team-saved")
    post_delete.connect(_team_changed, sender=Team, dispatch_uid="orgcache-team-deleted")
    post_save.connect(
        _organization_saved, sender=Organization, dispatch_uid="orgcache-organization-saved"
    )
