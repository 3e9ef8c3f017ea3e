"""Northwind IT's strategic plan, for the demo organisation (see :mod:`tandem.demo`)."""

from __future__ import annotations

from collections.abc import Mapping

from tandem.accounts.models import Organization, User
from tandem.audit.models import Source
from tandem.kpis.models import KPI
from tandem.reports.models import StrategicPlan
from tandem.reports.services import strategic_plan_save

# The KPIs the whole company watches, by their demo keys.
KEY_KPIS = ("mrr", "churn-rate", "nps", "client-satisfaction", "response-time")


def demo_plan(*, organization: Organization, by: User, kpis: Mapping[str, KPI]) -> StrategicPlan:
    today = organization.today()
    return strategic_plan_save(
        organization=organization,
        by=by,
        source=Source.SYSTEM,
        purpose=(
            "Keep the Midwest\u2019s small businesses running on technology they can trust, "
            "so their people can get on with their work."
        ),
        values=[
            "Clients first: we answer the phone",
            "Own the outcome, not the ticket",
            "Say it straight \u2013 good news or bad",
            "Learn something every week",
        ],
        bhag="Be the IT partner of 10,000 Midwest businesses.",
        bhag_year=today.year + 15,
        long_term_date=today.replace(year=today.year + 3, month=12, day=31),
        long_term_targets=[
            "Annual recurring revenue of $12 million",
            "1,200 managed clients in six states",
            "120 people, every one of them trained on our security playbook",
            "Net profit margin of 15%",
        ],
        annual_targets=[
            "Grow recurring revenue by 25% (MRR $500,000 by December)",
            "Answer every client inquiry within 4 working hours",
            "Net Promoter Score of 50 or more",
            "Grow the team by 45%",
        ],
        profit_per_x="Profit per managed client per month",
        key_kpis=[kpis[key] for key in KEY_KPIS if key in kpis],
    )
