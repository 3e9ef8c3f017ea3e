"""Organisations (the tenants), people, memberships with roles, and teams."""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.domain.status import StatusThresholds

# The languages Tandem is translated into, each named in itself ("Deutsch").
LANGUAGE_CHOICES = list(settings.LANGUAGES)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Paris).")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. People may belong to several organisations."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    # The language of the pages and e-mails for this person (settings.LANGUAGES); empty
    # follows the organisation's default, then the browser's (tandem.accounts.languages).
    language = models.CharField(max_length=8, blank=True, default="", choices=LANGUAGE_CHOICES)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def initials(self) -> str:
        parts = (self.full_name or self.email).replace(".", " ").split()
        return "".join(p[0] for p in parts[:2]).upper()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def new_cache_version() -> int:
    """A fresh, unguessable cache token: random rather than counted, so that a token
    once used never comes back (a stale copy of the organisation saved in full, or a
    new organisation given a deleted one's id, would otherwise find old entries)."""
    return secrets.randbits(62)


class Organization(models.Model):
    """The tenant: every other row belongs to exactly one organisation."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, "Monday"
        TUESDAY = 2, "Tuesday"
        WEDNESDAY = 3, "Wednesday"
        THURSDAY = 4, "Thursday"
        FRIDAY = 5, "Friday"
        SATURDAY = 6, "Saturday"
        SUNDAY = 7, "Sunday"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    week_start = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # Live-status thresholds (see tandem.domain.status).
    status_on_track_gap = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    status_at_risk_gap = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.250")
    )
    status_low_confidence = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(10)]
    )
    # KPI promotion rules: red this many periods in a row suggests an OKR; green this
    # many periods in a row after the cycle suggests demoting it back to a plain KPI.
    promote_after_red_periods = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)]
    )
    demote_after_green_periods = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1)]
    )
    # The organisation's words for the concepts (tandem.terms): only those it renamed,
    # as {"objective": {"singular": "rock", "plural": "rocks"}, ...}.
    terminology = models.JSONField(default=dict, blank=True)
    # Quality-coach rules the organisation switched off (tandem.domain.coach.RuleId).
    coach_disabled_rules = models.JSONField(default=list, blank=True)
    # Off: its people sign in through single sign-on only (tandem.accounts.oidc); it has
    # no effect while single sign-on is not set up, so nobody is ever locked out.
    password_sign_in = models.BooleanField(default=True)
    # What the per-organisation cache holds (tandem.accounts.orgcache) is filed under
    # this token, drawn afresh whenever the organisation or one of its teams changes.
    cache_version = models.BigIntegerField(default=new_cache_version, editable=False)
    # The language of people who have not chosen one; empty follows each browser's.
    language = models.CharField(max_length=8, blank=True, default="", choices=LANGUAGE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1)
                & models.Q(fiscal_year_start_month__lte=12),
                name="org_fiscal_month_range",
            ),
            models.CheckConstraint(
                condition=models.Q(week_start__gte=1) & models.Q(week_start__lte=7),
                name="org_week_start_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status_on_track_gap__gte=0)
                & models.Q(status_on_track_gap__lte=models.F("status_at_risk_gap"))
                & models.Q(status_at_risk_gap__lte=1),
                name="org_status_gaps_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self) -> datetime.date:
        """The organisation's calendar day now: periods and expiries follow its time zone."""
        return timezone.now().astimezone(self.tz).date()

    @property
    def status_thresholds(self) -> StatusThresholds:
        return StatusThresholds(
            on_track_gap=self.status_on_track_gap,
            at_risk_gap=self.status_at_risk_gap,
            low_confidence=self.status_low_confidence,
        )


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("role", "Owner")
    ADMIN = "admin", pgettext_lazy("role", "Admin")
    EDITOR = "editor", pgettext_lazy("role", "Editor")
    MEMBER = "member", pgettext_lazy("role", "Member")
    VIEWER = "viewer", pgettext_lazy("role", "Viewer")


class Membership(models.Model):
    """A person's place in an organisation, with one role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(max_length=120, blank=True, help_text="Job title, shown on pages.")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def can_edit_everything(self) -> bool:
        return self.role in {Role.OWNER, Role.ADMIN, Role.EDITOR}

    @property
    def can_write(self) -> bool:
        return self.role != Role.VIEWER


class Team(models.Model):
    """A node of the org chart: the company at the root, then departments and teams."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEAM)
    mission = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="team_slug_unique"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="team_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    is_lead = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}{' (lead)' if self.is_lead else ''}"


class LoginAttempt(models.Model):
    """A failed sign-in, kept a day so that every app server counts the same failures.

    The e-mail is stored as typed (lower-cased), whether or not an account has it: a
    lockout then says nothing about which addresses have accounts.
    """

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="login_attempt_email_at"),
            models.Index(fields=["ip", "at"], name="login_attempt_ip_at"),
            models.Index(fields=["at"], name="login_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip or 'unknown'} at {self.at:%Y-%m-%d %H:%M:%S}"


class Invitation(models.Model):
    """An e-mail asking someone to join an organisation with a role (and maybe teams).

    The link's token is never stored: the row keeps a random ``token_salt`` and the
    SHA-256 of the token. The token itself is an HMAC of the salt under the server's
    secret key, so the mail task recomputes it when it sends the e-mail and neither the
    database nor the task queue holds a usable link. Changing ``TANDEM_SECRET_KEY``
    therefore voids pending invitations, as it voids password-reset links.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    teams: models.ManyToManyField[Team, InvitationTeam] = models.ManyToManyField(
        Team, through="InvitationTeam", blank=True, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    token_salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
            # Re-inviting an address replaces its open invitation: one link works at a time.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} as {self.role}"

    def state(self, now: datetime.datetime | None = None) -> str:
        """Where the invitation stands: accepted, revoked, expired or pending."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if (now or timezone.now()) >= self.expires_at:
            return "expired"
        return "pending"


class InvitationTeam(models.Model):
    """A team the invited person joins on accepting."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "team"], name="invitation_team_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation} in {self.team}"


class PasswordResetRequest(models.Model):
    """A "forgot your password" request, counted to limit the e-mails one address gets.

    Recorded whether or not an account has the address, so that the limit says
    nothing about which addresses have accounts. Kept a day.
    """

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="password_reset_email_at"),
            models.Index(fields=["ip", "at"], name="password_reset_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip or 'unknown'} at {self.at:%Y-%m-%d %H:%M:%S}"
