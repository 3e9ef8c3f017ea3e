"""Writes for organisations, people, memberships and teams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tandem import events
from tandem.accounts import tenancy, tokens
from tandem.accounts.models import (
    Invitation,
    InvitationTeam,
    Membership,
    Organization,
    PasswordResetRequest,
    Role,
    Team,
    TeamMembership,
    User,
)
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot


def organization_create(
    *,
    name: str,
    owner: User,
    slug: str = "",
    timezone: str = "UTC",
    week_start: int = 1,
    fiscal_year_start_month: int = 1,
    source: str = Source.WEB,
) -> Organization:
    if not slug:
        # Organisation names are not unique across a Tandem (two "Acme"s may sign up),
        # so the second one gets "acme-2" instead of an error about a field it never saw.
        base = slugify(name)[:55] or "organisation"
        slug = base
        taken = set(
            Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True)
        )
        number = 2
        while slug in taken:
            slug = f"{base}-{number}"
            number += 1
    organization = Organization(
        name=name.strip(),
        slug=slug,
        timezone=timezone,
        week_start=week_start,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    organization.full_clean()
    with transaction.atomic():
        organization.save()
        Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
        audit_record(
            organization=organization,
            actor=owner,
            action="organization.create",
            target=organization,
            after=snapshot(organization),
            source=source,
        )
    return organization


def user_create(*, email: str, full_name: str, password: str | None) -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s already has an account.") % {"email": email}})
    user = User(email=email, full_name=full_name.strip())
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def membership_add(
    *,
    organization: Organization,
    user: User,
    role: str = Role.MEMBER,
    title: str = "",
    by: User | None,
    source: str = Source.WEB,
) -> Membership:
    if role not in Role.values:
        raise ValidationError(
            {
                "role": _("“%(role)s” is not a role (%(value)s).")
                % {"role": role, "value": ", ".join(Role.values)}
            }
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": role, "title": title}
        )
        if not created:
            raise ValidationError({"user": _("%(user)s is already a member.") % {"user": user}})
        audit_record(
            organization=organization,
            actor=by,
            action="membership.create",
            target=membership,
            after=snapshot(membership),
            source=source,
        )
    return membership


def team_create(
    *,
    organization: Organization,
    name: str,
    by: User | None,
    parent: Team | None = None,
    kind: str = Team.Kind.TEAM,
    slug: str = "",
    mission: str = "",
    source: str = Source.WEB,
) -> Team:
    if parent is not None and parent.organization_id != organization.pk:
        raise ValidationError({"parent": _("Not found in this organisation.")})
    team = Team(
        organization=organization,
        name=name.strip(),
        parent=parent,
        kind=kind,
        slug=slug or slugify(name)[:60],
        mission=mission,
    )
    if Team.objects.filter(organization=organization, slug=team.slug).exists():
        raise ValidationError(
            {"name": _("A team called “%(name)s” already exists.") % {"name": team.name}}
        )
    team.full_clean(exclude=["organization", "parent"])
    with transaction.atomic():
        team.save()
        audit_record(
            organization=organization,
            actor=by,
            action="team.create",
            target=team,
            after=snapshot(team),
            source=source,
        )
    return team


_TEAM_FIELDS = ["name", "slug", "kind", "parent", "mission"]


def _team_descendant_ids(team: Team) -> set[int]:
    """The ids of every team below ``team``, read level by level (org charts are shallow)."""
    found: set[int] = set()
    level = [team.pk]
    while level:
        level = list(
            Team.objects.filter(organization_id=team.organization_id, parent_id__in=level)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.update(level)
    return found


_UNSET = object()


def team_update(
    *,
    team: Team,
    by: User | None,
    name: str | None = None,
    parent: Team | object | None = _UNSET,
    kind: str | None = None,
    mission: str | None = None,
    source: str = Source.WEB,
) -> Team:
    """Rename a team, move it under another parent, or change its kind or mission.

    Its slug (and so its page's address) stays as it is, so links to it keep working.
    A team cannot move under itself or under one of its own teams.
    """
    errors: dict[str, str] = {}
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
        before = snapshot(current, _TEAM_FIELDS)
        if name is not None:
            clean = " ".join(name.split())
            if not clean:
                errors["name"] = _("Give the team a name.")
            elif (
                Team.objects.filter(organization_id=current.organization_id, name__iexact=clean)
                .exclude(pk=current.pk)
                .exists()
            ):
                errors["name"] = _("A team called “%(name)s” already exists.") % {"name": clean}
            current.name = clean
        if parent is not _UNSET:
            assert parent is None or isinstance(parent, Team)
            if parent is not None and parent.organization_id != current.organization_id:
                errors["parent"] = _("Not found in this organisation.")
            elif parent is not None and (
                parent.pk == current.pk or parent.pk in _team_descendant_ids(current)
            ):
                errors["parent"] = _(
                    "“%(parent)s” is %(team)s itself or one of its teams: a team cannot "
                    "sit under itself."
                ) % {"parent": parent, "team": current}
            else:
                current.parent = parent
        if kind is not None:
            if kind not in Team.Kind.values:
                errors["kind"] = _("“%(kind)s” is not a kind of team (%(kinds)s).") % {
                    "kind": kind,
                    "kinds": ", ".join(Team.Kind.values),
                }
            else:
                current.kind = kind
        if mission is not None:
            current.mission = mission.strip()
        if errors:
            raise ValidationError(errors)
        current.full_clean(exclude=["organization", "parent", "slug"])
        after = snapshot(current, _TEAM_FIELDS)
        if after == before:
            return current
        current.save()
        audit_record(
            organization=current.organization,
            actor=by,
            action="team.update",
            target=current,
            before=before,
            after=after,
            source=source,
        )
    return current


def team_delete(*, team: Team, by: User | None, source: str = Source.WEB) -> None:
    """Delete a team that owns nothing: its memberships go with it.

    A team with teams under it, or owning objectives or KPIs, is refused with what to
    move first: history must keep naming who owned what.
    """
    from django.db.models import ProtectedError

    children = team.children.count()
    objectives = team.objectives.count()
    kpis = team.kpis.count()
    problems = []
    if children:
        problems.append(
            ngettext("%(count)s team under it", "%(count)s teams under it", children)
            % {"count": children}
        )
    if objectives:
        problems.append(
            ngettext("%(count)s objective", "%(count)s objectives", objectives)
            % {"count": objectives}
        )
    if kpis:
        problems.append(ngettext("%(count)s KPI", "%(count)s KPIs", kpis) % {"count": kpis})
    if problems:
        raise ValidationError(
            {
                "team": _("%(team)s still has %(what)s: move them to another team first.")
                % {"team": team, "what": ", ".join(problems)}
            }
        )
    with transaction.atomic():
        audit_record(
            organization=team.organization,
            actor=by,
            action="team.delete",
            target=team,
            before=snapshot(team, _TEAM_FIELDS),
            source=source,
        )
        try:
            team.delete()
        except ProtectedError:
            raise ValidationError(
                {
                    "team": _("%(team)s is still in use: move what it owns to another team first.")
                    % {"team": team}
                }
            ) from None


def team_add_member(
    *, team: Team, user: User, is_lead: bool = False, by: User | None, source: str = Source.WEB
) -> TeamMembership:
    if not Membership.objects.filter(organization_id=team.organization_id, user=user).exists():
        raise ValidationError(
            {"user": _("%(user)s is not a member of this organisation.") % {"user": user}}
        )
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise ValidationError(
            {"user": _("%(user)s is already in %(team)s.") % {"user": user, "team": team}}
        )
    with transaction.atomic():
        tm = TeamMembership.objects.create(
            organization_id=team.organization_id, team=team, user=user, is_lead=is_lead
        )
        audit_record(
            organization=team.organization,
            actor=by,
            action="team.member_add",
            target=tm,
            after=snapshot(tm),
            source=source,
        )
    return tm


def membership_set_title(
    *, membership: Membership, title: str, by: User | None, source: str = Source.WEB
) -> Membership:
    with transaction.atomic():
        before = snapshot(membership, ["title"])
        membership.title = title.strip()
        membership.full_clean(exclude=["organization", "user"])
        membership.save(update_fields=["title"])
        audit_record(
            organization=membership.organization,
            actor=by,
            action="membership.update",
            target=membership,
            before=before,
            after=snapshot(membership, ["title"]),
            source=source,
        )
    return membership


def user_set_staff(*, user: User, staff: bool) -> User:
    """Let a person use the Django admin (/admin/) with every permission, or stop them.

    Tandem does not hand out Django's per-model permissions, so admin access is
    all or nothing. Accounts belong to no organisation, so there is no
    organisation audit history to write to.
    """
    user.is_staff = staff
    user.is_superuser = staff
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def user_create_hashed(*, email: str, full_name: str, password_hash: str) -> User:
    """Create an account from a password hashed already (by Django's hashers).

    For accounts carried over from another system, and for people who share one
    password (the demo): Argon2 is slow on purpose, so it should run once.
    """
    from django.contrib.auth.hashers import identify_hasher

    try:
        identify_hasher(password_hash)
    except ValueError:
        raise ValidationError(
            {"password": _("This is not a password hash Tandem knows.")}
        ) from None
    with transaction.atomic():
        user = user_create(email=email, full_name=full_name, password=None)
        user.password = password_hash
        user.save(update_fields=["password"])
    return user


# -- people management: roles, removal, invitations ---------------------------------------

INVITATION_LIFETIME = dt.timedelta(days=7)
PEOPLE_MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})
_INVITATION_AUDIT_FIELDS = [
    "email",
    "role",
    "invited_by",
    "expires_at",
    "accepted_at",
    "accepted_by",
    "revoked_at",
]
INVITATION_STATE_MESSAGES = {
    "accepted": gettext_lazy("This invitation has already been used."),
    "revoked": gettext_lazy("This invitation was withdrawn."),
    "expired": gettext_lazy("This invitation has expired."),
}


def require_manage_people(membership: Membership | None) -> Membership:
    """Owners and admins manage people; everyone else is refused with a sentence why."""
    if membership is None or membership.role not in PEOPLE_MANAGER_ROLES:
        raise PermissionDenied(
            _("Only owners and admins can manage the people of an organisation.")
        )
    return membership


def _manager(organization: Organization, by: User) -> Membership:
    return require_manage_people(
        Membership.objects.filter(organization=organization, user=by).first()
    )


def _owner_only(manager: Membership, sentence: str) -> None:
    if manager.role != Role.OWNER:
        raise ValidationError({"role": sentence})


def _check_not_last_owner(membership: Membership, field: str, sentence: str) -> None:
    """Refuse when ``membership`` is its organisation's only owner.

    The owners are locked first, so two owners demoting each other at the same moment
    cannot both succeed and leave the organisation without one.
    """
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise ValidationError(
            {field: sentence % {"person": membership.user, "org": membership.organization}}
        )


def membership_set_role(
    *, membership: Membership, role: str, by: User, source: str = Source.WEB
) -> Membership:
    """Give a member another role. Only owners make or unmake owners; one owner stays."""
    organization = membership.organization
    manager = _manager(organization, by)
    if role not in Role.values:
        raise ValidationError(
            {
                "role": _("“%(role)s” is not a role (%(value)s).")
                % {"role": role, "value": ", ".join(Role.values)}
            }
        )
    if role == membership.role:
        return membership
    if Role.OWNER in (role, membership.role):
        _owner_only(
            manager, _("Only an owner can make someone an owner or change an owner's role.")
        )
    with transaction.atomic():
        if membership.role == Role.OWNER:
            _check_not_last_owner(
                membership,
                "role",
                _("%(person)s is the last owner of %(org)s: make someone else an owner first."),
            )
        before = snapshot(membership, ["role"])
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            organization=organization,
            actor=by,
            action="membership.update",
            target=membership,
            before=before,
            after=snapshot(membership, ["role"]),
            source=source,
        )
    return membership


def membership_remove(*, membership: Membership, by: User, source: str = Source.WEB) -> None:
    """End a person's membership: their teams in the organisation and API tokens go too.

    What they wrote stays: objectives, key results, check-ins and measurements refer to
    the person, not to the membership, so history still names who did what.
    """
    manager = _manager(membership.organization, by)
    if membership.role == Role.OWNER and manager.role != Role.OWNER:
        raise ValidationError({"membership": _("Only an owner can remove an owner.")})
    membership_end(membership=membership, by=by, source=source)


def membership_end(*, membership: Membership, by: User | None, source: str = Source.WEB) -> None:
    """What :func:`membership_remove` does once the caller may do it; also called by
    the organisation's identity provider (``tandem.scim``), whose token is its right.
    The last owner stays."""
    from tandem.api.models import ApiToken
    from tandem.api.services import api_token_revoke

    organization = membership.organization
    with transaction.atomic():
        if membership.role == Role.OWNER:
            _check_not_last_owner(
                membership,
                "membership",
                _(
                    "%(person)s is the last owner of %(org)s: make someone else an owner "
                    "before removing them."
                ),
            )
        for tm in TeamMembership.objects.filter(
            organization=organization, user_id=membership.user_id
        ).select_related("team", "user"):
            audit_record(
                organization=organization,
                actor=by,
                action="team.member_remove",
                target=tm,
                before=snapshot(tm),
                source=source,
            )
            tm.delete()
        # A token would work again if the person were ever invited back.
        for token in ApiToken.objects.filter(
            organization=organization, user_id=membership.user_id, revoked_at__isnull=True
        ):
            api_token_revoke(token=token, by=by, source=source)
        audit_record(
            organization=organization,
            actor=by,
            action="membership.delete",
            target=membership,
            before=snapshot(membership),
            source=source,
        )
        membership.delete()


def team_remove_member(
    *, team: Team, user: User, by: User | None, source: str = Source.WEB
) -> None:
    """Take ``user`` out of ``team``; being out already changes nothing."""
    with transaction.atomic():
        for tm in TeamMembership.objects.filter(team=team, user=user):
            audit_record(
                organization=team.organization,
                actor=by,
                action="team.member_remove",
                target=tm,
                before=snapshot(tm),
                source=source,
            )
            tm.delete()


def user_set_name(*, user: User, full_name: str) -> User:
    """Change how a person is named everywhere (their identity provider says so)."""
    clean = " ".join(full_name.split())
    if not clean:
        raise ValidationError({"full_name": _("A person's name cannot be empty.")})
    if clean != user.full_name:
        user.full_name = clean
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(update_fields=["full_name"])
    return user


def user_name_from_provider(*, user: User, full_name: str) -> bool:
    """Take the name the identity provider gives at single sign-on; answer whether it
    changed. The change is in the audit log of each organisation the person belongs to."""
    clean = " ".join(full_name.split())[:150]
    if not clean or clean == user.full_name:
        return False
    with transaction.atomic():
        before = snapshot(user, ["full_name"])
        user_set_name(user=user, full_name=clean)
        after = snapshot(user, ["full_name"])
        for membership in Membership.objects.filter(user=user).select_related("organization"):
            audit_record(
                organization=membership.organization,
                actor=user,
                action="user.rename",
                target=user,
                before=before,
                after=after,
                source=Source.SSO,
            )
    return True


def user_sessions_end(*, user: User) -> int:
    """Sign ``user`` out of every browser at once; answer how many sessions ended.

    Sessions are stored signed and encoded, so each live one is read to find its
    person: a cost paid only when someone is deactivated.
    """
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    by: User,
    teams: Iterable[Team] = (),
    source: str = Source.WEB,
) -> Invitation:
    """Invite ``email`` to join with ``role``; the e-mail leaves through the ``mail`` queue.

    An open invitation to the same address is withdrawn: its link stops working and only
    the new one does. The task is enqueued in the same transaction, so an invitation
    that is rolled back never sends an e-mail, and one that is saved always does
    (``accounts.tasks`` subscribes to :class:`tandem.events.InvitationCreated`).
    """
    manager = _manager(organization, by)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    if role not in Role.values:
        raise ValidationError(
            {
                "role": _("“%(role)s” is not a role (%(value)s).")
                % {"role": role, "value": ", ".join(Role.values)}
            }
        )
    if role == Role.OWNER:
        _owner_only(manager, _("Only an owner can invite another owner."))
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already a member of %(organization)s.")
                % {"email": email, "organization": organization}
            }
        )
    team_list = list(teams)
    if any(team.organization_id != organization.pk for team in team_list):
        raise ValidationError({"teams": _("Not found in this organisation.")})
    now = timezone.now()
    salt = get_random_string(32)
    with transaction.atomic():
        for open_invitation in Invitation.objects.select_for_update().filter(
            organization=organization,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ):
            _invitation_revoke(open_invitation, by=by, now=now, source=source)
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            invited_by=by,
            token_salt=salt,
            token_hash=tokens.invitation_token_hash(tokens.token_for_salt(salt)),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        InvitationTeam.objects.bulk_create(
            InvitationTeam(organization=organization, invitation=invitation, team=team)
            for team in team_list
        )
        audit_record(
            organization=organization,
            actor=by,
            action="invitation.create",
            target=invitation,
            after={
                **snapshot(invitation, _INVITATION_AUDIT_FIELDS),
                "teams": [team.pk for team in team_list],
            },
            source=source,
        )
        events.publish(events.InvitationCreated(invitation))
    return invitation


def _invitation_revoke(
    invitation: Invitation, *, by: User | None, now: dt.datetime, source: str
) -> None:
    before = snapshot(invitation, ["revoked_at"])
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        organization=invitation.organization,
        actor=by,
        action="invitation.revoke",
        target=invitation,
        before=before,
        after=snapshot(invitation, ["revoked_at"]),
        source=source,
    )


def invitation_revoke(*, invitation: Invitation, by: User, source: str = Source.WEB) -> Invitation:
    """Withdraw an invitation: its link says so from now on."""
    _manager(invitation.organization, by)
    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if current.accepted_at is not None:
            raise ValidationError(
                {"invitation": _("%(email)s has already accepted.") % {"email": current.email}}
            )
        if current.revoked_at is None:
            _invitation_revoke(current, by=by, now=timezone.now(), source=source)
    return current


def invitation_accept(
    *, invitation: Invitation, user: User, source: str = Source.WEB
) -> Membership:
    """Make ``user`` (whose address the invitation names) a member with its role and teams."""
    with transaction.atomic():
        # Locked, so that a link opened twice at once joins once.
        current = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .get(pk=invitation.pk)
        )
        state = current.state()
        if state != "pending":
            raise ValidationError({"invitation": str(INVITATION_STATE_MESSAGES[state])})
        if user.email.lower() != current.email.lower():
            raise ValidationError(
                {
                    "email": _(
                        "This invitation is for %(invited)s; you are logged in as %(email)s. "
                        "Log out, then open the link again."
                    )
                    % {"invited": current.email, "email": user.email}
                }
            )
        organization = current.organization
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError(
                {
                    "invitation": _("You are already a member of %(organization)s.")
                    % {"organization": organization}
                }
            )
        membership = membership_add(
            organization=organization, user=user, role=current.role, by=user, source=source
        )
        for team in current.teams.all():
            team_add_member(team=team, user=user, by=user, source=source)
        before = snapshot(current, ["accepted_at", "accepted_by"])
        current.accepted_at = timezone.now()
        current.accepted_by = user
        current.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            organization=organization,
            actor=user,
            action="invitation.accept",
            target=current,
            before=before,
            after=snapshot(current, ["accepted_at", "accepted_by"]),
            source=source,
        )
    invitation.accepted_at = current.accepted_at
    return membership


def invitation_accept_new_user(
    *,
    invitation: Invitation,
    full_name: str,
    password: str,
    source: str = Source.WEB,
) -> User:
    """Create the invited person's account with their name and password, and join."""
    full_name = full_name.strip()
    if not full_name:
        raise ValidationError({"full_name": _("Enter your name as colleagues will see it.")})
    state = invitation.state()
    if state != "pending":
        raise ValidationError({"invitation": str(INVITATION_STATE_MESSAGES[state])})
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s already has an account: log in to accept.")
                % {"email": invitation.email}
            }
        )
    try:
        validate_password(password, user=User(email=invitation.email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user = user_create(email=invitation.email, full_name=full_name, password=password)
        invitation_accept(invitation=invitation, user=user, source=source)
    return user


# -- password resets ----------------------------------------------------------------------

PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)
_KEEP_RESET_REQUESTS = dt.timedelta(days=1)


def _reset_limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def password_reset_request(*, email: str, ip: str | None, now: dt.datetime) -> bool:
    """Ask for a reset e-mail to ``email``; answer whether one is on its way.

    The task looks the address up, not this request, so asking for a known and an
    unknown address does the same work here and answers in the same time. At most
    ``TANDEM_PASSWORD_RESET_MAX_PER_HOUR`` (3) requests per address and
    ``TANDEM_PASSWORD_RESET_MAX_PER_IP`` (20) per network address go out in an hour;
    refused ones are not counted, so the limit ends on time.
    """
    email = email.strip().lower()[:254]
    since = now - PASSWORD_RESET_WINDOW
    recent = PasswordResetRequest.objects.filter(at__gt=since, at__lte=now)
    if recent.filter(email=email).count() >= _reset_limit("TANDEM_PASSWORD_RESET_MAX_PER_HOUR", 3):
        return False
    if ip and recent.filter(ip=ip).count() >= _reset_limit("TANDEM_PASSWORD_RESET_MAX_PER_IP", 20):
        return False
    with transaction.atomic():
        PasswordResetRequest.objects.filter(at__lt=now - _KEEP_RESET_REQUESTS).delete()
        PasswordResetRequest.objects.create(email=email, ip=ip, at=now)
        events.publish(events.PasswordResetRequested(email))
    return True


def user_language_set(
    *,
    user: User,
    language: str,
    organization: Organization | None = None,
    source: str = Source.WEB,
) -> User:
    """Choose the language ``user`` reads Tandem in ("" follows their organisation's
    default); audited in ``organization``, the one they are working in, when given."""
    codes = [code for code, _ in settings.LANGUAGES]
    if language not in ("", *codes):
        raise ValidationError(
            {
                "language": _("“%(language)s” is not a language of Tandem; use %(codes)s")
                % {"language": language, "codes": ", ".join(codes)}
            }
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(locked, ["language"])
        locked.language = language
        locked.save(update_fields=["language"])
        if organization is not None:
            audit_record(
                organization=organization,
                actor=locked,
                action="user.language",
                target=locked,
                before=before,
                after=snapshot(locked, ["language"]),
                source=source,
            )
    user.language = language
    return locked


ORGANIZATION_SETTINGS = [
    "name",
    "timezone",
    "week_start",
    "fiscal_year_start_month",
    "status_on_track_gap",
    "status_at_risk_gap",
    "status_low_confidence",
    "promote_after_red_periods",
    "demote_after_green_periods",
    "terminology",
    "coach_disabled_rules",
    "password_sign_in",
    "language",
]


def organization_update(
    *,
    organization: Organization,
    by: User,
    source: str = Source.WEB,
    **changes: object,
) -> Organization:
    """Change an organisation's settings (owners and admins only); every field is
    checked before anything is saved, and the change is audited."""
    from tandem.domain.coach import RuleId
    from tandem.terms import clean_terminology

    manager = Membership.objects.filter(organization=organization, user=by).first()
    if manager is None or manager.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied(_("Only admins and owners change the organisation's settings."))
    unknown = set(changes) - set(ORGANIZATION_SETTINGS)
    if unknown:
        raise ValidationError({name: _("Not a setting of an organisation.") for name in unknown})
    errors: dict[str, list[str]] = {
        name: [_("Give a value: this setting cannot be empty (null).")]
        for name, value in changes.items()
        if value is None and not getattr(Organization._meta.get_field(name), "null", False)
    }
    if "terminology" in changes:
        raw = changes["terminology"]
        if not isinstance(raw, dict):
            errors["terminology"] = [_("Give the words as {concept: {singular, plural}}.")]
        else:
            try:
                changes["terminology"] = clean_terminology(raw)
            except ValidationError as error:
                errors.update(error.message_dict)
    if "coach_disabled_rules" in changes:
        rules = changes["coach_disabled_rules"]
        known = {rule.value for rule in RuleId}
        if not isinstance(rules, list | tuple) or any(r not in known for r in rules):
            errors["coach_disabled_rules"] = [
                _("Switch off only the coach's rules: %(rules)s.")
                % {"rules": ", ".join(sorted(known))}
            ]
        else:
            changes["coach_disabled_rules"] = sorted(set(rules))
    if changes.get("password_sign_in") is False and organization.password_sign_in:
        from tandem.accounts import oidc

        if not oidc.enabled():
            errors["password_sign_in"] = [
                _(
                    "Password sign-in can be turned off only once single sign-on is set up "
                    "on this server (TANDEM_OIDC_CLIENT_ID): otherwise nobody could sign in."
                )
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = snapshot(locked, ORGANIZATION_SETTINGS)
        for name, value in changes.items():
            setattr(locked, name, value)
        if "name" in changes:
            locked.name = " ".join(str(locked.name).split())
        locked.full_clean(exclude=["slug"])
        locked.save(update_fields=list(changes) or None)
        audit_record(
            organization=locked,
            actor=by,
            action="organization.update",
            target=locked,
            before=before,
            after=snapshot(locked, ORGANIZATION_SETTINGS),
            source=source,
        )
    for name in changes:
        setattr(organization, name, getattr(locked, name))
    # Saving drew a new cache token (tandem.accounts.orgcache): the copy in hand reads
    # the new words and settings for the rest of the request.
    organization.cache_version = locked.cache_version
    return locked


# -- deleting an organisation -----------------------------------------------------------


def organization_purge(*, organization: Organization) -> None:
    """Delete an organisation and every row that belongs to it.

    ``on_delete=PROTECT`` guards objectives' cycles and owners, team and cycle
    trees and KPI-backed key results, so a plain ``organization.delete()`` is
    refused. Trees are first cut loose (a parent inside the same organisation),
    then each kind of row is deleted once nothing left protects it. A row of
    another organisation that points into this one stops the purge with
    ``ProtectedError``: another organisation is never changed.
    """
    owned = tenancy.organization_models()
    with transaction.atomic():
        for model in owned:
            for f in model._meta.concrete_fields:
                if f.many_to_one and f.related_model is model and f.null:
                    tenancy.organization_rows(model, [organization]).update(**{f.name: None})
        pending = list(owned)
        while pending:
            blocked: list[type[models.Model]] = []
            last_error: ProtectedError | None = None
            for model in pending:
                try:
                    with transaction.atomic():
                        tenancy.organization_rows(model, [organization]).delete()
                except ProtectedError as exc:
                    blocked.append(model)
                    last_error = exc
            if len(blocked) == len(pending):
                assert last_error is not None
                raise last_error
            pending = blocked
        organization.delete()
