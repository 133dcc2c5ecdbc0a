"""Every response carries a Content-Security-Policy (issue 9, item 4): pages, the API and its
docs, the admin, error pages and media; no template runs inline code; HSTS when HTTPS=1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import weiguang

SRC = Path(weiguang.__file__).parent


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/login/",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/admin/login/",
        "/no-such-page/",
        "/static/core/favicon.svg",
        "/favicon.ico",
    ],
)
def test_every_kind_of_response_has_a_policy_without_inline_scripts(client, url):
    response = client.get(url)
    rules = policy(response)
    assert rules["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in rules["script-src"] and "'unsafe-eval'" not in rules["script-src"]
    assert rules["object-src"] == ["'none'"] and rules["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_as_a_logged_in_user_have_the_policy(client, people):
    client.force_login(people.staff)
    assert "script-src 'self'" in client.get("/staff/wishes/")["Content-Security-Policy"]


def test_no_template_has_inline_script_handlers_or_eval():
    """Inline code would be blocked by the policy: it belongs in static JS (core/weiguang.js)."""
    offenders = []
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text()
        for pattern in (
            r"\son[a-z]+\s*=",
            r"hx-on",
            r"javascript:",
            r"<script(?![^>]*\bsrc=)(?![^>]*nonce=)",
        ):
            for match in re.finditer(pattern, text):
                offenders.append(f"{path.relative_to(SRC)}: {match.group(0)!r}")
    assert offenders == []


def run_with_env(env: dict, code: str) -> str:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "weiguang.settings", **env}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


HSTS_PROBE = """
import json
import django
django.setup()
from django.test import Client
r = Client().get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"})
print(json.dumps([r.status_code, r.get("Strict-Transport-Security"), r.get("Content-Security-Policy")]))
"""


def test_hsts_when_https_is_on(tmp_path):
    env = {"HTTPS": "1", "DEBUG": "0", "WEIGUANG_VAR": str(tmp_path), "ALLOWED_HOSTS": "testserver"}
    status, hsts, csp = json.loads(run_with_env(env, HSTS_PROBE))
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in csp
    # over plain HTTP the same app redirects to HTTPS
    probe = HSTS_PROBE.replace('headers={"X-Forwarded-Proto": "https"}', "")
    assert json.loads(run_with_env(env, probe))[0] == 301


def test_no_hsts_without_https(tmp_path):
    env = {"HTTPS": "0", "DEBUG": "0", "WEIGUANG_VAR": str(tmp_path), "ALLOWED_HOSTS": "testserver"}
    status, hsts, csp = json.loads(run_with_env(env, HSTS_PROBE))
    assert status == 200 and hsts is None and "default-src 'self'" in csp
