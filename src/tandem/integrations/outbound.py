"""Every request Tandem sends to an address an organisation typed in: KPI pulls, webhooks.

An admin who may configure a URL must not be able to make Tandem's server read its own
network: the cloud's metadata service at 169.254.169.254, a database on 10.0.0.5, the
admin pages on 127.0.0.1. So a URL is allowed only if

* its scheme is http or https, and
* every address its host resolves to is a public one: not loopback, private,
  link-local, multicast, reserved, unspecified or otherwise not globally routable
  (IPv4 and IPv6, an IPv4-mapped IPv6 address judged by its IPv4 address),

unless the host is on the allow-list: the ``TANDEM_OUTBOUND_ALLOWED_HOSTS`` setting
(host names, IP addresses or networks such as ``10.1.0.0/16``), plus whatever the caller
adds (an organisation's own list).

:func:`fetch` connects to the very address it checked, so a name that resolves to a
public address for the check and to 127.0.0.1 a moment later (DNS rebinding) gets
nowhere; for https the certificate is still verified against the host name. Redirects
are not followed (a 3xx answer comes back as it is), the body is capped, and every step
has a timeout.

The API is two functions; both raise ``ValidationError`` with a sentence naming the
reason and a ``code``: ``scheme``, ``host``, ``resolve``, ``blocked`` (from both),
``timeout``, ``network``, ``too_large`` (from :func:`fetch` only).
"""

from __future__ import annotations

import base64
import ipaddress
import socket
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tandem.formatting import for_reader

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_SCHEMES = {"http", "https"}
_DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def setting_allowed_hosts() -> list[str]:
    """The operator's allow-list, from ``TANDEM_OUTBOUND_ALLOWED_HOSTS``."""
    return list(getattr(settings, "TANDEM_OUTBOUND_ALLOWED_HOSTS", []))


def _why_blocked(address: IPAddress) -> str | None:
    """Why Tandem refuses to connect to ``address``, or ``None`` for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for reason, flag in (
        (_("an unspecified address"), address.is_unspecified),
        (_("a loopback address"), address.is_loopback),
        (_("a link-local address"), address.is_link_local),
        (_("a multicast address"), address.is_multicast),
        (_("a reserved address"), address.is_reserved),
        (_("a private address"), address.is_private),
    ):
        if flag:
            return reason
    if not address.is_global:  # shared (100.64/10), documentation, 6to4 of private...
        return _("not a public address")
    return None


@dataclass(frozen=True)
class _Allowed:
    names: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def of(cls, entries: Collection[str]) -> _Allowed:
        names: set[str] = set()
        networks = []
        for entry in entries:
            text = entry.strip().lower().strip("[]")
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                names.add(text.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def has_name(self, host: str) -> bool:
        return host in self.names

    def has_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ValidationError(
            _("“%(url)s” is not a web address.") % {"url": url}, code="scheme"
        ) from None
    if parsed.scheme not in _SCHEMES:
        raise ValidationError(
            _("“%(url)s” is not an http or https address; Tandem only calls http and https.")
            % {"url": url},
            code="scheme",
        )
    if not parsed.host:
        raise ValidationError(_("“%(url)s” names no host.") % {"url": url}, code="host")
    return parsed


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise ValidationError(
            _("The host “%(host)s” could not be found (%(error)s).") % {"host": host, "error": e},
            code="resolve",
        ) from None
    addresses: list[IPAddress] = []
    for info in infos:
        # A scoped IPv6 address comes back as "fe80::1%eth0".
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ValidationError(
            _("The host “%(host)s” has no address.") % {"host": host}, code="resolve"
        )
    return addresses


def _checked_addresses(url: str, allowed_hosts: Collection[str]) -> tuple[httpx.URL, IPAddress]:
    parsed = _parse(url)
    host = parsed.host.lower().rstrip(".")
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    allowed = _Allowed.of([*setting_allowed_hosts(), *allowed_hosts])
    addresses = _resolve(host, port)
    if allowed.has_name(host):
        return parsed, addresses[0]
    # Every address must pass, not just the first: a name with one public and one
    # private address would otherwise reach the private one on a retry.
    for address in addresses:
        if allowed.has_address(address):
            continue
        reason = _why_blocked(address)
        if reason is not None:
            shown = host if str(address) == host else f"{host} ({address})"
            raise ValidationError(
                _(
                    "Tandem does not call %(host)s: it is %(reason)s. An operator can allow it "
                    "in TANDEM_OUTBOUND_ALLOWED_HOSTS."
                )
                % {"host": shown, "reason": reason},
                code="blocked",
            )
    return parsed, addresses[0]


def check_url(url: str, *, allowed_hosts: Collection[str] = ()) -> None:
    """Raise ``ValidationError`` unless Tandem may call ``url`` (see the module's rules).

    ``allowed_hosts`` adds to the ``TANDEM_OUTBOUND_ALLOWED_HOSTS`` setting. The host is
    resolved now, so an unknown name is refused too.
    """
    _checked_addresses(url, allowed_hosts)


def fetch(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    allowed_hosts: Collection[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    method: str = "GET",
    content: bytes | None = None,
) -> httpx.Response:
    """Send one request to ``url`` after :func:`check_url`'s checks; return the answer,
    its body read (at most ``max_bytes``), whatever its status.

    Redirects are not followed. ``timeout`` bounds each of connecting, each read and
    the whole body. Raises ``ValidationError`` (see the module) instead of httpx's errors.
    """
    parsed, address = _checked_addresses(url, allowed_hosts)
    host = parsed.host
    default_port = _DEFAULT_PORTS[parsed.scheme]
    shown_host = f"[{host}]" if ":" in host else host  # an IPv6 literal
    host_header = (
        shown_host if parsed.port in (None, default_port) else f"{shown_host}:{parsed.port}"
    )
    # Connect to the address that was checked, not to a second lookup of the name. A user
    # and password in the URL travel as a header instead, so that no log line that
    # prints the URL (httpx logs each request) carries the password.
    pinned = parsed.copy_with(host=str(address), username=None, password=None)
    send_headers = {**(headers or {}), "Host": host_header}
    if parsed.userinfo:
        pair = f"{parsed.username}:{parsed.password}".encode()
        send_headers.setdefault("Authorization", f"Basic {base64.b64encode(pair).decode()}")
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
        ) as client:
            request = client.build_request(
                method, pinned, headers=send_headers, content=content, extensions=extensions
            )
            response = client.send(request, stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise ValidationError(
                            _(
                                "%(host)s answered with more than %(count)s bytes; "
                                "Tandem stops reading there."
                            )
                            % {"host": host, "count": for_reader(f"{max_bytes:,}")},
                            code="too_large",
                        )
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the body took too long", request=request)
            finally:
                response.close()
    except httpx.TimeoutException:
        raise ValidationError(
            _("%(host)s did not answer within %(seconds)s seconds.")
            % {"host": host, "seconds": for_reader(f"{timeout:g}")},
            code="timeout",
        ) from None
    except httpx.HTTPError as e:
        raise ValidationError(
            _("Tandem could not reach %(host)s: %(error)s.")
            % {"host": host, "error": e or type(e).__name__},
            code="network",
        ) from None
    # The body is decoded already: drop the headers that describe its encoded form.
    kept = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
    ]
    return httpx.Response(
        response.status_code,
        headers=kept,
        content=bytes(body),
        request=httpx.Request(method, parsed.copy_with(username=None, password=None)),
    )
