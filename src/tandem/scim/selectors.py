"""Reads for SCIM, always of one organisation: its people (members, and those its
provider deactivated) as SCIM Users, its teams as SCIM Groups, and filters on them.

The organisation comes from the token, never from the request: another organisation's
person or team is simply not found (404).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from tandem.accounts.models import Membership, Organization, Team, TeamMembership, User
from tandem.scim.models import ScimGroup, ScimToken, ScimUser
from tandem.scim.protocol import Comparison, ScimError, matches


@dataclass
class Person:
    """What a SCIM User is made of."""

    user: User
    membership: Membership | None
    link: ScimUser | None
    teams: list[Team] = field(default_factory=list)

    @property
    def user_name(self) -> str:
        return (
            self.link.user_name
            if self.link is not None and self.link.user_name
            else self.user.email
        )


@dataclass
class Group:
    team: Team
    link: ScimGroup | None
    members: list[User] = field(default_factory=list)


def people(organization: Organization) -> QuerySet[User]:
    linked = ScimUser.objects.filter(organization=organization).values("user_id")
    members = Membership.objects.filter(organization=organization).values("user_id")
    return User.objects.filter(Q(pk__in=members) | Q(pk__in=linked)).order_by("pk")


def _id(value: object, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise Http404(f"No {what} has the id {value!r} in this organisation.") from None


def _text(comparison: Comparison, field: str, *, exact: bool = False) -> Q:
    op = comparison.op
    if op == "pr":
        return ~Q(**{field: ""}) & Q(**{f"{field}__isnull": False})
    if not isinstance(comparison.value, str):
        raise ScimError(
            400,
            f"The filter on {comparison.attribute} compares it with {comparison.value!r}: "
            "give a string in double quotes.",
            "invalidFilter",
        )
    lookup = {
        "eq": "exact" if exact else "iexact",
        "ne": "exact" if exact else "iexact",
        "co": "icontains",
        "sw": "istartswith",
        "ew": "iendswith",
    }[op]
    condition = Q(**{f"{field}__{lookup}": comparison.value})
    return ~condition if op == "ne" else condition


def _pk(comparison: Comparison, field: str = "pk") -> Q:
    if comparison.op not in ("eq", "ne"):
        raise ScimError(400, "Filter id only with eq or ne.", "invalidFilter")
    try:
        pk = int(str(comparison.value))
    except ValueError:
        return Q(pk__in=[]) if comparison.op == "eq" else Q()
    condition = Q(**{field: pk})
    return ~condition if comparison.op == "ne" else condition


_WORK_EMAIL = {"type": "work", "primary": True}
USER_FILTERS = "userName, emails.value, externalId, id, displayName, name.formatted and active"
GROUP_FILTERS = "displayName, externalId, id and members.value"


def user_filter(organization: Organization, comparison: Comparison) -> Q:
    """The condition on ``people(organization)`` that ``comparison`` means."""
    attribute = comparison.attribute
    links = ScimUser.objects.filter(organization=organization)
    if attribute == "username":
        by_name = links.filter(_text(comparison, "user_name")).values("user_id")
        unlinked = ~Q(pk__in=links.values("user_id")) & _text(comparison, "email")
        return Q(pk__in=by_name) | unlinked
    if attribute in ("emails", "emails.value"):
        if comparison.where is not None and not matches(comparison.where, _WORK_EMAIL):
            return Q(pk__in=[])  # a person has one address, of type work
        return _text(comparison, "email")
    if attribute == "externalid":
        return Q(
            pk__in=links.filter(_text(comparison, "external_id", exact=True)).values("user_id")
        )
    if attribute == "id":
        return _pk(comparison)
    if attribute in ("displayname", "name.formatted"):
        return _text(comparison, "full_name")
    if attribute == "active":
        if comparison.op != "eq" or not isinstance(comparison.value, bool):
            raise ScimError(400, "Filter active only with eq true or eq false.", "invalidFilter")
        members = Membership.objects.filter(organization=organization).values("user_id")
        return Q(pk__in=members) if comparison.value else ~Q(pk__in=members)
    raise ScimError(
        400,
        f"Users cannot be filtered on {comparison.attribute}: Tandem filters them on "
        f"{USER_FILTERS}.",
        "invalidFilter",
    )


def group_filter(organization: Organization, comparison: Comparison) -> Q:
    attribute = comparison.attribute
    if attribute == "displayname":
        return _text(comparison, "name")
    if attribute == "externalid":
        linked = ScimGroup.objects.filter(organization=organization).filter(
            _text(comparison, "external_id", exact=True)
        )
        return Q(pk__in=linked.values("team_id"))
    if attribute == "id":
        return _pk(comparison)
    if attribute in ("members", "members.value"):
        if comparison.op != "eq":
            raise ScimError(400, "Filter members.value only with eq.", "invalidFilter")
        teams = TeamMembership.objects.filter(organization=organization).filter(
            _pk(comparison, "user_id")
        )
        return Q(pk__in=teams.values("team_id"))
    raise ScimError(
        400,
        f"Groups cannot be filtered on {comparison.attribute}: Tandem filters them on "
        f"{GROUP_FILTERS}.",
        "invalidFilter",
    )


def people_of(organization: Organization, users: list[User]) -> list[Person]:
    """Each user with their membership, provider link and teams, in four queries."""
    ids = [u.pk for u in users]
    memberships = {
        m.user_id: m for m in Membership.objects.filter(organization=organization, user_id__in=ids)
    }
    links = {
        link.user_id: link
        for link in ScimUser.objects.filter(organization=organization, user_id__in=ids)
    }
    teams: dict[int, list[Team]] = defaultdict(list)
    for tm in (
        TeamMembership.objects.filter(organization=organization, user_id__in=ids)
        .select_related("team")
        .order_by("team__name")
    ):
        teams[tm.user_id].append(tm.team)
    return [
        Person(user=u, membership=memberships.get(u.pk), link=links.get(u.pk), teams=teams[u.pk])
        for u in users
    ]


def person_get(organization: Organization, pk: object) -> Person:
    user = people(organization).filter(pk=_id(pk, "User")).first()
    if user is None:
        raise Http404(f"No User has the id {pk!r} in this organisation.")
    return people_of(organization, [user])[0]


def teams(organization: Organization) -> QuerySet[Team]:
    return Team.objects.filter(organization=organization).order_by("pk")


def groups_of(
    organization: Organization, found: list[Team], *, members: bool = True
) -> list[Group]:
    ids = [t.pk for t in found]
    links = {
        g.team_id: g for g in ScimGroup.objects.filter(organization=organization, team_id__in=ids)
    }
    people_in: dict[int, list[User]] = defaultdict(list)
    if members:
        for tm in (
            TeamMembership.objects.filter(organization=organization, team_id__in=ids)
            .select_related("user")
            .order_by("user_id")
        ):
            people_in[tm.team_id].append(tm.user)
    return [Group(team=t, link=links.get(t.pk), members=people_in[t.pk]) for t in found]


def group_get(organization: Organization, pk: object) -> Group:
    team = teams(organization).filter(pk=_id(pk, "Group")).first()
    if team is None:
        raise Http404(f"No Group has the id {pk!r} in this organisation.")
    return groups_of(organization, [team])[0]


def scim_token_list(*, organization: Organization) -> QuerySet[ScimToken]:
    """The organisation's SCIM tokens, revoked ones too."""
    return ScimToken.objects.filter(organization=organization)


def scim_token_get(*, organization: Organization, pk: int) -> ScimToken:
    return get_object_or_404(scim_token_list(organization=organization), pk=pk)
