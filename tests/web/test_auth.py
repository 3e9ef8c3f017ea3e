from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD, Cast


def test_login_page_asks_for_email_and_password(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_logging_in_with_email_and_password_opens_the_home_page(cast: Cast):
    client = Client()
    response = client.post("/login/", {"username": cast.member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message(cast: Cast):
    response = Client().post("/login/", {"username": cast.member.email, "password": "nope"})
    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logging_out_is_a_post_that_ends_the_session(cast: Cast, client_for):
    client = client_for(cast.member)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_the_layout_shows_the_organisation_the_person_and_the_navigation(cast: Cast, client_for):
    page = client_for(cast.member).get("/").content.decode()
    assert "Acme IT" in page
    assert "Member Person" in page
    assert 'href="/teams/sales/"' in page
    assert "Alignment tree" in page
    assert "Cycles" in page
    assert 'action="/logout/"' in page


def test_someone_without_an_organisation_gets_a_404(db):
    from tests.conftest import make_user

    client = Client()
    client.force_login(make_user("lonely@example.test", "Lonely Person"))
    assert client.get("/").status_code == 404
