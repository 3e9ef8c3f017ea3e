"""The one-page strategic plan: every member reads it (page and PDF), owners and admins
write it, bad input gets field errors and writes nothing, every save is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tandem.audit.models import AuditEvent
from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tandem.reports import services
from tandem.reports.models import PlanKPI, StrategicPlan
from tests.conftest import Cast
from tests.reports.conftest import Board, pdf_text

pytestmark = pytest.mark.django_db

THIS_YEAR = dt.datetime.now(dt.UTC).year
PURPOSE = "Keep our clients\u2019 computers running so they can get on with their work"


def _form(**changes):
    data = {
        "purpose": PURPOSE,
        "values": "Clients first\nOwn the outcome\n\nSay it straight",
        "bhag": "The IT partner of 10,000 businesses",
        "bhag_year": str(THIS_YEAR + 15),
        "long_term_date": f"{THIS_YEAR + 3}-12-31",
        "long_term_targets": "Revenue of \u20ac12 million\n1,200 clients",
        "annual_targets": "Grow recurring revenue by 25%",
        "profit_per_x": "Profit per managed client",
    }
    data.update(changes)
    return data


@pytest.fixture
def plan(cast: Cast, scorecard_kpis: Board) -> StrategicPlan:
    return services.strategic_plan_save(
        organization=cast.org,
        by=cast.owner,
        purpose=PURPOSE,
        values=["Clients first", "Own the outcome"],
        bhag="The IT partner of 10,000 businesses",
        bhag_year=THIS_YEAR + 15,
        long_term_targets=["Revenue of \u20ac12 million"],
        annual_targets=["Grow recurring revenue by 25%"],
        profit_per_x="Profit per managed client",
        key_kpis=[scorecard_kpis.sales, scorecard_kpis.company],
    )


def test_plan_page_shows_every_part_of_the_plan_and_the_key_kpis(
    cast: Cast, plan: StrategicPlan, client_for
):
    response = client_for(cast.viewer).get("/plan/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Keep our clients\u2019 computers running",
        "Own the outcome",
        "The IT partner of 10,000 businesses",
        "Revenue of \u20ac12 million",
        "Grow recurring revenue by 25%",
        "Profit per managed client",
        "Signed contracts",
        'href="/plan.pdf"',
    ):
        assert text in page
    assert 'href="/plan/edit/"' not in page  # a viewer reads, and is offered no edit


def test_plan_shows_the_company_objectives_of_this_year_and_this_quarter(
    cast: Cast, plan: StrategicPlan, client_for
):
    today = cast.org.today()
    year = okrs.cycle_create(
        organization=cast.org,
        name="This year",
        kind=Cycle.Kind.YEAR,
        start_date=dt.date(today.year, 1, 1),
        end_date=dt.date(today.year, 12, 31),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    Cycle.objects.filter(pk=cast.cycle.pk).update(parent=year)
    okrs.objective_create(
        organization=cast.org,
        cycle=year,
        owner_team=cast.company,
        by=cast.owner,
        title="Double the business in the region",
    )
    okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.company,
        by=cast.owner,
        title="Launch the managed backup bundle",
    )
    client = client_for(cast.member)
    page = client.get("/plan/").content.decode()
    year_part = page.split('data-priorities="year"')[1].split("</table>")[0]
    quarter_part = page.split('data-priorities="quarter"')[1].split("</table>")[0]
    assert "Double the business in the region" in year_part
    assert "Launch the managed backup bundle" in quarter_part
    # Only the company's own objectives: the Sales team's one is not a company priority.
    assert "Become the go-to IT service provider" not in quarter_part
    assert "Not started" in quarter_part
    text = pdf_text(client.get("/plan.pdf").content)
    assert "This year's priorities: This year" in text
    assert "Double the business in the region" in text
    assert "This quarter's priorities: This quarter" in text
    assert "Launch the managed backup bundle" in text


def test_plan_pdf_holds_the_plan_and_the_key_kpis_with_values_and_health(
    cast: Cast, plan: StrategicPlan, client_for
):
    response = client_for(cast.viewer).get("/plan.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Acme IT: strategic plan" in text
    assert PURPOSE in text
    assert "\u2022 Clients first" in text
    assert f"BHAG (by {THIS_YEAR + 15})" in text
    assert "Revenue of \u20ac12 million" in text
    assert "Profit per managed client" in text
    assert "Signed contracts Sales 95 \u2265 90 Green" in text
    assert "Cash in the bank (\u20ack) \u2013 450 \u2265 500 Yellow" in text
    assert "Page 1 of 1" in text


def test_plan_page_and_pdf_without_a_plan_say_who_writes_it(cast: Cast, client_for):
    assert "Owners and admins write it" in client_for(cast.member).get("/plan/").content.decode()
    text = pdf_text(client_for(cast.member).get("/plan.pdf").content)
    assert "No strategic plan yet" in text


def test_owner_writes_the_plan_through_the_form_and_it_is_audited(
    cast: Cast, scorecard_kpis: Board, client_for
):
    client = client_for(cast.owner)
    assert client.get("/plan/edit/").status_code == 200
    response = client.post("/plan/edit/", _form(key_kpis=[str(scorecard_kpis.company.pk)]))
    assert response.status_code == 302
    assert response["Location"] == "/plan/"
    plan = StrategicPlan.objects.get(organization=cast.org)
    assert plan.values == ["Clients first", "Own the outcome", "Say it straight"]
    assert plan.long_term_targets == ["Revenue of \u20ac12 million", "1,200 clients"]
    assert plan.long_term_date == dt.date(THIS_YEAR + 3, 12, 31)
    assert list(PlanKPI.objects.filter(plan=plan).values_list("kpi_id", flat=True)) == [
        scorecard_kpis.company.pk
    ]
    event = AuditEvent.objects.get(organization=cast.org, action="strategic_plan.create")
    assert event.actor == cast.owner
    assert event.after is not None
    assert event.after["purpose"] == PURPOSE
    assert event.after["key_kpis"] == [scorecard_kpis.company.pk]


def test_admin_edits_the_plan_and_the_audit_keeps_what_changed(
    cast: Cast, plan: StrategicPlan, client_for
):
    client = client_for(cast.admin)
    form = _form(purpose="A better purpose", version=str(plan.version))
    assert client.post("/plan/edit/", form).status_code == 302
    plan.refresh_from_db()
    assert plan.purpose == "A better purpose"
    assert plan.version == 2
    event = AuditEvent.objects.get(organization=cast.org, action="strategic_plan.update")
    assert event.before is not None
    assert event.after is not None
    assert event.before["purpose"] == PURPOSE
    assert event.after["purpose"] == "A better purpose"
    assert event.before["key_kpis"] != event.after["key_kpis"]


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_only_owners_and_admins_may_edit_the_plan(
    cast: Cast, plan: StrategicPlan, client_for, role: str
):
    client = client_for(getattr(cast, role))
    assert client.get("/plan/edit/").status_code == 403
    assert client.post("/plan/edit/", _form(purpose="Hijacked")).status_code == 403
    plan.refresh_from_db()
    assert plan.purpose == PURPOSE


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"purpose": "   "}, "purpose", "This field is required."),
        ({"purpose": "x" * 501}, "purpose", "Keep the purpose to 500 characters"),
        ({"values": "\n".join(f"Value {n}" for n in range(9))}, "values", "At most 8 values"),
        ({"values": "Clients first\nclients FIRST"}, "values", "is listed twice"),
        ({"values": "v" * 121}, "values", "fits in 120 characters"),
        ({"bhag_year": "1999"}, "bhag_year", "A BHAG is 10 to 25 years out"),
        ({"long_term_date": "2001-01-01"}, "long_term_date", "has passed"),
        ({"annual_targets": "\n".join(f"T{n}" for n in range(9))}, "annual_targets", "At most 8"),
        ({"profit_per_x": "p" * 201}, "profit_per_x", "200 characters"),
    ],
)
def test_bad_plan_input_gets_a_field_error_and_writes_nothing(
    cast: Cast, client_for, changes, field, message
):
    response = client_for(cast.owner).post("/plan/edit/", _form(**changes))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not StrategicPlan.objects.filter(organization=cast.org).exists()
    assert not AuditEvent.objects.filter(action__startswith="strategic_plan").exists()


def test_a_plan_saved_by_someone_else_meanwhile_is_not_overwritten(
    cast: Cast, plan: StrategicPlan, client_for
):
    services.strategic_plan_save(organization=cast.org, by=cast.admin, purpose="Admin's purpose")
    response = client_for(cast.owner).post("/plan/edit/", _form(version="1"))
    assert response.status_code == 422
    assert "Someone saved the plan" in response.content.decode()
    plan.refresh_from_db()
    assert plan.purpose == "Admin's purpose"


def test_more_than_twelve_key_kpis_or_another_organisations_kpi_is_refused(cast: Cast):
    many = [
        kpis.kpi_create(organization=cast.org, name=f"KPI {n}", by=cast.owner) for n in range(13)
    ]
    with pytest.raises(ValidationError) as error:
        services.strategic_plan_save(
            organization=cast.org, by=cast.owner, purpose=PURPOSE, key_kpis=many
        )
    assert "at most 12" in error.value.message_dict["key_kpis"][0]
    foreign = kpis.kpi_create(organization=cast.other_org, name="Theirs", by=cast.outsider)
    with pytest.raises(ValidationError) as error:
        services.strategic_plan_save(
            organization=cast.org, by=cast.owner, purpose=PURPOSE, key_kpis=[foreign]
        )
    assert "this organisation" in error.value.message_dict["key_kpis"][0]
    assert not StrategicPlan.objects.exists()


def test_another_organisations_plan_is_never_shown(cast: Cast, plan: StrategicPlan, client_for):
    client = client_for(cast.outsider)
    assert PURPOSE not in client.get("/plan/").content.decode()
    assert PURPOSE not in pdf_text(client.get("/plan.pdf").content)
