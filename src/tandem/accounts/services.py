"""Writes for organisations, people, memberships and teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
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
        raise ValidationError({"email": f"{email} already has an account."})
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
        raise ValidationError({"role": f"“{role}” is not a role ({', '.join(Role.values)})."})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": role, "title": title}
        )
        if not created:
            raise ValidationError({"user": f"{user} is already a member."})
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
        raise ValidationError({"parent": "Not found in this organisation."})
    team = Team(
        organization=organization,
        name=name.strip(),
        parent=parent,
        kind=kind,
        slug=slug or slugify(name)[:60],
        mission=mission,
    )
    if Team.objects.filter(organization=organization, slug=team.slug).exists():
        raise ValidationError({"name": f"A team called “{team.name}” already exists."})
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


def team_add_member(
    *, team: Team, user: User, is_lead: bool = False, by: User | None, source: str = Source.WEB
) -> TeamMembership:
    if not Membership.objects.filter(organization_id=team.organization_id, user=user).exists():
        raise ValidationError({"user": f"{user} is not a member of this organisation."})
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise ValidationError({"user": f"{user} is already in {team}."})
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
        raise ValidationError({"password": "This is not a password hash Tandem knows."}) from None
    with transaction.atomic():
        user = user_create(email=email, full_name=full_name, password=None)
        user.password = password_hash
        user.save(update_fields=["password"])
    return user
