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
    for path in (
        "core/offline-queue.js",
        "events/scanner.js",
        "events/checkin.css",
        "vendor/zxing/zxing-browser.min.js",
    ):
        assert static(path) in shell
    assert len(shell) == len(set(shell))


def test_the_field_kit_and_the_scanner_share_one_offline_queue_script():
    """The queue on the phone, the device's id, the keys and the sending are core/offline-queue.js,
    loaded before each page's own script; neither page carries a copy of them."""
    from pathlib import Path

    import weiguang

    src = Path(weiguang.__file__).parent
    for template, script in (
        ("core/templates/core/field_kit.html", "core/static/core/field.js"),
        ("events/templates/events/checkin_scanner.html", "events/static/events/scanner.js"),
    ):
        html = (src / template).read_text()
        page_script = script.rsplit("/", 1)[1]
        assert 0 <= html.index("core/offline-queue.js") < html.index(page_script), template
        code = (src / script).read_text()
        for own_copy in (
            "indexedDB.open",
            "getRandomValues",
            "randomUUID",
            "fetch(ENDPOINT",
            "wg-field-client",
        ):
            assert own_copy not in code, (script, own_copy)
        assert "WeiguangOfflineQueue.open(" in code
