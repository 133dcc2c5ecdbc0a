"""Pages measured at 390 px, in normal and in large-text mode: the bulk-assignment plan reads as
cards with its forms opened on demand (it was 8,300 px tall, one character a line), and the wish
wall shows wishes on the first screen (four filters filled it in large-text mode) with no QR code
on screen (those are for the printed cards and the wish page)."""

from __future__ import annotations

import pytest

from tests.factories import ResidentFactory
from weiguang.volunteers import services as volunteer_services
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Channel, WishKind

from ..factories import UserFactory, make_id_number
from .conftest import PHONE
from .pages import fits_the_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    "想要一个保温饭盒，冬天给孙子送饭用", "家里的电风扇坏了，想请人修一修", "想要一副老花镜，看报纸方便些",
    "孩子想要一个新书包，旧的破了", "想请人帮忙换一下厨房的灯泡", "想要一台收音机听戏曲",
    "想请志愿者陪我去医院复查", "想要一床厚棉被过冬", "希望有人教我用智能手机视频通话",
    "想要一个电水壶，旧的漏水", "想请人上门理发，腿脚不便", "想要几本儿童绘本给孙女",
]  # fmt: skip


def large_text(context, live_server) -> None:
    context.add_cookies([{"name": "wg_large", "value": "1", "url": live_server.url}])


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.fixture
def wall_wishes(people, tree):
    wishes = []
    for i, title in enumerate(TITLES):
        resident = ResidentFactory(grid=tree.grid_a1 if i % 2 else tree.grid_a2)
        wish, _ = wish_services.submit_wish(
            people.staff, kind=WishKind.SERVICE if "请" in title else WishKind.ITEM, title=title,
            description="入户走访时记录", resident=resident, channel=Channel.DESK, confirm_duplicate=True,
        )  # fmt: skip
        wishes.append(wish_services.publish_wish(wish, people.staff))
    return wishes


@pytest.fixture
def volunteers(people, tree):
    made = []
    for i in range(6):
        user = UserFactory(username=f"bulk_vol{i}", first_name=f"志愿者{i}")
        v = volunteer_services.register_volunteer(
            user, name=f"志愿者{i}号", phone=f"1390000{i:04d}", id_number=make_id_number(300 + i, region="370203"),
            home_region=tree.community_a,
        )  # fmt: skip
        made.append(volunteer_services.approve_volunteer(v, people.staff))
    return made


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_the_bulk_assignment_plan_is_cards_with_forms_on_demand(
    phone, live_server, people, tree, wall_wishes, volunteers, large
):
    page = phone()
    if large:
        large_text(page.context, live_server)
    log_in(page, "staff_a")
    page.goto(f"/staff/assignments/?community={tree.community_a.pk}")
    assert fits_the_phone(page)
    # the long list of claimers opens on demand; the wishes to assign are ticked already
    claimers = page.locator("[data-testid=pick-claimers]")
    assert not claimers.locator("input[type=number]").first.is_visible()
    claimers.locator("summary").click()
    for i, v in enumerate(volunteers):
        page.fill(f"input[name=cap-u-{v.user_id}]", "2" if i < 5 else "1")
    page.click("[data-action=propose]")
    page.wait_for_selector("[data-testid=pairs]")
    pairs = page.locator("[data-testid=pairs] li")
    assert pairs.count() == 11  # 5 x 2 + 1 of the 12 wishes
    assert fits_the_phone(page)
    # each pair reads as a card: the wish's title on a line or two, not a character a line
    for box in pairs.locator(".pair").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height,"
        " parseFloat(getComputedStyle(e).lineHeight)])"
    ):
        width, height, line = box
        assert width > PHONE["width"] / 2 and height <= 2.5 * line, box
    # the choice of wishes and claimers is closed now, ready to open to propose again
    assert not page.locator("[data-testid=pick-wishes] input[type=checkbox]").first.is_visible()
    assert not page.locator("[data-testid=pick-claimers] input[type=number]").first.is_visible()
    height = page_height(page)
    limit = 11 * (190 if large else 130) + 1400
    assert height < limit, (height, limit)  # was 8,300 px with the table and forms open
    # the capacities asked for are kept for the next try
    assert page.input_value(f"input[name=cap-u-{volunteers[0].user_id}]") == "2"
    page.click("[data-action=confirm]")
    page.wait_for_selector(".msg-success")


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_the_wall_shows_wishes_first_on_a_phone_and_no_qr_on_screen(
    phone, live_server, tree, wall_wishes, large
):
    page = phone()
    if large:
        large_text(page.context, live_server)
    page.goto(f"/communities/{tree.community_a.pk}/wall/")
    assert fits_the_phone(page)
    first = page.locator("[data-wish]").first
    top = first.bounding_box()["y"]
    # the first wish is on the first screen, whole, with room to spare
    assert top + first.bounding_box()["height"] < PHONE["height"] - 100, top
    # the filters wait behind one toggle
    assert not page.locator("#f-kind").is_visible()
    page.click("[data-testid=filters] summary")
    assert page.locator("#f-kind").is_visible() and page.locator("#f-status").is_visible()
    page.select_option("#f-kind", "service")  # htmx swaps the list
    page.wait_for_url("**kind=service**")
    assert page.locator("[data-wish]").count() == sum("请" in t for t in TITLES)
    # no QR code on any card on screen
    assert page.locator(".wish-cards img").count() == 0

    # the printed cards carry one each, and fit the phone too
    page.goto(f"/communities/{tree.community_a.pk}/wall/")
    page.click("[data-testid=print-link]")
    page.wait_for_selector("[data-testid=print-cards]")
    cards = page.locator(".print-card")
    assert cards.count() == len(TITLES)
    assert cards.locator("img.print-qr").count() == len(TITLES)
    assert fits_the_phone(page)


def test_on_a_wide_screen_the_wall_filters_are_open(browser, live_server, tree, wall_wishes):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(f"/communities/{tree.community_a.pk}/wall/")
        assert page.locator("#f-kind").is_visible()
    finally:
        context.close()
