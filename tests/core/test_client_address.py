"""Who the client is, behind the load balancer: X-Forwarded-For is believed only from the
proxies named in TRUSTED_PROXIES, and then the right-most address they did not write."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from weiguang.core.ratelimit import client_address

from .test_lockout import api_login, web_login

BALANCER = "10.0.0.5"


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]


def test_without_trusted_proxies_the_header_is_ignored():
    assert settings.TRUSTED_PROXIES == []
    assert address("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert address("203.0.113.9") == "203.0.113.9"


def test_a_spoofed_header_from_an_untrusted_client_is_ignored(behind_proxy):
    assert address("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert address("203.0.113.9", "10.0.0.7") == "203.0.113.9"


@pytest.mark.parametrize(
    "forwarded, client",
    [
        ("198.51.100.1", "198.51.100.1"),
        # the client wrote the left part itself: the right-most address not of a proxy counts
        ("1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two balancers
        ("198.51.100.1, 192.0.2.1", "198.51.100.1"),
        ("198.51.100.1:50312", "198.51.100.1"),  # with a port, as some balancers write it
        ("[2001:db8::1]:443", "2001:db8::"),
        ("2001:db8::1", "2001:db8::"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("", BALANCER),  # no header: the balancer itself
        ("not-an-address", BALANCER),  # garbage: the last address a trusted proxy vouched for
        ("198.51.100.1, garbage", BALANCER),
        ("10.1.1.1, 10.2.2.2", "10.1.1.1"),  # every hop trusted: the left-most
    ],
)
def test_from_a_trusted_proxy_the_header_names_the_client(behind_proxy, forwarded, client):
    assert address(BALANCER, forwarded) == client


def test_an_ipv6_client_is_counted_by_its_64_network():
    assert address("2001:db8:1:2:aaaa::1") == address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::"
    assert address("2001:db8:1:3::1") == "2001:db8:1:3::"
    assert address("::1") == "::1"


@pytest.mark.django_db
def test_an_ipv6_client_cannot_escape_the_lock_by_changing_its_address(people):
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login(Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}"), "resident_a", "guess")
    assert web_login(Client(REMOTE_ADDR="2001:db8:1:2::ffff"), "resident_a").status_code == 429
    assert web_login(Client(REMOTE_ADDR="2001:db8:9:9::1"), "resident_a").status_code == 302


def test_no_address_at_all():
    assert address("") == "unknown"
    assert address("garbage") == "unknown"


# --- what a user notices ---------------------------------------------------------------------


@pytest.mark.django_db
def test_behind_the_balancer_one_client_does_not_lock_out_another(behind_proxy, people):
    attacker = Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_login(attacker, "resident_a", "guess")
    assert web_login(attacker, "resident_a").status_code == 429

    # she, at home, comes through the same balancer
    resident = Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert web_login(resident, "resident_a").status_code == 302


@pytest.mark.django_db
def test_behind_the_balancer_a_sprayer_is_throttled_by_its_own_address(behind_proxy, people):
    sprayer = Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="203.0.113.66")
    for i in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        api_login(sprayer, f"guess{i}", "123456")
    assert api_login(sprayer, "vol_a").status_code == 429
    assert (
        api_login(Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.20"), "vol_a").status_code
        == 201
    )


@pytest.mark.django_db
def test_a_client_cannot_escape_the_lock_by_writing_the_header(behind_proxy, people):
    for i in range(settings.AXES_FAILURE_LIMIT + 3):
        spoofing = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        web_login(spoofing, "resident_a", "guess")
    fresh = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert web_login(fresh, "resident_a").status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/demands/new/", "/api/v1/demands"])
def test_public_submission_limits_count_the_client_behind_the_balancer(behind_proxy, tree, settings, url):
    settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_PUBLIC_PER_HOUR": 1}
    data = {"grid": tree.grid_a1.pk, "title": "路灯不亮了"}
    a = Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="203.0.113.66")
    b = Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.20")
    spoofing = Client(REMOTE_ADDR="203.0.113.77", HTTP_X_FORWARDED_FOR="198.51.100.21")

    def post(client, title):
        return client.post(url, {**data, "title": title})

    assert post(a, "路灯不亮了").status_code in (201, 302)
    assert post(a, "又一个路灯").status_code == 429  # the limit is that client's
    assert post(b, "楼道灯坏了").status_code in (201, 302)  # not the balancer's
    assert post(spoofing, "井盖松动").status_code in (201, 302)
    spoofing.defaults["HTTP_X_FORWARDED_FOR"] = "198.51.100.22"
    assert post(spoofing, "井盖又松动").status_code == 429  # a written header changes nothing


def test_a_malformed_trusted_proxies_setting_stops_the_start():
    env = {**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8, balancer.internal"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "weiguang.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'balancer.internal' is not an IP address or network" in result.stderr
