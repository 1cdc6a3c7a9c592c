"""Outbound HTTP to URLs that users give (webhooks): the SSRF rules, checked on the addresses a host name resolves
to, and a POST that connects to exactly the address that was checked (no second lookup a DNS rebinding could turn
around), with a timeout and without following redirects."""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

# http:// is allowed to these hosts only (a receiver on the same machine); everything else needs https.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TIMEOUT_SECONDS = 5.0


class UnsafeURL(ValueError):
    """A URL this server will not send to; the message is for the user (it names the rule, never a stack)."""


class DeliveryFailed(Exception):
    """The receiver could not be reached, or answered other than 2xx (the message says which)."""


def _refusal(address: str, *, allow_private: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # Link-local holds the cloud metadata service (169.254.169.254): refused even where private addresses are allowed.
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return f"{ip} is a link-local or reserved address"
    if not ip.is_global and not allow_private:
        return f"{ip} is a private or loopback address (the server setting WEBHOOK_ALLOW_PRIVATE allows them)"
    return None


def parse_url(url: str):
    """The split URL when it is an https URL (or http to localhost) with a host; raises UnsafeURL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("Enter a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Enter an https:// URL.")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise UnsafeURL("Use https:// (plain http:// is allowed to localhost only).")
    return parts, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str, *, allow_private: bool) -> str:
    """The address to connect to for `url`, after checking every address its host resolves to (one refused address
    refuses the URL). Raises UnsafeURL."""
    parts, port = parse_url(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(f"The host {parts.hostname} could not be resolved.") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        refusal = _refusal(address, allow_private=allow_private)
        if refusal:
            raise UnsafeURL(f"The URL points at {refusal}.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool, timeout: float = TIMEOUT_SECONDS):
    """POST `body` to `url` (checked by `resolve`) and return the status of a 2xx answer. Raises UnsafeURL, or
    DeliveryFailed for a connection error, a timeout, a redirect (never followed) or any other status."""
    parts, port = parse_url(url)
    address = resolve(url, allow_private=allow_private)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"Could not deliver: {exc.__class__.__name__}: {exc}") from None
    finally:
        connection.close()
    if 300 <= response.status < 400:
        raise DeliveryFailed(f"The receiver answered a redirect ({response.status}), which is not followed.")
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"The receiver answered HTTP {response.status}.")
    return response.status
