"""/sw.js is versioned by what it keeps: a deploy that changes a script of the shell (or the
worker itself) serves a worker with new cache names, which the browser installs; the worker
deletes every other version's caches when it takes over, so the old scripts are not served
again (the browser journey in tests/browser/test_field_kit_journey.py watches it happen)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders


def cache_names(client) -> tuple[str, str, str]:
    body = client.get("/sw.js").content.decode()
    version = re.search(r'const VERSION = "([0-9a-f]{12})";', body).group(1)
    return version, f"wg-static-{version}", f"wg-pages-{version}"


@pytest.mark.django_db
def test_the_cache_names_change_when_a_script_of_the_shell_changes(client, static_deploy):
    queue_js = Path(finders.find("core/offline-queue.js")).read_text()
    scanner = Path(finders.find("events/scanner.js")).read_text()
    static_deploy("core/offline-queue.js", queue_js)
    first = cache_names(client)
    assert cache_names(client) == first  # the same files: the same caches, nothing to install

    static_deploy("core/offline-queue.js", queue_js + "\n/* fixed */\n")
    second = cache_names(client)
    assert second[1] != first[1] and second[2] != first[2]

    static_deploy("events/scanner.js", scanner + "\n")  # a script another app keeps offline
    third = cache_names(client)
    assert len({first, second, third}) == 3

    static_deploy("core/offline-queue.js", queue_js)  # rolled back: the first version's names again
    static_deploy("events/scanner.js", scanner)
    assert cache_names(client) == first


@pytest.mark.django_db
def test_the_worker_fetches_the_shell_past_the_http_cache_and_drops_other_versions(client):
    body = client.get("/sw.js").content.decode()
    assert 'cache: "reload"' in body  # a new version is never filled with the old files
    activate = body[body.index('addEventListener("activate"') :]
    assert 'name.startsWith("wg-") && name !== STATIC_CACHE && name !== PAGE_CACHE' in activate
    assert "caches.delete(name)" in activate
