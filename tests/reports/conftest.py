"""A closed cycle with scores in every band, KPIs with a few weeks of values, and
helpers to read PDFs, CSVs and workbooks back, on top of the shared ``cast``.

``closed_review``: ``cast.cycle`` closed with Sales's objective at 1.0 (green), the
company's committed objective at 0.2 (red) and a private objective of the company
(0.5) that only owners, admins and the company's members may see.
``scorecard_kpis``: a Sales KPI green last week and red the week before, and a
company KPI owned by nobody's team with one yellow value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from tandem.accounts.models import User
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Objective
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks

# Quotes, dashes, accents and the euro sign: the PDF must print them as typed.
COMMITTED_TITLE = "Close the books in five days \u2013 \u201cno excuses\u201d"
PRIVATE_TITLE = "Acquire Zo\u00eb\u2019s shop in Krak\u00f3w for \u20ac1M"


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def pdf_text(content: bytes) -> str:
    """The text of every page, with runs of white space made single spaces."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def _objective(cast: Cast, title: str, *, team, kind: str, value: int, private: bool = False):
    objective = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=team,
        by=cast.owner,
        title=title,
        kind=kind,
        is_private=private,
    )
    kr = okrs.key_result_create(
        objective=objective,
        title=f"Key result of {title}",
        baseline=Decimal(0),
        target=Decimal(100),
        owner=cast.owner,
        by=cast.owner,
    )
    okrs.key_result_check_in(key_result=kr, by=cast.owner, confidence=7, value=Decimal(value))
    return objective


@dataclass
class Review:
    sales: Objective
    committed: Objective
    private: Objective


@pytest.fixture
def closed_review(cast: Cast) -> Review:
    okrs.key_result_check_in(key_result=cast.kr, by=cast.owner, confidence=9, value=Decimal(100))
    committed = _objective(
        cast, COMMITTED_TITLE, team=cast.company, kind=Objective.Kind.COMMITTED, value=20
    )
    private = _objective(
        cast,
        PRIVATE_TITLE,
        team=cast.company,
        kind=Objective.Kind.ASPIRATIONAL,
        value=50,
        private=True,
    )
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    return Review(sales=cast.objective, committed=committed, private=private)


@dataclass
class Board:
    sales: KPI
    company: KPI


@pytest.fixture
def scorecard_kpis(cast: Cast) -> Board:
    sales = kpis.kpi_create(
        organization=cast.org,
        name="Signed contracts",
        key="signed-contracts",
        owner_team=cast.team,
        target="90",
        yellow="80",
        by=cast.owner,
    )
    company = kpis.kpi_create(
        organization=cast.org,
        name="Cash in the bank (\u20ack)",
        key="cash",
        target="500",
        yellow="400",
        by=cast.owner,
    )
    starts = weeks(cast, 4)
    kpis.measurement_record(kpi=sales, period_start=starts[-3], value="50", by=cast.owner)
    kpis.measurement_record(kpi=sales, period_start=starts[-2], value="95", by=cast.owner)
    kpis.measurement_record(kpi=company, period_start=starts[-2], value="450", by=cast.owner)
    return Board(sales=sales, company=company)
