"""The messages themselves: e-mails (plain text with an HTML alternative) and the
Slack-compatible JSON of a channel digest.

Every send goes through :func:`deliver`, which claims the ledger row first: the message
is sent only by whoever inserted that row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks.base import Task

from tandem.accounts.models import Organization, User
from tandem.domain.kpi_rules import WatermelonKind
from tandem.integrations import outbound
from tandem.jobs import mail
from tandem.labels import label
from tandem.notifications import services
from tandem.notifications.selectors import Digest, Owed
from tandem.okrs.models import KeyResult, Objective
from tandem.terms import DEFAULT as DEFAULT_TERMS
from tandem.terms import Terms, terms_of

logger = logging.getLogger("tandem.notifications")

CHANNEL_TIMEOUT = 10.0


def link(path: str) -> str:
    return f"{settings.TANDEM_BASE_URL}{path}"


def checkin_link(kr: KeyResult) -> str:
    """The key result's row on its objective's page, where the check-in form is."""
    return link(reverse("objective", args=[kr.objective_id])) + f"#kr-{kr.pk}"


def objective_link(objective: Objective) -> str:
    return link(reverse("objective", args=[objective.pk]))


@dataclass
class Retry:
    """How to run the task that is sending again, as attempt ``attempt + 1``: it is
    enqueued once however many of its messages the mail server refused."""

    task: Task[Any, Any]
    args: tuple[Any, ...]
    attempt: int = 1
    scheduled_at: dt.datetime | None = None

    def schedule(self, at: dt.datetime) -> None:
        if self.scheduled_at is None:
            self.task.using(run_after=at).enqueue(*self.args, attempt=self.attempt + 1)
            self.scheduled_at = at


def deliver(
    *,
    organization: Organization,
    kind: str,
    period: str,
    user: User | None,
    subject: str,
    send: Callable[[], None],
    retry: Retry | None = None,
) -> bool:
    """Claim the ledger row, then send; answer whether this call sent the message.

    With ``retry``, an e-mail the mail server refused for now is tried again later
    (:mod:`tandem.jobs.mail`); without it, or after the last attempt, a failure is final.
    """
    attempt = retry.attempt if retry is not None else 1
    claimed = services.notification_claim(
        organization=organization,
        kind=kind,
        period=period,
        user=user,
        subject=subject,
        attempt=attempt,
    )
    if claimed is None:
        return False
    try:
        send()
    except Exception as error:
        text = mail.describe(error)
        retry_at = (
            mail.next_attempt_at(error, attempt=attempt, now=timezone.now())
            if retry is not None
            else None
        )
        if retry_at is None and attempt > 1:
            text = f"Gave up after {attempt} attempts: {text}"
        logger.warning("Sending %s to %s failed: %s", kind, claimed.recipient, text)
        with transaction.atomic():
            services.notification_finish(notification=claimed, error=text, retry_at=retry_at)
            if retry is not None and retry_at is not None:
                retry.schedule(retry_at)
        return False
    services.notification_finish(notification=claimed)
    return True


def abandon(
    *, organization: Organization, kind: str, period: str, user: User, attempt: int, why: str
) -> None:
    """Close a message waiting for its retry that has nothing left to say (the key results
    were checked in meanwhile, the person opted out): it is not sent."""
    if attempt > 1:
        claimed = services.notification_claim(
            organization=organization, kind=kind, period=period, user=user, attempt=attempt
        )
        if claimed is not None:
            services.notification_finish(notification=claimed, error=f"Not sent: {why}")


def email(*, to: User, subject: str, template: str, context: dict[str, Any]) -> Callable[[], None]:
    """A sender of ``template``'s ``.txt`` and ``.html`` to ``to``."""
    full = {
        "base_url": settings.TANDEM_BASE_URL,
        "settings_url": link(reverse("notification_preferences")),
        "recipient": to,
        # The organisation's words for the sentences that name a concept.
        "terms": terms_of(context.get("organization")),
        **context,
    }
    text = render_to_string(f"notifications/email/{template}.txt", full)
    html = render_to_string(f"notifications/email/{template}.html", full)

    def send() -> None:
        message = EmailMultiAlternatives(subject=subject, body=text, to=[to.email])
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=False)

    return send


# -- subjects ---------------------------------------------------------------------------------


def reminder_subject(owed: list[Owed], words: Terms = DEFAULT_TERMS) -> str:
    count = len(owed)
    # "what" is the concept's singular or plural, as the count asks.
    return ngettext(
        "%(count)s %(what)s waits for this week's %(check_in)s",
        "%(count)s %(what)s wait for this week's %(check_in)s",
        count,
    ) % {
        "count": count,
        "what": words["key_result"] if count == 1 else words["key_results"],
        "check_in": words["check_in"],
    }


def escalation_subject(people: int) -> str:
    return ngettext(
        "%(count)s person in your team missed check-ins: a nudge would help",
        "%(count)s people in your teams missed check-ins: a nudge would help",
        people,
    ) % {"count": people}


def digest_subject(digest: Digest, words: Terms = DEFAULT_TERMS) -> str:
    return _("This week: %(news)s") % {"news": digest_news(digest, words)}


def digest_news(digest: Digest, words: Terms = DEFAULT_TERMS) -> str:
    """What is red in ``digest``, counted: "2 red KPIs, 1 key result behind"."""
    parts = []
    if digest.red_kpis:
        count = len(digest.red_kpis)
        parts.append(
            ngettext("%(count)s red %(what)s", "%(count)s red %(what)s", count)
            % {"count": count, "what": words["kpi"] if count == 1 else words["kpis"]}
        )
    if digest.key_results:
        count = len(digest.key_results)
        parts.append(
            ngettext("%(count)s %(what)s behind", "%(count)s %(what)s behind", count)
            % {
                "count": count,
                "what": words["key_result"] if count == 1 else words["key_results"],
            }
        )
    if digest.watermelons:
        count = len(digest.watermelons)
        parts.append(
            ngettext("%(count)s watermelon", "%(count)s watermelons", count) % {"count": count}
        )
    return ", ".join(parts)


def watermelon_text(kind: WatermelonKind) -> str:
    return label(kind)


def reminder_items(owed: list[Owed]) -> list[dict[str, Any]]:
    """What a check-in reminder lists: each key result waiting, its objective, where to
    check in, and how many weeks it has gone without."""
    return [
        {
            "title": o.key_result.title,
            "objective": o.key_result.objective.title,
            "url": checkin_link(o.key_result),
            "weeks_missed": o.weeks_missed,
        }
        for o in owed
    ]


def digest_context(digest: Digest) -> dict[str, Any]:
    return {
        "red_kpis": [
            {"name": k.name, "owner": k.owner_name, "url": link(reverse("kpi", args=[k.pk]))}
            for k in digest.red_kpis
        ],
        "key_results": [
            {
                "title": kr.title,
                "objective": kr.objective.title,
                "owner": str(kr.owner or ""),
                "status": label(status).lower(),
                "url": checkin_link(kr),
            }
            for kr, status in digest.key_results
        ],
        "watermelons": [
            {
                "title": o.title,
                "owner": o.owner_name,
                "why": watermelon_text(w),
                "url": objective_link(o),
            }
            for o, w in digest.watermelons
        ],
    }


# -- the channel digest ------------------------------------------------------------------------


def channel_payload(*, organization: Organization, digest: Digest, week: str) -> dict[str, Any]:
    """Slack's incoming-webhook JSON: ``text`` for notifications and clients without
    blocks, ``blocks`` (mrkdwn sections) for the message itself."""
    context = digest_context(digest)
    news = digest_news(digest, terms_of(organization)) if not digest.empty else _("all clear")
    title = _("%(name)s, week %(week)s: %(news)s") % {
        "name": organization.name,
        "week": week,
        "news": news,
    }
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
    ]

    def section(heading: str, lines: list[str]) -> None:
        if lines:
            body = f"*{heading}*\n" + "\n".join(f"• {line}" for line in lines)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})

    def esc(text: str) -> str:
        # Slack's mrkdwn reads <, > and & as markup.
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    words = terms_of(organization)
    section(
        _("Red %(kpis)s") % {"kpis": words["kpis"]},
        [f"<{k['url']}|{esc(k['name'])}> ({esc(k['owner'])})" for k in context["red_kpis"]],
    )
    section(
        capfirst(_("%(key_results)s behind") % {"key_results": words["key_results"]}),
        [
            f"<{k['url']}|{esc(k['title'])}>: {k['status']} ({esc(k['owner'])})"
            for k in context["key_results"]
        ],
    )
    section(
        _("Watermelons"),
        [f"<{w['url']}|{esc(w['title'])}>: {w['why']}" for w in context["watermelons"]],
    )
    return {"text": title, "blocks": blocks}


def channel_sender(*, url: str, payload: dict[str, Any]) -> Callable[[], None]:
    def send() -> None:
        try:
            response = outbound.fetch(
                url,
                method="POST",
                headers={"Content-Type": "application/json"},
                content=json.dumps(payload).encode(),
                timeout=CHANNEL_TIMEOUT,
                max_bytes=64 * 1024,
            )
        except ValidationError as error:
            raise RuntimeError(" ".join(error.messages)) from None
        if response.status_code >= 300:
            raise RuntimeError(
                f"the webhook answered {response.status_code}: {response.text[:200]}"
            )

    return send
