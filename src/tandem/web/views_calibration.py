"""The calibration page: were objectives set at the right height, cycle after cycle?

Every member role may read it: it shows counts and shares, never an objective. The
figures count only the objectives the reader may see: a private objective weighs in
the shares of its owner, its team's leads, its key results' owners and admins alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from tandem.access.permissions import viewer_of
from tandem.accounts.models import Membership, Organization
from tandem.domain import calibration as maths
from tandem.insights.calibration import GroupCalibration, calibration_report
from tandem.pages import org_view
from tandem.web.charts import sparkline


@dataclass(frozen=True, slots=True)
class Trend:
    """A group's two trend lines: the aspirational average and the committed share at 1.0,
    each point coloured by that cycle's verdict."""

    group: GroupCalibration
    aspirational: SafeString
    committed: SafeString


def _trend(group: GroupCalibration) -> Trend:
    aspirational = [row.calibration.aspirational for row in group.rows]
    committed = [row.calibration.committed for row in group.rows]
    return Trend(
        group=group,
        aspirational=sparkline(
            values=[k.mean for k in aspirational], healths=[k.verdict.tone for k in aspirational]
        ),
        committed=sparkline(
            values=[k.share_at_full for k in committed],
            healths=[k.verdict.tone for k in committed],
        ),
    )


@require_GET
@org_view
def calibration(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    report = calibration_report(organization=org, viewer=viewer_of(membership))
    return render(
        request,
        "web/calibration.html",
        {
            "report": report,
            "groups": [_trend(report.company), *(_trend(t) for t in report.teams)],
            "thresholds": {
                "healthy_from": maths.HEALTHY_FROM,
                "healthy_to": maths.HEALTHY_TO,
                "pattern": maths.PATTERN_SHARE,
                "too_easy_mean": maths.TOO_EASY_MEAN,
                "too_hard_mean": maths.TOO_HARD_MEAN,
            },
        },
    )
