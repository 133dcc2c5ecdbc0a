"""A volunteer from registration to certificate, clicked through on a 390 px phone in the
default (Chinese) interface: registers with real name and skills → community staff approve →
staff invite them to a recommended wish → they accept (the claim) and fulfil it, telling the
hours → staff verify the hours → points are redeemed at the love supermarket → the service
certificate is shown, and its QR link checks it for anyone."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, make_id_number
from weiguang.volunteers.models import Certificate, RecordStatus, ServiceRecord, Skill, Volunteer
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishStatus

from .pages import fits_the_phone, follow, log_in, status_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_from_registration_to_certificate(phone, people, tree):
    skill = Skill.objects.create(name="家电维修", keywords="电器 家电 维修 电饭煲 修理")
    UserFactory(username="newvol", first_name="周新")
    wish, _ = wish_services.submit_wish(
        people.resident_user, kind="service", title="电饭煲不加热了想修一修", description="家电维修",
        confirm_duplicate=True,
    )  # fmt: skip
    wish = wish_services.publish_wish(wish, people.staff)
    id_number = make_id_number(321, region="370203")

    # --- registration ------------------------------------------------------------------------
    vol = phone()
    log_in(vol, "newvol")
    follow(vol, "[data-tile=become_volunteer]")
    vol.fill("#id_name", "周新")
    vol.fill("#id_phone", "13912345670")
    vol.fill("#id_id_number", id_number[:17] + ("0" if id_number[17] != "0" else "1"))  # a typo
    vol.select_option("#id_home_region", str(tree.community_a.pk))
    vol.get_by_label("家电维修").check()
    vol.check("input[name=slots][value=sat-am]")
    vol.click("[data-testid=register-form] button[type=submit]")
    assert "校验位" in vol.inner_text("[data-testid=register-form]")  # the check digit is wrong, said plainly
    assert fits_the_phone(vol)
    vol.fill("#id_id_number", id_number)
    vol.click("[data-testid=register-form] button[type=submit]")
    vol.wait_for_selector("[data-testid=profile] [data-status=pending]")
    assert id_number not in vol.content()
    volunteer = Volunteer.objects.get(user__username="newvol")
    assert list(volunteer.skills.all()) == [skill]

    # --- community staff approve -------------------------------------------------------------
    staff = phone()
    log_in(staff, "staff_a")
    follow(staff, "[data-tile=volunteers]")
    row = staff.locator(f"[data-volunteer='{volunteer.pk}']")
    assert "周新" in row.inner_text() and id_number not in row.inner_text()
    row.locator("[data-action=approve]").click()
    staff.wait_for_selector(f"[data-volunteer='{volunteer.pk}']", state="detached")
    volunteer.refresh_from_db()
    assert volunteer.number and volunteer.status == "approved"

    # --- staff invite the recommended volunteer -------------------------------------------------
    staff.goto(f"/wishes/{wish.pk}/")
    staff.click("[data-testid=candidates-link]")
    candidate = staff.locator(f"[data-candidate='volunteer-{volunteer.pk}']")
    assert "家电维修" in candidate.inner_text()  # why: the skill
    candidate.locator("[data-action=invite]").click()
    staff.wait_for_selector(".msg-success")

    # --- the volunteer accepts and fulfils, telling the hours ----------------------------------
    vol.goto("/")
    follow(vol, "[data-tile=invitations]")
    vol.click("[data-action=accept]")
    vol.wait_for_selector("[data-action=fulfil]")
    assert status_of(vol) == WishStatus.CLAIMED
    vol.fill("[data-action=fulfil] textarea[name=note]", "换了温控器，已经能正常煮饭")
    vol.fill("[data-action=fulfil] input[name=hours]", "2")
    vol.click("[data-action=fulfil] button[type=submit]")
    vol.wait_for_selector("[data-testid=fulfilment]")
    record = ServiceRecord.objects.get(volunteer=volunteer)
    assert record.status == RecordStatus.PENDING and record.hours == 2

    # --- staff verify the hours ----------------------------------------------------------------
    staff.goto("/")
    follow(staff, "[data-tile=verify]")
    staff.locator(f"[data-record='{record.pk}'] [data-action=verify]").click()
    staff.wait_for_selector(f"[data-record='{record.pk}']", state="detached")
    assert fits_the_phone(staff)

    # --- points at the love supermarket, and the certificate --------------------------------------
    from weiguang.volunteers.models import RewardItem

    RewardItem.objects.create(street=tree.street, name="洗衣液一瓶", points=15, stock=3)
    follow(vol, "[data-nav=volunteering]")
    assert vol.inner_text("[data-testid=hours]").strip() == "2.00"
    assert vol.inner_text("[data-testid=points]").strip() == "20"
    vol.goto("/volunteers/shop/")
    vol.click("[data-action=redeem]")
    vol.wait_for_selector(".msg-success")
    assert "5" in vol.inner_text("[data-testid=balance]")
    vol.goto("/my/certificates/")
    vol.click("[data-action=issue]")
    vol.wait_for_selector("[data-testid=certificate]")
    text = vol.inner_text("[data-testid=certificate]")
    assert "周新" in text and volunteer.number in text and "2.00" in text
    assert fits_the_phone(vol)
    certificate = Certificate.objects.get(volunteer=volunteer)

    visitor = phone()
    visitor.goto(f"/certificates/verify/{certificate.verify_token}/")
    assert certificate.number in visitor.inner_text("[data-testid=verified]")
    assert "周新" not in visitor.content() and "周*" in visitor.content()
