"""The pages changed for issue 9, opened on the demo street at 390 px as every role that reaches
them, in normal and large text, in Chinese and English: none is wider than the phone, and no
label or value spills out of its box (a long English skill name ran past its checkbox card, a
masked ID number past the resident record, the whistle's report-in table past the board, and
once squeezed, its headers broke mid-word; the units' names in 'who delivered what' sat at the
right of their column)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from weiguang.demands.models import Demand, DemandChannel
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import Resident
from weiguang.regions.models import Region, RegionKind
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Wish, WishStatus

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODES = [("zh-hans", "0"), ("zh-hans", "1"), ("en", "0"), ("en", "1")]

# Boxes whose text must stay inside them (their own scrollWidth), beside the page as a whole.
SPILLS = """() => Array.from(document.querySelectorAll('.choices label, dl.facts dd, .card, table.report-in'))
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.tagName + '.' + e.className + ': ' + e.innerText.slice(0, 40))
  .concat(Array.from(document.querySelectorAll('table.report-in th')).filter(th => {
    // a one-word header on two lines was cut mid-word (Departme-nt)
    const r = document.createRange(); r.selectNodeContents(th);
    return th.parentElement.parentElement.getBoundingClientRect().width > 1 && new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size > 1;
  }).map(th => 'header broken: ' + th.innerText))
  .concat(Array.from(document.querySelectorAll('table.data tbody tr > :first-child:not([colspan])'))
    .filter(c => getComputedStyle(c).textAlign === 'right')
    .map(c => 'row name pushed right: ' + c.innerText))"""


def demo_pages():
    """(username, path) for every page and role of the brief, the records found by what they are."""
    resident_user = get_user_model().objects.get(username="resident")
    her = Resident.objects.get(user=resident_user)
    online_bare = Demand.objects.filter(
        channel=DemandChannel.ONLINE, resident=None, contact_phone="", community=her.grid.parent
    ).first()
    desk = Demand.objects.filter(channel=DemandChannel.DESK, grid=her.grid).exclude(resident=her).first()
    action = Demand.objects.filter(action_of__isnull=False, grid=her.grid).first()
    hers = Demand.objects.filter(resident=her).order_by("-id").first()
    with_phone = Demand.objects.exclude(contact_phone="").first()
    transferred = Demand.objects.filter(transfers__department__handlers__username="dept").first()
    wish = Wish.objects.filter(resident=her, status=WishStatus.FULFILLED).first()
    wish_services.dispute_wish(wish, resident_user, "灯还是不亮，修完第二天又坏了")
    street = Region.objects.get(kind=RegionKind.STREET)
    unit = PartnerUnit.objects.order_by("id").first()
    pages = [
        ("dept", "/dept/demands/"),
        ("dept", f"/demands/{transferred.pk}/"),
        ("admin", "/street/demands/escalated/"),
        ("staff", "/staff/assignments/"),
        ("staff", f"/wishes/{wish.pk}/"),
        ("resident", f"/wishes/{wish.pk}/"),
        ("resident", "/volunteers/register/"),
        ("staff", "/staff/residents/"),
        ("staff", f"/staff/residents/{her.pk}/"),
        ("admin", "/staff/accounts/"),
        ("admin", "/staff/accounts/new/"),
        ("admin", f"/staff/accounts/{get_user_model().objects.get(username='partner').pk}/"),
        ("staff", "/partners/"),
        ("staff", "/partners/deliveries/"),
        ("staff", f"/partners/{unit.pk}/"),
        (None, f"/demands/track/{hers.tracking_code}/"),
        (None, f"/demands/track/{online_bare.tracking_code}/"),
        (None, f"/demands/track/?phone={with_phone.contact_phone}"),
        (None, f"/streets/{street.pk}/wall/"),
        (None, f"/communities/{her.grid.parent_id}/wall/"),
        (None, f"/streets/{street.pk}/wall/print/"),
        (None, "/no-such-page/"),
    ]
    for demand in (online_bare, desk, action, hers):
        pages += [("staff", f"/demands/{demand.pk}/"), ("grid", f"/demands/{demand.pk}/")]
    pages.append(("resident", f"/demands/{hers.pk}/"))
    return pages + issue_12_pages()


def issue_12_pages():
    """Events, fairs, stations and rooms (issue 12): the week calendar's hour scale once pushed
    the page to 485 px in large text."""
    from weiguang.events.models import Event, EventKind, FoodRound, Stall
    from weiguang.places.models import Room, ServiceCentre, Station

    party_day = Event.objects.filter(kind=EventKind.PARTY_DAY).first()
    fair = Event.objects.filter(kind=EventKind.SERVICE_FAIR).first()
    stall = Stall.objects.filter(event=fair).order_by("id").first()
    centre, room, station = ServiceCentre.objects.first(), Room.objects.first(), Station.objects.first()
    return [
        ("resident", "/events/"),
        ("resident", f"/events/{party_day.pk}/"),
        ("resident", "/events/mine/"),
        ("resident", "/bookings/mine/"),
        ("staff", "/events/manage/"),
        ("staff", f"/events/{party_day.pk}/signups/"),
        ("staff", f"/events/{party_day.pk}/desk/"),
        ("staff", f"/fairs/{fair.pk}/summary/"),
        ("staff", f"/centres/{centre.pk}/week/"),
        ("staff", f"/rooms/{room.pk}/"),
        ("staff", "/bookings/queue/"),
        ("partner", f"/stalls/{stall.pk}/counter/"),
        ("staff", f"/fairs/{fair.pk}/setup/"),
        ("staff", f"/stalls/{stall.pk}/edit/"),
        ("staff", f"/stalls/{stall.pk}/counter/?q=王"),
        ("staff", f"/fairs/{fair.pk}/food/"),
        ("staff", f"/food/{FoodRound.objects.filter(event=fair).first().pk}/"),
        ("grid", "/field/"),
        (None, "/stations/"),
        (None, f"/stations/{station.pk}/"),
        (None, f"/fairs/{fair.pk}/"),
        (None, f"/stalls/{stall.pk}/display/"),
    ]


def test_the_changed_pages_fit_a_phone_in_both_text_sizes(browser, live_server):
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    passwords = {a["username"]: a["password"] for a in json.loads(out.getvalue())}
    pages = demo_pages()
    problems = []
    for username in dict.fromkeys(user for user, _ in pages):
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, device_scale_factor=1)
        context.set_default_timeout(10_000)
        page = context.new_page()
        if username:
            page.goto("/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", passwords[username])
            page.click("form[action='/login/'] button[type=submit]")
            page.wait_for_selector("form[action='/logout/']")
        for lang, large in MODES:
            context.add_cookies(
                [
                    {"name": "wg_lang", "value": lang, "url": live_server.url},
                    {"name": "wg_large", "value": large, "url": live_server.url},
                ]
            )
            for path in (p for user, p in pages if user == username):
                response = page.goto(path)
                where = f"{username or 'anonymous'} {path} {lang} large={large}"
                assert response.status in (200, 404), where
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append(f"{where}: {width} px wide")
                problems += [f"{where}: {spill}" for spill in page.evaluate(SPILLS)]
        context.close()
    assert problems == [], "\n".join(problems)
