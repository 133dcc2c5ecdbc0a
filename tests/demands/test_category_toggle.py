"""Deactivating and reactivating a category goes through core.transitions.perform (CATEGORY_TOGGLES):
the same audit verbs as before, a lock, and a conflict when the state changed underneath."""

from __future__ import annotations

import pytest

from weiguang.core.errors import Conflict, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.core.transitions import perform
from weiguang.demands import configure
from weiguang.demands.models import DemandCategory

pytestmark = pytest.mark.django_db


def entries(category: DemandCategory):
    return list(
        AuditEntry.objects.filter(content_type__model="demandcategory", object_id=str(category.pk))
        .exclude(action="category.add")
        .order_by("id")
        .values_list("action", "actor", "data")
    )


def test_deactivating_a_top_category_and_reactivating_it_write_one_entry_each(people):
    admin = people.street_admin
    repair = configure.add_category(admin, name="设施维修")
    light = configure.add_category(admin, name="路灯", parent=repair)
    repair = configure.set_category_active(admin, repair, False)
    assert not repair.active and not DemandCategory.objects.get(pk=light.pk).active
    repair = configure.set_category_active(admin, repair, True)
    assert repair.active and not DemandCategory.objects.get(pk=light.pk).active
    assert entries(repair) == [
        ("category.deactivate", admin.pk, {"subcategories": [light.pk]}),
        ("category.activate", admin.pk, {"subcategories": []}),
    ]
    assert entries(light) == []  # the subcategories went with their parent's entry
    entry = AuditEntry.objects.filter(action="category.deactivate").get()
    assert (entry.from_state, entry.to_state) == ("True", "False")


def test_asking_for_the_state_it_is_in_changes_and_writes_nothing(people):
    admin = people.street_admin
    repair = configure.add_category(admin, name="设施维修")
    before = AuditEntry.objects.count()
    assert configure.set_category_active(admin, repair, True).active
    assert AuditEntry.objects.count() == before


def test_a_stale_toggle_is_a_conflict_and_writes_nothing(people):
    admin = people.street_admin
    repair = configure.add_category(admin, name="设施维修")
    stale = DemandCategory.objects.get(pk=repair.pk)
    configure.set_category_active(admin, repair, False)  # someone else was first
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as e:
        perform(stale, "category.deactivate", admin)
    assert e.value.code == "state_conflict"
    assert AuditEntry.objects.count() == before and not DemandCategory.objects.get(pk=repair.pk).active


def test_a_subcategory_of_an_inactive_category_is_refused_without_an_entry(people):
    admin = people.street_admin
    repair = configure.add_category(admin, name="设施维修")
    light = configure.add_category(admin, name="路灯", parent=repair)
    configure.set_category_active(admin, repair, False)
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as e:
        configure.set_category_active(admin, light, True)
    assert e.value.code == "inactive_parent"
    assert AuditEntry.objects.count() == before


def test_only_a_street_admin_toggles(people):
    repair = configure.add_category(people.street_admin, name="设施维修")
    for user in (people.staff, people.grid_worker, people.resident_user):
        with pytest.raises(NotAllowed):
            configure.set_category_active(user, repair, False)
        with pytest.raises(NotAllowed):
            perform(repair, "category.deactivate", user)
    assert DemandCategory.objects.get(pk=repair.pk).active
