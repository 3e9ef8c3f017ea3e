"""Writes made by an organisation's identity provider through SCIM, and its tokens:
keyword-only, atomic, audited (the provider's writes with the source "scim" and no
person as the actor).

People and teams are Tandem's own (``tandem.accounts``); this module maps the
provider's view onto them: a SCIM User is a person's membership of the organisation,
a SCIM Group is one of its teams. The account itself (its name and address) belongs
to the person, who may be in several organisations: one organisation's provider
changes it only while the account belongs to that organisation alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tandem import bearer
from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot
from tandem.scim.models import ScimGroup, ScimToken, ScimUser

TOKEN_PREFIX = "scim_"
_TOKEN_AUDIT_FIELDS = ["name", "public_id", "revoked_at"]


class Conflict(Exception):
    """The provider asks for something that already exists (SCIM's 409 ``uniqueness``)."""


# -- tokens ---------------------------------------------------------------------------------


def scim_token_create(
    *, organization: Organization, name: str, by: User | None, source: str = Source.WEB
) -> tuple[ScimToken, str]:
    """A token for the organisation's identity provider; answer it and its secret, which
    is shown once and never stored."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Name the token after the provider, e.g. “Okta”."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name under 100 characters."})
    public_id, secret = bearer.new_secret(TOKEN_PREFIX)
    with transaction.atomic():
        token = ScimToken.objects.create(
            organization=organization,
            name=name,
            public_id=public_id,
            secret_hash=bearer.hash_secret(secret),
            created_by=by,
        )
        audit_record(
            organization=organization,
            actor=by,
            action="scim_token.create",
            target=token,
            after=snapshot(token, _TOKEN_AUDIT_FIELDS),
            source=source,
        )
    return token, secret


def scim_token_revoke(*, token: ScimToken, by: User | None, source: str = Source.WEB) -> ScimToken:
    """Stop a token working at once; revoking a revoked token changes nothing."""
    return bearer.revoke(token, action="scim_token.revoke", by=by, source=source)


def scim_token_find(secret: str) -> ScimToken | None:
    """The token whose secret is ``secret`` (revoked ones too), or None."""
    return bearer.find(ScimToken.objects.select_related("organization"), TOKEN_PREFIX, secret)


def scim_token_touch(*, token: ScimToken) -> None:
    """Record that the token was used, at most once a minute."""
    bearer.touch(token)


# -- people -----------------------------------------------------------------------------------

_LINK_FIELDS = ["user", "user_name", "external_id", "active", "role"]


def _audit(
    organization: Organization,
    action: str,
    target: ScimUser | ScimGroup,
    *,
    before: dict[str, object] | None = None,
) -> None:
    audit_record(
        organization=organization,
        actor=None,
        action=action,
        target=target,
        before=before,
        after=snapshot(target, _LINK_FIELDS) if isinstance(target, ScimUser) else None,
        source=Source.SCIM,
    )


def _owns_account(organization: Organization, user: User) -> bool:
    """Whether the account belongs to this organisation alone (its provider may then
    change the account's name and address)."""
    return not Membership.objects.filter(user=user).exclude(organization=organization).exists()


def _clean_email(email: str, field: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({field: f"“{email}” is not an e-mail address."}) from None
    return email


def scim_user_create(
    *,
    organization: Organization,
    user_name: str,
    email: str,
    full_name: str,
    external_id: str = "",
    active: bool = True,
    title: str | None = None,
) -> User:
    """Provision a person: an account without a password (they sign in through the
    provider) if the address has none, and a membership as a member.

    An address that is already a member here, or provisioned here, is a conflict: the
    provider finds those people by filtering on ``userName`` and links them instead.
    An account known only to other organisations joins this one, keeping its name.
    """
    user_name = user_name.strip()
    if not user_name:
        raise ValidationError({"userName": "Give the person's sign-in name as userName."})
    email = _clean_email(email, "emails")
    with transaction.atomic():
        if ScimUser.objects.filter(organization=organization, user_name__iexact=user_name).exists():
            raise Conflict(f"userName {user_name} is already provisioned in {organization}.")
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and (
            Membership.objects.filter(organization=organization, user=user).exists()
            or ScimUser.objects.filter(organization=organization, user=user).exists()
        ):
            raise Conflict(f"{email} is already a member of {organization}.")
        if user is None:
            name = " ".join(full_name.split()) or email.split("@")[0]
            user = accounts.user_create(email=email, full_name=name[:150], password=None)
        link = ScimUser.objects.create(
            organization=organization,
            user=user,
            user_name=user_name,
            external_id=external_id,
            active=active,
        )
        if active:
            membership = accounts.membership_add(
                organization=organization,
                user=user,
                role=Role.MEMBER,
                title=(title or "").strip()[:120],
                by=None,
                source=Source.SCIM,
            )
            membership.full_clean(exclude=["organization", "user"])
        _audit(organization, "scim.user_create", link)
    return user


def _deactivate(link: ScimUser, membership: Membership) -> None:
    before = snapshot(link, _LINK_FIELDS)
    link.role = membership.role
    link.active = False
    link.save(update_fields=["role", "active", "updated_at"])
    accounts.membership_end(membership=membership, by=None, source=Source.SCIM)
    accounts.user_sessions_end(user=link.user)
    _audit(link.organization, "scim.user_deactivate", link, before=before)


def scim_user_update(
    *,
    organization: Organization,
    user: User,
    user_name: str | None = None,
    email: str | None = None,
    full_name: str | None = None,
    external_id: str | None = None,
    active: bool | None = None,
    title: str | None = None,
) -> User:
    """Change what the provider says of a person; ``None`` leaves a value as it is.

    ``active=False`` ends their membership, their browser sessions and their API tokens
    in the organisation at once (their work stays); ``active=True`` gives the
    membership back with the role it had (an owner comes back as an admin: owners are
    made in Tandem). The name and address of an account that also belongs to another
    organisation are that person's, not this provider's: a new name is not applied,
    and a new address is refused.
    """
    with transaction.atomic():
        link, created = ScimUser.objects.select_for_update().get_or_create(
            organization=organization,
            user=user,
            defaults={"user_name": user.email},
        )
        before = None if created else snapshot(link, _LINK_FIELDS)
        membership = Membership.objects.filter(organization=organization, user=user).first()
        changed: list[str] = []
        if membership is None and link.active:
            # Removed in Tandem meanwhile: the provider sees the person inactive.
            link.active = False
            changed.append("active")
        if user_name is not None and user_name.strip() and user_name.strip() != link.user_name:
            clean = user_name.strip()
            if (
                ScimUser.objects.filter(organization=organization, user_name__iexact=clean)
                .exclude(pk=link.pk)
                .exists()
            ):
                raise Conflict(f"userName {clean} is already provisioned in {organization}.")
            link.user_name = clean
            changed.append("user_name")
        if external_id is not None and external_id != link.external_id:
            link.external_id = external_id
            changed.append("external_id")
        if changed:
            link.save(update_fields=[*changed, "updated_at"])
        if email is not None:
            clean_email = _clean_email(email, "emails")
            if clean_email != user.email:
                _change_email(organization, user, clean_email)
        if full_name and _owns_account(organization, user):
            accounts.user_set_name(user=user, full_name=full_name[:150])
        if active is False and membership is not None:
            _deactivate(link, membership)
            membership = None
        elif active is True and membership is None:
            membership = accounts.membership_add(
                organization=organization,
                user=user,
                role=link.role if link.role != Role.OWNER else Role.ADMIN,
                by=None,
                source=Source.SCIM,
            )
            before = snapshot(link, _LINK_FIELDS)
            link.active = True
            link.save(update_fields=["active", "updated_at"])
            _audit(organization, "scim.user_reactivate", link, before=before)
        elif created or changed:
            _audit(organization, "scim.user_update", link, before=before)
        if title is not None and membership is not None and title.strip() != membership.title:
            accounts.membership_set_title(
                membership=membership, title=title[:120], by=None, source=Source.SCIM
            )
    return user


def _change_email(organization: Organization, user: User, email: str) -> None:
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise Conflict(f"{email} already belongs to another Tandem account.")
    if not _owns_account(organization, user):
        raise ValidationError(
            {
                "emails": f"{user.email} also belongs to other organisations, so its "
                "address is changed by the person or Tandem's operators, not by one "
                "organisation's identity provider."
            }
        )
    user.email = email
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=["email"])


def scim_user_delete(*, organization: Organization, user: User) -> None:
    """The provider forgets the person: their membership ends as on deactivation, and
    Tandem stops listing them to the provider. Their account and work stay."""
    with transaction.atomic():
        membership = Membership.objects.filter(organization=organization, user=user).first()
        link = ScimUser.objects.filter(organization=organization, user=user).first()
        if membership is not None:
            accounts.membership_end(membership=membership, by=None, source=Source.SCIM)
            accounts.user_sessions_end(user=user)
        if link is not None:
            audit_record(
                organization=organization,
                actor=None,
                action="scim.user_delete",
                target=link,
                before=snapshot(link, _LINK_FIELDS),
                source=Source.SCIM,
            )
            link.delete()


# -- teams ------------------------------------------------------------------------------------


def _members(organization: Organization, user_ids: Iterable[int]) -> list[User]:
    wanted = set(user_ids)
    found = list(
        User.objects.filter(pk__in=wanted, memberships__organization=organization).distinct()
    )
    missing = wanted - {u.pk for u in found}
    if missing:
        raise ValidationError(
            {
                "members": f"No active member of {organization} has the id {min(missing)}: "
                "provision the person (and keep them active) before adding them to a group."
            }
        )
    return found


def _set_external_id(team: Team, external_id: str) -> None:
    current = ScimGroup.objects.filter(team=team).first()
    if current is None:
        if external_id:
            group = ScimGroup.objects.create(
                organization_id=team.organization_id, team=team, external_id=external_id
            )
            _audit(team.organization, "scim.group_link", group)
    elif current.external_id != external_id:
        before = snapshot(current, ["external_id"])
        current.external_id = external_id
        current.save(update_fields=["external_id"])
        audit_record(
            organization=team.organization,
            actor=None,
            action="scim.group_link",
            target=current,
            before=before,
            after=snapshot(current, ["external_id"]),
            source=Source.SCIM,
        )


def scim_group_create(
    *,
    organization: Organization,
    name: str,
    external_id: str = "",
    member_ids: Iterable[int] = (),
) -> Team:
    """A team for the group, under the organisation's company team, with its members."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"displayName": "Give the group a displayName."})
    top = Team.objects.filter(
        organization=organization, parent__isnull=True, kind=Team.Kind.COMPANY
    ).first()
    with transaction.atomic():
        if Team.objects.filter(organization=organization, name__iexact=clean).exists():
            raise Conflict(f"A team called “{clean}” already exists in {organization}.")
        members = _members(organization, member_ids)
        try:
            team = accounts.team_create(
                organization=organization, name=clean, parent=top, by=None, source=Source.SCIM
            )
        except ValidationError as exc:
            # The slug of another team's name (“R&D” and “R-D”): the same clash.
            if "name" in getattr(exc, "error_dict", {}):
                raise Conflict(" ".join(exc.message_dict["name"])) from None
            raise
        _set_external_id(team, external_id)
        for user in members:
            accounts.team_add_member(team=team, user=user, by=None, source=Source.SCIM)
    return team


def scim_group_update(
    *,
    team: Team,
    name: str | None = None,
    external_id: str | None = None,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
    members: Iterable[int] | None = None,
) -> Team:
    """Rename the team, or change its members: ``add`` and ``remove`` some, or set
    ``members`` to exactly these. Members added must belong to the organisation."""
    organization = team.organization
    with transaction.atomic():
        if name is not None and " ".join(name.split()) != team.name:
            team = accounts.team_update(team=team, name=name, by=None, source=Source.SCIM)
        if external_id is not None:
            _set_external_id(team, external_id)
        current = set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True))
        remove_ids = set(remove)
        add_ids = set(add)
        if members is not None:
            wanted = {u.pk for u in _members(organization, members)}
            add_ids, remove_ids = wanted - current, current - wanted
        for user in _members(organization, add_ids - current):
            accounts.team_add_member(team=team, user=user, by=None, source=Source.SCIM)
        for user in User.objects.filter(pk__in=remove_ids & current):
            accounts.team_remove_member(team=team, user=user, by=None, source=Source.SCIM)
    return team


def scim_group_delete(*, team: Team) -> None:
    """Delete the team, if it owns nothing (else the provider is told what to move)."""
    accounts.team_delete(team=team, by=None, source=Source.SCIM)
