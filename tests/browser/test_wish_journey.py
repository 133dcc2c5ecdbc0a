"""A micro-wish from posted to lit, clicked through by each person on a 390 px phone, in the
default (Chinese) interface: resident posts → staff publishes → volunteer claims and fulfils
→ resident confirms with a rating."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from weiguang.wishes.models import Claim, Wish, WishStatus

from .pages import fits_the_phone, follow, log_in, status_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "想要一个电水壶"


def photo_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (220, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


def test_wish_from_posted_to_lit(phone, people, tree):
    resident_name, resident_phone = people.resident.name, people.resident.phone

    # --- the resident posts a wish in three steps ------------------------------------------
    resident = phone()
    log_in(resident, "resident_a")
    assert resident.get_attribute("html", "lang") == "zh-Hans"  # Chinese by default
    follow(resident, "[data-nav=new]")
    assert fits_the_phone(resident)
    resident.click("[data-kind=item]")  # step 1: the kind
    resident.fill("#id_title", TITLE)  # step 2: the words
    resident.fill("#id_description", "家里的电水壶坏了，烧不了开水")
    # the category is suggested from the words while typing (htmx)
    resident.wait_for_selector("[data-testid=suggestion]")
    assert resident.locator("#id_category option:checked").inner_text() == "生活用品"
    resident.fill("#id_value", "80")
    resident.click("#wish-form button[type=submit]:not([name])")
    resident.wait_for_selector("[data-testid=status]")  # step 3: done, on the wish's page
    assert status_of(resident) == WishStatus.SUBMITTED
    assert fits_the_phone(resident)
    wish = Wish.objects.get(title=TITLE)
    assert wish.resident == people.resident and wish.category.name == "生活用品"
    assert resident.url.endswith(f"/wishes/{wish.pk}/")

    # not on the public wall yet
    visitor = phone()
    visitor.goto(f"/communities/{tree.community_a.pk}/wall/")
    assert TITLE not in visitor.content()

    # --- community staff publishes it from the review queue --------------------------------
    staff = phone()
    log_in(staff, "staff_a")
    follow(staff, "[data-nav=queue]")
    row = staff.locator(f"#queue-{wish.pk}")
    assert TITLE in row.inner_text() and resident_name in row.inner_text()  # staff see who it is
    row.locator("[data-action=publish]").click()
    staff.wait_for_selector(f"#queue-{wish.pk} [data-status=published]")  # swapped in place by htmx
    assert staff.locator(f"#queue-{wish.pk} [data-action=publish]").count() == 0
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.PUBLISHED

    # the public wall now shows it, masked
    visitor.goto(f"/communities/{tree.community_a.pk}/wall/")
    card = visitor.locator(f"[data-wish='{wish.pk}']")
    assert TITLE in card.inner_text() and "王阿姨" in card.inner_text()
    assert resident_name not in visitor.content() and resident_phone not in visitor.content()
    assert card.locator("img").count() == 0  # no QR code on screen: it is for printed cards
    assert fits_the_phone(visitor)

    # --- a volunteer finds it on the wall and claims it --------------------------------------
    volunteer = phone()
    log_in(volunteer, "vol_a")
    follow(volunteer, "[data-nav=wall]")
    volunteer.click("[data-testid=filters] summary")  # on a phone the filters wait behind a toggle
    volunteer.select_option("#f-kind", "item")  # htmx swaps the list
    volunteer.wait_for_url("**kind=item**")
    volunteer.click(f"[data-wish='{wish.pk}'] h3 a")
    volunteer.wait_for_selector("[data-action=claim]")
    assert volunteer.locator("[data-testid=contact]").count() == 0
    assert resident_phone not in volunteer.content()
    volunteer.click("[data-action=claim] button[type=submit]")
    volunteer.wait_for_selector("[data-testid=contact]")
    assert status_of(volunteer) == WishStatus.CLAIMED
    contact = volunteer.inner_text("[data-testid=contact]")
    assert resident_name in contact and resident_phone in contact  # now the claim is theirs
    assert Claim.objects.get(wish=wish).claimer == people.volunteer

    # the resident is told, and sees who claimed it
    resident.goto("/inbox/")
    assert TITLE in resident.inner_text("[data-testid=inbox]")

    # --- the volunteer fulfils it, with a note and a photo ---------------------------------
    volunteer.fill("[data-action=fulfil] textarea[name=note]", "已送到家，教会了阿姨使用")
    volunteer.set_input_files(
        "[data-action=fulfil] input[type=file]",
        {"name": "kettle.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()},
    )
    volunteer.click("[data-action=fulfil] button[type=submit]")
    volunteer.wait_for_selector("[data-testid=fulfilment]")
    assert status_of(volunteer) == WishStatus.FULFILLED
    assert volunteer.locator("[data-testid=fulfilment] img").count() == 1

    # --- the resident confirms and thanks -------------------------------------------------
    resident.goto("/")
    follow(resident, "[data-nav=inbox]")
    resident.locator("[data-testid=inbox] li.unread a").first.click()
    resident.wait_for_selector("[data-action=confirm]")
    assert "已送到家，教会了阿姨使用" in resident.inner_text("[data-testid=fulfilment]")
    resident.click("[data-action=confirm] label[for=id_rating_0]")  # five stars, the first tile
    resident.fill("[data-action=confirm] textarea[name=thanks]", "谢谢小周，水壶很好用！")
    resident.click("[data-action=confirm] button[type=submit]")
    resident.wait_for_selector("[data-testid=status][data-status=confirmed]")
    assert "谢谢小周，水壶很好用！" in resident.inner_text("[data-testid=fulfilment]")
    assert "★★★★★" in resident.inner_text("[data-testid=fulfilment]")
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED and wish.rating == 5

    # --- and everyone can see it lit, without anyone's private details ------------------------
    visitor.goto(f"/communities/{tree.community_a.pk}/wall/")
    assert (
        visitor.get_attribute(f"[data-wish='{wish.pk}'] [data-status]", "data-status") == WishStatus.CONFIRMED
    )
    visitor.goto(f"/wishes/{wish.pk}/")
    assert "谢谢小周" in visitor.content()
    assert visitor.locator("[data-testid=contact]").count() == 0
    assert resident_name not in visitor.content() and people.volunteer.first_name not in visitor.content()
