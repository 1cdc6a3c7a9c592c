"""The client's address, as the server sees it: the one rule for throttles, the admin lockout and logs (API.md § Browser
sessions).

`REMOTE_ADDR` is the peer of the connection and cannot be forged. `X-Forwarded-For` can: any client may send one. It is
read only when the peer is one of the TRUSTED_PROXIES (IP addresses or networks); then the right-most address in it
that is not a trusted proxy is the client (each proxy appends the address it saw, so everything left of that is the
client's own claim). With no TRUSTED_PROXIES (the default), X-Forwarded-For is ignored.
"""

import ipaddress

from django.conf import settings

from spends.config import trusted_proxies


def _address(value: str):
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address  # ::ffff:10.0.0.5 (a dual-stack socket) is 10.0.0.5


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's IP address for `request` (a Django or DRF request)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_proxies(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(_address(remote), networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = remote
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:  # garbage where an address belongs: the hop that sent it is the last one we can name
            break
        client = str(address)
        if not _trusted(address, networks):
            break
    return client
