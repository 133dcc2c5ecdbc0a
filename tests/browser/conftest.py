"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse ORM
calls there ("async unsafe"); the test thread only prepares data and asserts, so allow it."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium fonts-wqy-microhei")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):
    """new_phone() opens a fresh phone-sized browser session (its own cookies) on the live server."""
    from django.urls import get_resolver

    # The site's URLs (and with them every view and the API's schemas) are imported once per
    # process, at the first request: do it here, or a busy machine spends the first page's
    # 10 seconds on it.
    get_resolver().url_patterns  # noqa: B018
    contexts = []

    def new_phone():
        context = browser.new_context(
            viewport=PHONE, base_url=live_server.url, locale="zh-CN", device_scale_factor=1
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new_phone
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _migration_data(django_db_setup, django_db_blocker):
    """Browser tests run with transaction=True, and the flush after every such test (anywhere
    in the suite) also empties the rows the data migrations made, such as the default wish
    categories. Run the project's data migrations again before each browser test (they use
    get_or_create), so a journey finds them whatever ran before."""
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection, transaction
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    with django_db_blocker.unblock(), transaction.atomic():
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        plan = [node for leaf in loader.graph.leaf_nodes() for node in loader.graph.forwards_plan(leaf)]
        for node in dict.fromkeys(plan):
            if not apps.is_installed(f"weiguang.{node[0]}"):
                continue
            for operation in loader.graph.nodes[node].operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, SimpleNamespace(connection=connection))
