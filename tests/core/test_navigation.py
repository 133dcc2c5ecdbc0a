"""The registry of navigation entries and home tiles (core/navigation.py): what each app
registers from its AppConfig.ready(), in the order the header and the home page show it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Value
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from weiguang.core import navigation

pytestmark = pytest.mark.django_db


def test_the_apps_register_their_entries_and_tiles_in_order():
    entries = [e.key for e in sorted(navigation.ENTRIES.values(), key=lambda e: e.order)]
    assert entries[:9] == ["wall", "new", "residence", "mine", "grid", "field", "claims", "queue", "region"]
    assert entries[9:] == [
        "demand_new", "my_demands", "desk", "demands", "residents", "residence_queue", "dept",
        "events", "run_events", "event_scanner", "volunteering", "unit", "staff_stations", "rooms",
        "staff_accounts", "inbox", "security",
    ]  # fmt: skip
    tiles = [t.key for t in sorted(navigation.TILES.values(), key=lambda t: t.order)]
    assert tiles[:9] == ["residence", "new", "mine", "queue", "region", "field", "grid", "wall", "claims"]
    assert tiles[9:] == [
        "demand_new", "track", "my_demands", "desk", "demand_queue", "dept_inbox", "residence_queue", "escalated",
        "demand_settings",
        "meetings", "figures", "volunteering", "become_volunteer", "invitations", "events", "my_signups", "unit",
        "volunteers", "run_events", "lists", "bulk", "verify", "data_requests", "stations", "rooms", "room_requests",
        "my_data", "inbox",
    ]  # fmt: skip


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test (the apps' own entries are put back after it)."""
    monkeypatch.setattr(navigation, "FLAGS", {})
    monkeypatch.setattr(navigation, "ENTRIES", {})
    monkeypatch.setattr(navigation, "TILES", {})
    return navigation


def test_a_tile_counts_only_for_whom_it_shows(registry, people):
    counted = []

    def count(flags):
        counted.append(flags.user)
        return 3

    registry.register_flag("lucky", annotation=lambda: Value(True))
    registry.register_flag("unlucky", compute=lambda flags: not flags.lucky)
    registry.register_tile(
        "t", _("Inbox"), "inbox", order=1, icon="✉", when="lucky", count=count,
        caption=lambda flags, n: f"{n} things", notice=lambda flags, n: f"{n} to see",
    )  # fmt: skip
    registry.register_tile("u", _("Home"), "home", order=0, icon="✦", when="unlucky", caption=_("Never"))
    with translation.override("en"):
        notices, tiles = registry.tiles_for(people.staff)
        tiles[0]["label"] = str(tiles[0]["label"])
    assert notices == [{"text": "3 to see", "url": "/inbox/"}]
    assert tiles == [
        {"key": "t", "url": "/inbox/", "label": "Inbox", "icon": "✉", "caption": "3 things", "primary": False}
    ]
    assert registry.tiles_for(AnonymousUser()) == ([], [])  # an anonymous user has every flag's default
    assert counted == [people.staff]


def test_a_tile_with_nothing_counted_can_hide(registry, people):
    registry.register_tile(
        "t", _("Inbox"), "inbox", order=1, icon="✉", count=lambda flags: 0, hide_when_zero=True
    )
    assert registry.tiles_for(people.staff) == ([], [])


def test_an_entry_is_active_below_its_url_and_shows_its_badge(registry, people):
    registry.register_entry(
        "inbox", _("Inbox"), "inbox", order=2, when="authenticated", badge=lambda flags: 4
    )
    registry.register_entry("home", _("Home"), lambda flags: "/#walls", order=1)
    items = registry.entries_for(people.staff, "/inbox/3/")
    assert [(i["key"], i["url"], i["active"], i.get("badge")) for i in items] == [
        ("home", "/#walls", False, None),
        ("inbox", "/inbox/", True, 4),
    ]
    assert [i["key"] for i in registry.entries_for(AnonymousUser())] == ["home"]


def test_a_flag_is_either_an_annotation_or_computed(registry):
    with pytest.raises(ValueError):
        registry.register_flag("both", annotation=lambda: Value(1), compute=lambda flags: 1)
    with pytest.raises(ValueError):
        registry.register_flag("neither")


def test_the_flags_are_forgotten_after_a_role_changes(people):
    flags = navigation.role_flags(people.stranger)
    assert not flags.staff
    navigation.forget(people.stranger)
    assert navigation.role_flags(people.stranger) is not flags


def test_only_the_closest_entry_is_current_where_one_url_lies_under_another(people):
    """The staff's 待审核 (/staff/wishes/) and 全部心愿 (/staff/wishes/all/): one lit tab, not two."""
    from weiguang.core import navigation

    lit = [i["key"] for i in navigation.entries_for(people.staff, "/staff/wishes/all/") if i["active"]]
    assert lit == ["region"]
    active = [i["key"] for i in navigation.entries_for(people.staff, "/staff/wishes/") if i["active"]]
    assert active == ["queue"]
