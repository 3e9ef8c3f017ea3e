from __future__ import annotations

from tandem.accounts import services as accounts
from tandem.accounts.middleware import SESSION_KEY
from tandem.accounts.models import Role
from tests.conftest import Cast


def test_a_person_in_two_organisations_sees_the_switcher_and_switches(cast: Cast, client_for):
    accounts.membership_add(
        organization=cast.other_org, user=cast.member, role=Role.VIEWER, by=cast.outsider
    )
    client = client_for(cast.member)
    page = client.get("/").content.decode()
    assert 'name="organization"' in page
    assert "Globex" in page

    response = client.post("/organisation/switch/", {"organization": cast.other_org.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == cast.other_org.pk
    assert "<title>Home · Globex</title>" in client.get("/").content.decode()


def test_switching_to_an_organisation_one_does_not_belong_to_is_404(cast: Cast, client_for):
    client = client_for(cast.member)
    response = client.post("/organisation/switch/", {"organization": cast.other_org.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_a_person_in_one_organisation_sees_no_switcher(cast: Cast, client_for):
    assert 'name="organization"' not in client_for(cast.member).get("/").content.decode()
