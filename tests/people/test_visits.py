"""A grid worker's note of a home visit (people.VisitNote): who may write and read it, what a
bad note is told, and the resident's rights over it (their data, its erasure)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.accounts import personal_data as pd
from weiguang.accounts.models import Account
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.people import services
from weiguang.people.models import VisitNote

pytestmark = pytest.mark.django_db


def visit(by, resident, note="身体还好，药按时吃", **kw):
    return services.record_visit(by, resident=resident, visited_on=timezone.localdate(), note=note, **kw)


def test_the_grid_worker_notes_a_visit_and_the_grid_reads_it(people):
    note = visit(people.grid_worker, people.resident, follow_up=True)
    assert note.grid == people.tree.grid_a1 and note.created_by == people.grid_worker and note.follow_up
    for reader in (people.grid_worker, people.staff, people.street_admin):
        assert list(services.visit_notes_of(reader, people.resident)) == [note]
    for stranger in (people.staff_b, people.outsider_staff, people.outsider_grid_worker, people.volunteer):
        assert not VisitNote.objects.restrict(stranger, "visit.view").exists()
    # the resident's own account does not read the workers' notes in the lists (their data has them)
    assert not VisitNote.objects.restrict(people.resident_user, "visit.view").exists()


@pytest.mark.parametrize("who", ["outsider_grid_worker", "outsider_staff", "volunteer", "resident_user"])
def test_only_the_residents_grid_and_staff_note_visits(people, who):
    with pytest.raises(NotAllowed):
        visit(getattr(people, who), people.resident)
    with pytest.raises(NotAllowed):  # 陈桂兰 lives in grid A2, not the grid worker's
        visit(people.grid_worker, people.other_resident)
    assert not VisitNote.objects.exists()


def test_a_bad_note_is_refused_on_its_fields(people):
    with pytest.raises(InvalidInput) as refused:
        services.record_visit(
            people.grid_worker, resident=people.resident, visited_on=timezone.localdate() - dt.timedelta(days=61),
            note=" ", follow_up=False,
        )  # fmt: skip
    assert set(refused.value.fields) == {"visited_on", "note"}
    with pytest.raises(InvalidInput) as refused:
        visit(people.grid_worker, people.resident, note="好" * 2001)
    assert set(refused.value.fields) == {"note"}
    assert not VisitNote.objects.exists()


def test_the_resident_sees_the_visits_in_their_data_and_erasure_masks_their_phone(people):
    Account.objects.create(user=people.resident_user, phone="13912345678")
    visit(people.grid_worker, people.resident, note="女儿电话 139 1234 5678 不对，已改")
    (row,) = [s for s in pd.personal_data(people.resident_user) if s["key"] == "visits"][0]["rows"]
    assert row["note"] == "女儿电话 139 1234 5678 不对，已改" and row["follow_up"] is False
    pd.carry_out(pd.request_deletion(people.resident_user, "不再使用"), people.staff)
    assert VisitNote.objects.get().note == "女儿电话 139****5678 不对，已改"


def test_the_residents_record_shows_the_visits_to_staff(client, people):
    visit(people.grid_worker, people.resident, note="门口有积水，需要再来看看", follow_up=True)
    client.force_login(people.staff)
    page = client.get(f"/staff/residents/{people.resident.pk}/").content.decode()
    assert "门口有积水，需要再来看看" in page and "需要再次走访" in page
    client.force_login(people.staff_b)  # another community's staff: not their record
    assert client.get(f"/staff/residents/{people.resident.pk}/").status_code == 404
