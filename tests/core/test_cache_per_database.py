"""The cache outlives the database (a file cache under var/, or a shared Redis): a new database
must never be served the wall pages or the rate-limit counters cached for an old one, and the
demo street loads on a new database however often it was loaded before (issue 9, item 22)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from weiguang.core import ratelimit
from weiguang.core.cache import forget_installation_token
from weiguang.core.models import Installation
from weiguang.demands.models import Demand, DemandChannel
from weiguang.wishes.models import Wish

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_cache(settings, tmp_path):
    """The cache as `make run` configures it without Redis: files that stay when the database goes."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
            "KEY_FUNCTION": "weiguang.core.cache.make_key",
        }
    }
    forget_installation_token()
    yield
    forget_installation_token()


def new_database() -> None:
    """What dropping the database and migrating a new one does to what the cache is keyed by:
    the migration writes a fresh installation token; a new process reads it."""
    Installation.objects.all().delete()
    Installation.objects.create()
    forget_installation_token()


def test_a_new_database_gets_its_own_installation_token():
    # written by the migration, so the test database has one
    assert Installation.objects.count() == 1
    assert len(Installation.objects.get().token) >= 16


def test_a_new_database_is_not_served_the_old_ones_wall(client, tree, make_wish, file_cache):
    wish = make_wish("published", title="想要一个电水壶")
    url = f"/communities/{tree.community_a.pk}/wall/"
    assert "电水壶" in client.get(url).content.decode()
    # the same ids in a new database hold other wishes (written without the services, as a new
    # database would be: nothing told the cache)
    new_database()
    Wish.objects.filter(pk=wish.pk).update(title="想要一把轮椅")
    page = client.get(url).content.decode()
    assert "轮椅" in page
    assert "电水壶" not in page


def test_a_new_database_starts_with_no_rate_limit_counters(file_cache):
    for _ in range(3):
        ratelimit.record("demand-anon", "192.0.2.7", 3600)
    assert ratelimit.hits("demand-anon", "192.0.2.7") == 3
    new_database()
    assert ratelimit.hits("demand-anon", "192.0.2.7") == 0


def test_the_demo_loads_on_a_new_database_however_often_it_was_loaded(settings, file_cache):
    # one anonymous online demand an hour per address, and every address the demo's made-up
    # visitors use has had its demand this hour: the demo must not go through public limits
    settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_PUBLIC_PER_HOUR": 1}
    for n in range(256):
        ratelimit.record("demand-anon", f"192.0.2.{n}", 3600)
    for _ in range(2):
        with transaction.atomic():
            accounts = json.loads(_seed())
            assert {a["username"] for a in accounts} >= {"admin", "staff", "resident"}
            assert Demand.objects.filter(channel=DemandChannel.ONLINE, created_by=None).count() >= 2
            transaction.set_rollback(True)  # the database is dropped ...
        new_database()  # ... and made anew, beside the same cache


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return out.getvalue()


def test_the_code_version_changes_when_a_template_or_catalogue_changes(tmp_path):
    from weiguang.core.cache import files_digest

    (tmp_path / "app" / "templates").mkdir(parents=True)
    page = tmp_path / "app" / "templates" / "wall.html"
    page.write_text("<h1>心愿墙</h1>")
    (tmp_path / "notes.py").write_text("x = 1")
    before = files_digest(tmp_path)
    (tmp_path / "notes.py").write_text("x = 2")  # code, not a rendering: same version
    assert files_digest(tmp_path) == before
    page.write_text("<h1>微心愿墙</h1>")
    assert files_digest(tmp_path) != before
