"""The outbound guard refuses private and local addresses unless an operator allows them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tandem.integrations.outbound import check_url, fetch
from tests.integrations.pulls.conftest import Server


def refusal(url: str, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_url(url, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.10:8080/x", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://100.64.0.1/", "not a public address"),
        ("http://localhost:8000/admin/", "loopback"),
    ],
)
def test_a_non_public_address_is_refused_with_its_reason(url, reason, settings):
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    error = refusal(url)
    assert error.code == "blocked"
    assert reason in error.messages[0]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://a/", "x"])
def test_a_scheme_other_than_http_or_https_is_refused(url):
    assert refusal(url).code in {"scheme", "host"}


def test_a_public_address_is_allowed():
    check_url("http://93.184.215.14/data.json")
    check_url("https://[2606:4700:4700::1111]/")


def test_a_host_on_the_setting_allow_list_is_allowed(settings):
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["localhost", "10.0.0.0/8"]
    check_url("http://localhost:9000/")
    check_url("http://10.20.30.40/")
    assert refusal("http://192.168.1.1/").code == "blocked"


def test_hosts_the_caller_adds_are_allowed_beside_the_setting(settings):
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    check_url("http://127.0.0.1:9/", allowed_hosts=["127.0.0.1"])
    assert refusal("http://127.0.0.1:9/").code == "blocked"


def test_an_unknown_host_is_refused():
    assert refusal("http://no-such-host.invalid/").code == "resolve"


def test_fetch_refuses_the_local_server_unless_it_is_allowed(server: Server, settings):
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    url = server.serve("/v.json", '{"v": 1}')
    with pytest.raises(ValidationError) as caught:
        fetch(url)
    assert caught.value.code == "blocked"
    assert server.requests == []
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    response = fetch(url, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200
    assert response.json() == {"v": 1}
    assert server.requests[0]["Authorization"] == "Bearer s3cret"
    assert server.requests[0]["Host"] == f"127.0.0.1:{server.port}"


def test_fetch_does_not_follow_a_redirect(allowed_server: Server):
    allowed_server.serve("/inner", '{"secret": 1}')
    url = allowed_server.serve("/hop", "http://169.254.169.254/latest/", status=302)
    response = fetch(url)
    assert response.status_code == 302
    assert [r["path"] for r in allowed_server.requests] == ["/hop"]


def test_fetch_stops_reading_a_body_over_the_cap(allowed_server: Server):
    url = allowed_server.serve("/huge", b"x" * 200_000, kind="text/plain")
    with pytest.raises(ValidationError) as caught:
        fetch(url, max_bytes=100_000)
    assert caught.value.code == "too_large"
    assert "100,000 bytes" in caught.value.messages[0]


def test_fetch_reports_a_closed_port_as_a_network_error(settings):
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with pytest.raises(ValidationError) as caught:
        fetch("http://127.0.0.1:9/", timeout=2)
    assert caught.value.code == "network"


def test_a_password_in_the_url_travels_as_basic_auth_and_not_in_the_logged_url(
    allowed_server: Server, caplog
):
    import logging

    url = allowed_server.serve("/v.json", "{}").replace("http://", "http://reader:s3cr3t@")
    with caplog.at_level(logging.DEBUG):
        fetch(url)
    assert allowed_server.requests[0]["Authorization"] == "Basic cmVhZGVyOnMzY3IzdA=="
    assert "s3cr3t" not in caplog.text
