"""A grid worker walks a building without signal: on a 390 px phone they open the field kit,
lose the network, record two wishes, a demand and a visit note (and a wish too short to be
accepted), see them waiting on the phone, get the signal back and see them sent with the
server's numbers; the server has each once, and sending them all again changes nothing. The
refused one says why in Chinese, is corrected and sent. Screenshots go to /tmp/shots-field/."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect

from tests.factories import ResidentFactory
from weiguang.core.models import IdempotencyKey
from weiguang.core.offline import KINDS
from weiguang.demands.models import Demand
from weiguang.people.models import VisitNote
from weiguang.wishes.models import Wish

from .conftest import PHONE
from .pages import fits_the_phone, follow, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-field")
WAITING = "[data-testid=field-waiting] li.field-entry"
SENT = "[data-testid=field-sent] li.field-entry"
REFUSED = "[data-testid=field-refused] li.field-entry"


def record(page, kind: str, resident, **fields) -> None:
    page.select_option("#field-resident", str(resident.pk))
    page.click(f"[data-tab={kind}]")
    form = page.locator(f"form[data-field-kind={kind}]")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if value is True:
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator("#field-saved")).to_contain_text("已保存在本机")


def test_entries_recorded_offline_are_sent_once_when_the_signal_returns(phone, people, tree):
    neighbour = ResidentFactory(name="刘桂芳", grid=tree.grid_a1, building="3号楼", door="201室")
    page = phone()
    log_in(page, "grid_a1")
    follow(page, "[data-nav=field]")
    assert page.url.endswith("/field/")
    # the service worker takes over and keeps the kit (and what it needs) for the road
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    expect(page.locator("[data-testid=field-net]")).to_have_attribute("data-state", "offline")
    record(page, "wish", people.resident, title="需要一台助行器")
    record(page, "wish", neighbour, title="每周有人陪聊天")
    record(page, "demand", neighbour, title="楼道灯坏了", place="3号楼2单元")
    record(page, "visit", people.resident, note="身体还好，独居，女儿周末来", follow_up=True)
    record(page, "wish", neighbour, title="要")  # too short: the server will refuse it
    expect(page.locator(WAITING)).to_have_count(5)
    expect(page.locator("[data-count=waiting]")).to_have_text("5")  # what waits, counted
    expect(page.locator("[data-count=sent]")).to_have_text("0")
    assert "离线" in page.inner_text("[data-testid=field-net]")
    assert not Wish.objects.exists() and not Demand.objects.exists() and not VisitNote.objects.exists()
    assert fits_the_phone(page)
    shot(page, SHOTS, "waiting-offline")

    # Still offline, the page is opened again (from the phone's copy): the entries are still there.
    page.reload()
    expect(page.locator(WAITING)).to_have_count(5)

    page.context.set_offline(False)
    expect(page.locator(SENT)).to_have_count(4)
    expect(page.locator(REFUSED)).to_have_count(1)
    expect(page.locator(WAITING)).to_have_count(0)
    expect(page.locator("[data-count=waiting]")).to_have_text("0")  # nothing left to send
    expect(page.locator("[data-count=sent]")).to_have_text("4")
    expect(page.locator("[data-testid=field-net]")).to_have_attribute("data-state", "online")
    wishes = {w.title: w for w in Wish.objects.all()}
    assert set(wishes) == {"需要一台助行器", "每周有人陪聊天"}
    assert wishes["每周有人陪聊天"].resident == neighbour
    assert all(w.created_by == people.grid_worker for w in wishes.values())
    demand = Demand.objects.get()
    assert demand.resident == neighbour and demand.place == "3号楼2单元"
    visit = VisitNote.objects.get()
    assert visit.resident == people.resident and visit.follow_up
    sent = page.inner_text("[data-testid=field-sent]")
    assert demand.tracking_code in sent and f"#{wishes['需要一台助行器'].pk}" in sent
    refused = page.locator(REFUSED)
    assert "标题需要 2 到 60 个字" in refused.inner_text()
    shot(page, SHOTS, "sent-and-refused")

    # The refused wish is corrected in its form and sent again.
    refused.locator("[data-action=edit]").click()
    assert page.input_value("#wish-title") == "要"
    page.fill("#wish-title", "要一副老花镜")
    page.click("form[data-field-kind=wish] button[type=submit]")
    expect(page.locator(SENT)).to_have_count(5)
    expect(page.locator(REFUSED)).to_have_count(0)
    assert Wish.objects.filter(title="要一副老花镜", resident=neighbour).count() == 1

    # The answers were lost (say the signal dropped on the way back): everything is sent again.
    page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("weiguang-field", 1);
            open.onsuccess = () => {
                const t = open.result.transaction("entries", "readwrite");
                const store = t.objectStore("entries");
                store.getAll().onsuccess = (e) => e.target.result.forEach((row) => {
                    row.state = "waiting"; store.put(row);
                });
                t.oncomplete = () => resolve(true);
                t.onerror = () => reject(t.error);
            };
        })"""
    )
    page.reload()
    expect(page.locator(SENT)).to_have_count(5)
    expect(page.locator(WAITING)).to_have_count(0)
    assert page.inner_text("[data-testid=field-sent]").count("此前已收到") == 5
    assert Wish.objects.count() == 3 and Demand.objects.count() == 1 and VisitNote.objects.count() == 1
    assert IdempotencyKey.objects.filter(scope__startswith="field.").count() == 5
    assert fits_the_phone(page)


def test_the_manifest_and_the_service_worker_are_served_for_the_whole_site(phone, people):
    page = phone()
    log_in(page, "grid_a1")
    page.goto("/field/")
    manifest_url = page.get_attribute("link[rel=manifest]", "href")
    manifest = page.request.get(manifest_url)
    assert manifest.headers["content-type"] == "application/manifest+json"
    body = manifest.json()
    assert body["start_url"] == "/field/" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}
    for icon in body["icons"]:
        assert page.request.get(icon["src"]).ok
    worker = page.request.get("/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    csp = page.request.get("/field/").headers["content-security-policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp and "unsafe-eval" not in csp
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == page.url.split("/field/")[0] + "/"
    kept = """async () => {
        const names = (await caches.keys()).filter((n) => n.startsWith("wg-pages-"));
        for (const name of names) if (await (await caches.open(name)).match("/field/")) return true;
        return false;
    }"""
    page.wait_for_function(kept)  # the kit (with the grid's residents) is kept on the phone...
    with page.expect_navigation():
        page.click("form[action='/logout/'] button[type=submit]")
    assert not page.evaluate(kept)  # ...until its user logs out


@pytest.mark.parametrize(("lang", "large"), [("zh-hans", True), ("en", False), ("en", True)])
def test_the_kit_fits_the_phone_in_large_text_and_english(browser, live_server, people, lang, large):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, device_scale_factor=1)
    context.add_cookies([{"name": "wg_lang", "value": lang, "url": live_server.url}])
    if large:
        context.add_cookies([{"name": "wg_large", "value": "1", "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "grid_a1")
        page.goto("/field/")
        heading = page.inner_text("h1")
        assert heading == ("Offline visits" if lang == "en" else "离线走访")
        for kind in ("wish", "demand", "visit"):
            page.click(f"[data-tab={kind}]")
            assert page.locator(f"form[data-field-kind={kind}]").is_visible()
            assert fits_the_phone(page), kind
        shot(page, SHOTS, f"kit-{lang}-{'large' if large else 'normal'}")
    finally:
        context.close()


def test_an_entry_the_server_fails_on_stays_waiting_with_the_reason_and_goes_later(
    phone, people, monkeypatch
):
    """The server breaks on one entry (a bug in its handler): the kit shows that entry as not
    sent, with the reason, keeps it and sends it again; the others of the batch are sent once."""
    real = KINDS["demand"]

    def broken(entry):
        raise RuntimeError("boom")

    monkeypatch.setitem(KINDS, "demand", dataclasses.replace(real, handle=broken))
    page = phone()
    log_in(page, "grid_a1")
    page.goto("/field/")
    page.context.set_offline(True)
    expect(page.locator("[data-testid=field-net]")).to_have_attribute("data-state", "offline")
    record(page, "wish", people.resident, title="需要一台助行器")
    record(page, "demand", people.resident, title="楼道灯坏了", place="3号楼2单元")
    record(page, "visit", people.resident, note="身体还好")
    expect(page.locator("[data-count=waiting]")).to_have_text("3")
    page.context.set_offline(False)
    expect(page.locator(SENT)).to_have_count(2)
    waiting = page.locator(WAITING)
    expect(waiting).to_have_count(1)
    expect(page.locator("[data-count=waiting]")).to_have_text("1")
    expect(waiting.locator("[data-failed]")).to_have_text(
        "未能记录：服务器出错。此条仍保存在手机上，稍后会再次发送。"
    )
    assert waiting.get_attribute("data-kind") == "demand"
    assert Wish.objects.count() == 1 and VisitNote.objects.count() == 1 and not Demand.objects.exists()
    assert fits_the_phone(page)
    shot(page, SHOTS, "failed-waiting")

    # the bug is fixed; the kit sends it again (here: at once, by "Send now")
    monkeypatch.setitem(KINDS, "demand", real)
    page.click("[data-field-send]")
    expect(page.locator(SENT)).to_have_count(3)
    expect(page.locator("[data-count=waiting]")).to_have_text("0")
    assert Demand.objects.get().title == "楼道灯坏了"
    assert Wish.objects.count() == 1 and VisitNote.objects.count() == 1


CACHES = """async () => (await caches.keys()).filter((n) => n.startsWith("wg-")).sort()"""
TWO_CACHES_BUT = """async (old) => {
    const names = (await caches.keys()).filter((n) => n.startsWith("wg-"));
    return names.length === 2 && !names.includes(old);
}"""
KEPT_OUTBOX = """async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith("wg-static-"));
    return Promise.all(names.map(async (n) => {
        const hit = await (await caches.open(n)).match("/static/core/offline-queue.js");
        return hit ? await hit.text() : "";
    }));
}"""


def until(page, function: str, arg, seconds: float = 10) -> None:
    """Poll `function(arg)` in the page until it is true (wait_for_function would eval() the
    string in the page, which the page's policy forbids once it has to poll)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(function, arg):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {function}"
        page.wait_for_timeout(100)


def test_a_new_deploy_replaces_the_scripts_kept_on_the_phone(phone, people, static_deploy):
    """The kit keeps its scripts on the phone (cache first). After a deploy that changes one of
    them the next visit installs the new worker: the phone keeps the new script, and the old
    version's caches are gone (the old script is never served again)."""
    original = Path(finders.find("core/offline-queue.js")).read_text()
    static_deploy("core/offline-queue.js", original)
    page = phone()
    log_in(page, "grid_a1")
    page.goto("/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    until(page, TWO_CACHES_BUT, "")
    before = page.evaluate(CACHES)
    assert [n.split("-")[1] for n in before] == ["pages", "static"]
    assert page.evaluate(KEPT_OUTBOX) == [original]

    static_deploy("core/offline-queue.js", original + "\n/* the next release */\n")
    page.reload()  # the browser checks /sw.js on the way: a new version, installed at once
    until(page, TWO_CACHES_BUT, before[1])
    after = page.evaluate(CACHES)
    assert not set(after) & set(before)
    assert page.evaluate(KEPT_OUTBOX) == [original + "\n/* the next release */\n"]
    served = page.evaluate("fetch('/static/core/offline-queue.js').then((r) => r.text())")
    assert served.endswith("/* the next release */\n")
    page.reload()  # the kit still works with the new script
    expect(page.locator("[data-testid=field-net]")).to_have_attribute("data-state", "online")
