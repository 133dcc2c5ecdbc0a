"""The event scanner is kept on the phone by the service worker, like the field kit: a check-in
table that loses the network can still open it (the journey in tests/browser/ reloads it
offline)."""

from __future__ import annotations

import json
import re

import pytest
from django.templatetags.static import static


def _list(body: str, name: str) -> list[str]:
    return json.loads(re.search(rf"const {name} = (\[.*?\]);", body).group(1))


@pytest.mark.django_db
def test_the_service_worker_keeps_the_scanner_page_and_its_scripts(client):
    body = client.get("/sw.js").content.decode()
    assert "/events/scan/" in _list(body, "PAGES")
    assert "/field/" in _list(body, "PAGES")
    shell = _list(body, "SHELL")
    for path in ("events/scanner.js", "events/checkin.css", "vendor/zxing/zxing-browser.min.js"):
        assert static(path) in shell
    assert len(shell) == len(set(shell))
