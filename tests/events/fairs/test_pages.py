"""The fair's pages: the stalls, a number taken on the phone, the counter, the stall's screen
(polled, numbers and masked names only), and the summary as a page and an Excel sheet; who may
open which."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from weiguang.events.fairs import services
from weiguang.events.models import QueueTicket

from .conftest import young

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_resident_takes_a_number_and_sees_how_many_are_ahead(client, stall, people, young_residents):
    services.take_number(stall, young_residents[0].user)
    client.force_login(young_residents[1].user)
    page = client.get(f"/fairs/{stall.event_id}/").content.decode()
    assert "家电维修" in page and "1 in the queue" in page
    r = client.post(f"/stalls/{stall.pk}/take/")
    ticket = QueueTicket.objects.get(resident=young_residents[1])
    assert r.status_code == 302 and r["Location"] == f"/queue/{ticket.pk}/"
    page = client.get(r["Location"]).content.decode()
    assert "A002" in page and "1 ahead of you" in page and "every 5s" in page
    fragment = client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="ticket-status"') and "<html" not in fragment
    r = client.post(f"/stalls/{stall.pk}/take/", follow=True)  # a second tap: back to the same number
    assert "Already in this queue with number A002." in r.content.decode()
    client.force_login(young_residents[0].user)
    assert client.get(f"/queue/{ticket.pk}/").status_code == 404  # someone else's number


def test_the_counter_calls_and_the_screen_shows_it(client, stall, people, young_residents):
    services.take_number(stall, young_residents[0].user)
    services.take_number(stall, people.resident_user)  # 78: P001
    for outsider in (people.volunteer2, people.outsider_staff, people.resident_user):
        client.force_login(outsider)
        assert client.get(f"/stalls/{stall.pk}/counter/").status_code == 404
        assert client.post(f"/stalls/{stall.pk}/counter/call_next/").status_code == 404
    client.force_login(people.volunteer)
    client.cookies["wg_lang"] = "zh-hans"
    counter = client.get(f"/stalls/{stall.pk}/counter/").content.decode()
    assert "<h2>排队</h2>" in counter and "诉求列表" not in counter  # the queue, not the demands list
    client.cookies["wg_lang"] = "en"
    r = client.post(f"/stalls/{stall.pk}/counter/call_next/", follow=True)
    assert "Calling P001." in r.content.decode()
    r = client.post(f"/stalls/{stall.pk}/counter/take/", {"name": ""}, follow=True)
    assert "Give the person&#x27;s name." in r.content.decode()
    client.post(f"/stalls/{stall.pk}/counter/take/", {"name": "李大爷", "priority": "1"})
    client.logout()
    client.cookies["wg_lang"] = "en"
    screen = client.get(f"/stalls/{stall.pk}/display/").content.decode()
    assert "P001" in screen and people.resident.masked_name in screen and "王秀英" not in screen
    assert "P002" in screen and "李大爷" not in screen and "every 3s" in screen
    board = client.get(f"/stalls/{stall.pk}/display/", HTTP_HX_REQUEST="true").content.decode()
    assert board.lstrip().startswith('<div id="board"') and "P001" in board


def test_the_summary_page_and_sheet_say_39_27_12(client, yuandong, people):
    fair, stalls = yuandong
    client.force_login(people.staff)
    page = client.get(f"/fairs/{fair.pk}/summary/").content.decode()
    assert "39 collected, 27 handled on the spot, 12 transferred: 69.2 % on the spot" in page
    assert page.count("<tr>") == 1 + 18 + 1 + 16  # the stalls and the units, with their heads
    r = client.get(f"/fairs/{fair.pk}/summary.xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content))
    figures = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=4, values_only=True)}
    assert figures["Stalls"] == 18 and figures["Units"] == 16
    assert (figures["Demands collected"], figures["Handled on the spot"], figures["Transferred"]) == (
        39,
        27,
        12,
    )
    assert figures["Handled on the spot (share)"] == "69.2 %"
    assert book.worksheets[1].max_row == 19
    for outsider in (people.volunteer, people.outsider_staff, people.resident_user):
        client.force_login(outsider)
        assert client.get(f"/fairs/{fair.pk}/summary/").status_code == 404
        assert client.get(f"/fairs/{fair.pk}/summary.xlsx").status_code == 404


def test_booking_a_slot_on_the_page(client, stall, people):
    resident = young("订户", people.tree.grid_a1, username="booker")
    client.force_login(resident.user)
    page = client.get(f"/stalls/{stall.pk}/").content.decode()
    assert "Book a time" in page
    at = next(
        s["starts_at"]
        for s in services.slots(stall)
        if s["starts_at"] > __import__("django.utils.timezone").utils.timezone.now()
    )
    r = client.post(f"/stalls/{stall.pk}/book/", {"starts_at": at.isoformat()}, follow=True)
    assert "Booked:" in r.content.decode()
    r = client.post(f"/stalls/{stall.pk}/book/", {"starts_at": "garbage"}, follow=True)
    assert r.status_code == 200 and "There is no such slot." in r.content.decode()


def test_a_fair_s_page_leads_to_its_stalls_and_other_events_do_not(client, stall, make_event, people):
    fair = stall.event
    page = client.get(f"/events/{fair.pk}/").content.decode()
    assert f'href="/fairs/{fair.pk}/"' in page
    assert client.get(f"/fairs/{fair.pk}/").status_code == 200
    other = make_event()
    assert "/fairs/" not in client.get(f"/events/{other.pk}/").content.decode()
