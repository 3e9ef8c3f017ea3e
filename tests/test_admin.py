"""Staff use Django's admin; every Tandem model has a working page there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tandem.okrs import services as okrs


@pytest.fixture
def staff_client(client, cast):
    cast.owner.is_staff = True
    cast.owner.is_superuser = True
    cast.owner.save()
    client.force_login(cast.owner)
    return client


def test_every_registered_model_has_a_working_list_and_detail_page(staff_client, cast):
    okrs.key_result_check_in(key_result=cast.kr, value="10", confidence=6, by=cast.member)
    checked = 0
    for model in list(admin.site._registry):
        meta = model._meta
        if meta.app_label not in {"accounts", "okrs", "audit", "kpis"}:
            continue
        response = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert response.status_code == 200, meta.label
        first = model._default_manager.first()
        if first is not None:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert staff_client.get(url).status_code == 200, meta.label
        checked += 1
    assert checked >= 16


def test_check_ins_and_audit_events_cannot_be_edited_in_the_admin(staff_client, cast):
    checkin = okrs.key_result_check_in(key_result=cast.kr, value="10", confidence=6, by=cast.member)
    url = reverse("admin:okrs_checkin_change", args=[checkin.pk])
    response = staff_client.post(url, {"value": "99", "confidence": 1})
    assert response.status_code == 403
    checkin.refresh_from_db()
    assert checkin.value == 10


def test_admin_refuses_people_who_are_not_staff(client, cast):
    client.force_login(cast.member)
    response = client.get(reverse("admin:okrs_objective_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
