"""The background tasks (queue ``mail``) that send reminders, escalations and digests.

Each task gets the occurrence it is for as an ISO instant and reads everything "as of"
it, then sends through :func:`messages.deliver`, which inserts the ledger row first: a
task that runs twice, or two workers, send once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from tandem.access.permissions import can_see_objective, viewer_of
from tandem.accounts.languages import language_of
from tandem.accounts.models import Membership, Organization, User
from tandem.domain import schedule
from tandem.notifications import messages, selectors
from tandem.notifications.models import Notification
from tandem.periods_text import iso_week_label
from tandem.terms import terms_of


def _when(occurrence: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(occurrence)
    if timezone.is_naive(moment):
        raise ValueError(f"the occurrence {occurrence!r} has no time zone")
    return moment


def _week(organization: Organization, moment: dt.datetime) -> str:
    """The ledger's name of the organisation's week holding ``moment``: the ISO week of
    its first day, so that an organisation whose weeks start on Sunday has one name per
    week of its own, not two."""
    first = schedule.week_start(
        selectors.local_day(organization, moment), first_weekday=organization.week_start
    )
    return schedule.iso_week(first)


@task(queue_name="mail")
def send_checkin_reminder(
    organization_id: int, user_id: int, occurrence: str, attempt: int = 1
) -> bool:
    """Remind one person of the key results still waiting for this week's check-in.

    Read again when the task runs (and when it is retried): a check-in made since the
    tick, or an opt-out, means no e-mail.
    """
    organization = Organization.objects.get(pk=organization_id)
    user = User.objects.get(pk=user_id)
    # The e-mail speaks its reader's language (theirs, else the organisation's).
    with translation.override(language_of(user, organization)):
        moment = _when(occurrence)
        kind, period = Notification.Kind.CHECKIN_REMINDER, _week(organization, moment)

        def nothing(why: str) -> bool:
            messages.abandon(
                organization=organization,
                kind=kind,
                period=period,
                user=user,
                attempt=attempt,
                why=why,
            )
            return False

        if selectors.opted_out(
            organization=organization, user_ids={user.pk}, what="email_reminders"
        ):
            return nothing("the person opted out of reminders since.")
        owed = selectors.key_results_owed(
            organization=organization, moment=moment, user_ids={user.pk}
        ).get(user.pk, [])
        if not owed:
            return nothing("nothing waits for a check-in any more.")
        subject = messages.reminder_subject(owed, terms_of(organization))
        context = {
            "organization": organization,
            "items": messages.reminder_items(owed),
        }
        return messages.deliver(
            organization=organization,
            kind=kind,
            period=period,
            user=user,
            subject=subject,
            send=messages.email(to=user, subject=subject, template="reminder", context=context),
            retry=messages.Retry(
                send_checkin_reminder, (organization_id, user_id, occurrence), attempt
            ),
        )


@task(queue_name="mail")
def send_escalation(
    organization_id: int, lead_id: int, occurrence: str, weeks: int, attempt: int = 1
) -> bool:
    """Tell a team lead which of their people missed ``weeks`` or more check-ins in a row."""
    organization = Organization.objects.get(pk=organization_id)
    lead = User.objects.get(pk=lead_id)
    # The e-mail speaks its reader's language (theirs, else the organisation's).
    with translation.override(language_of(lead, organization)):
        moment = _when(occurrence)

        def nothing(why: str) -> bool:
            messages.abandon(
                organization=organization,
                kind=Notification.Kind.ESCALATION,
                period=_week(organization, moment),
                user=lead,
                attempt=attempt,
                why=why,
            )
            return False

        if selectors.opted_out(
            organization=organization, user_ids={lead.pk}, what="email_reminders"
        ):
            return nothing("the lead opted out of reminders since.")
        membership = Membership.objects.filter(organization=organization, user=lead).first()
        if membership is None:  # left the organisation since the tick
            return nothing("the lead left the organisation since.")
        mine = _people_led(organization, lead) - {lead.pk}
        owed = selectors.key_results_owed(organization=organization, moment=moment, user_ids=mine)
        # A person the lead leads may own a key result of another team's private objective:
        # the lead, who may not see it, is not told of it.
        viewer = viewer_of(membership)
        late = {
            user_id: [
                o
                for o in items
                if o.weeks_missed >= weeks and can_see_objective(viewer, o.key_result.objective)
            ]
            for user_id, items in owed.items()
        }
        late = {user_id: items for user_id, items in late.items() if items}
        if not late:
            return nothing("nobody is late any more.")
        names = {u.pk: u for u in User.objects.filter(pk__in=late)}
        subject = messages.escalation_subject(len(late))
        context = {
            "organization": organization,
            "weeks": weeks,
            "people": [
                {
                    "name": str(names[user_id]),
                    "email": names[user_id].email,
                    "items": [
                        {
                            "title": o.key_result.title,
                            "url": messages.checkin_link(o.key_result),
                            "weeks_missed": o.weeks_missed,
                        }
                        for o in items
                    ],
                }
                for user_id, items in sorted(late.items(), key=lambda kv: str(names[kv[0]]))
            ],
        }
        return messages.deliver(
            organization=organization,
            kind=Notification.Kind.ESCALATION,
            period=_week(organization, moment),
            user=lead,
            subject=subject,
            send=messages.email(to=lead, subject=subject, template="escalation", context=context),
            retry=messages.Retry(
                send_escalation, (organization_id, lead_id, occurrence, weeks), attempt
            ),
        )


def _people_led(organization: Organization, lead: User) -> set[int]:
    from tandem.accounts.models import TeamMembership

    teams = TeamMembership.objects.filter(
        organization=organization, user=lead, is_lead=True
    ).values("team_id")
    return set(
        TeamMembership.objects.filter(organization=organization, team_id__in=teams).values_list(
            "user_id", flat=True
        )
    )


@task(queue_name="mail")
def send_digests(organization_id: int, occurrence: str, attempt: int = 1) -> int:
    """The weekly digest of one organisation: an e-mail to each person with something
    red in their part of it, and the company's digest to its channel; answer how many
    went out.

    One task per organisation, not per person: what is red is read once, then cut down
    to each reader. A retry (``attempt`` > 1) sends only the e-mails the mail server
    refused: the others' ledger rows are already sent.
    """
    organization = Organization.objects.get(pk=organization_id)
    moment = _when(occurrence)
    week = _week(organization, moment)
    found = selectors.org_digest(organization=organization, moment=moment)
    readers = selectors.digest_readers(organization=organization)
    quiet = selectors.opted_out(
        organization=organization, user_ids={u.pk for u, _ in readers}, what="email_digest"
    )
    sent = 0
    retry = messages.Retry(send_digests, (organization_id, occurrence), attempt)
    for user, whole_company in readers:
        if user.pk in quiet:
            continue
        digest = found.company if whole_company else found.for_user(user.pk)
        if digest.empty:
            continue
        with translation.override(language_of(user, organization)):
            subject = messages.digest_subject(digest, terms_of(organization))
            context = {
                "organization": organization,
                "week": iso_week_label(week),
                "whole_company": whole_company,
                **messages.digest_context(digest),
            }
            send = messages.email(to=user, subject=subject, template="digest", context=context)
        sent += messages.deliver(
            organization=organization,
            kind=Notification.Kind.DIGEST,
            period=week,
            user=user,
            subject=subject,
            send=send,
            retry=retry,
        )
    settings = selectors.settings_of(organization=organization)
    if settings is not None and settings.channel_webhook_url and attempt == 1:
        # A channel is read by whoever is in it: no private objective goes there.
        with translation.override(language_of(None, organization)):
            payload = messages.channel_payload(
                organization=organization,
                digest=found.company.seen_by(None),
                week=iso_week_label(week),
            )
        sent += messages.deliver(
            organization=organization,
            kind=Notification.Kind.CHANNEL_DIGEST,
            period=week,
            user=None,
            subject=payload["text"],
            send=messages.channel_sender(url=settings.channel_webhook_url, payload=payload),
        )
    return sent


@task(queue_name="mail")
def send_test_reminder(
    organization_id: int, user_id: int, requested_at: str, attempt: int = 1
) -> bool:
    """What a check-in reminder looks like, to the admin who asked, with their own key
    results when they have some."""
    organization = Organization.objects.get(pk=organization_id)
    user = User.objects.get(pk=user_id)
    # The e-mail speaks its reader's language (theirs, else the organisation's).
    with translation.override(language_of(user, organization)):
        moment = _when(requested_at)
        owed = selectors.key_results_owed(
            organization=organization, moment=moment, user_ids={user.pk}
        ).get(user.pk, [])
        subject = _("Test: %(subject)s") % {
            "subject": messages.reminder_subject(owed, terms_of(organization))
            if owed
            else _("this is how Tandem's check-in reminders look")
        }
        context = {
            "organization": organization,
            "test": True,
            "items": messages.reminder_items(owed),
        }
        return messages.deliver(
            organization=organization,
            kind=Notification.Kind.TEST,
            period=requested_at,
            user=user,
            subject=subject,
            send=messages.email(to=user, subject=subject, template="reminder", context=context),
            retry=messages.Retry(
                send_test_reminder, (organization_id, user_id, requested_at), attempt
            ),
        )


# The ledger's rows are what make a reminder go out once a week: whatever the setting,
# the rows of the current and the previous week (an occurrence is due for 12 hours, a
# failed e-mail is retried for a few) stay.
LEDGER_FLOOR = dt.timedelta(days=14)


@task(queue_name="default")
def prune_ledger(now: str) -> int:
    """Forget ledger rows created more than ``TANDEM_KEEP_NOTIFICATIONS_DAYS`` (at least
    14) days before ``now``; answer how many went."""
    from tandem.jobs.pruning import delete_in_batches, keep_days

    keep = max(keep_days("TANDEM_KEEP_NOTIFICATIONS_DAYS"), LEDGER_FLOOR)
    cutoff = _when(now) - keep
    return delete_in_batches(Notification.objects.filter(created_at__lt=cutoff))
