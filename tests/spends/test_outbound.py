"""spends.outbound: which URLs a webhook may go to (checked on the resolved addresses) and the POST's limits."""

import pytest

from spends import outbound


@pytest.mark.parametrize(
    ("url", "allow_private"),
    [
        ("https://169.254.169.254/latest/meta-data/", True),  # cloud metadata: link-local, always refused
        ("https://[fe80::1]/", True),
        ("https://[::ffff:169.254.169.254]/", True),  # the same address written as IPv6
        ("https://0.0.0.0/", True),
        ("https://127.0.0.1/", False),
        ("https://localhost/", False),  # a name that resolves to loopback
        ("https://192.168.1.10/", False),
        ("https://[::1]/", False),
        ("https://100.64.0.1/", False),  # carrier-grade NAT is not public either
        ("http://93.184.215.14/", True),  # plain http to anything but localhost
        ("file:///etc/passwd", True),
        ("https://", True),
        ("https://host:notaport/", True),
    ],
)
def test_refused(url, allow_private):
    with pytest.raises(outbound.UnsafeURL):
        outbound.resolve(url, allow_private=allow_private)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://10.1.2.3/"])
def test_private_addresses_with_the_setting(url):
    assert outbound.resolve(url, allow_private=True)


def test_a_public_address_is_allowed():
    assert outbound.resolve("https://93.184.215.14/hook", allow_private=False) == "93.184.215.14"


def test_a_closed_port_is_a_delivery_failure_not_a_crash():
    with pytest.raises(outbound.DeliveryFailed):
        outbound.post("http://127.0.0.1:9/hook", b"{}", {}, allow_private=True, timeout=1)
