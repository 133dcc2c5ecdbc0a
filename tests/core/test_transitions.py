"""The one transition helper: permission, state, side effects, audit and hooks, all or nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, NotAllowed
from weiguang.core.models import AuditEntry, Notification
from weiguang.core.notifications import notify
from weiguang.core.transitions import SYSTEM, perform
from weiguang.wishes.models import WISH_TRANSITIONS, Claim, Wish, WishStatus


def names(transitions) -> set[str]:
    return {t.name for t in transitions}


class TestAvailable:
    """What buttons a person sees: the transitions they may start from the current state."""

    @pytest.mark.parametrize(
        ("state", "who", "expected"),
        [
            ("submitted", "staff", {"publish", "reject", "withdraw", "convert"}),
            ("submitted", "street_admin", {"publish", "reject", "withdraw", "convert"}),
            ("submitted", "resident_user", {"withdraw"}),
            ("submitted", "volunteer", set()),
            ("submitted", "staff_b", set()),
            ("published", "volunteer", {"claim"}),
            ("published", "partner_rep", {"claim"}),
            ("published", "staff", {"reject", "withdraw", "convert"}),
            ("published", "outsider_volunteer", set()),
            ("claimed", "volunteer", {"release", "fulfil"}),
            ("claimed", "volunteer2", set()),
            ("claimed", "staff", {"release", "withdraw"}),
            ("claimed", "resident_user", {"withdraw"}),
            ("fulfilled", "resident_user", {"confirm", "dispute"}),
            ("fulfilled", "staff", {"confirm", "dispute"}),
            ("fulfilled", "volunteer", set()),
            ("confirmed", "staff", set()),
            ("rejected", "staff", set()),
            ("withdrawn", "resident_user", set()),
        ],
    )
    def test_buttons_per_state_and_person(self, people, make_wish, state, who, expected):
        wish = make_wish(state)
        assert names(WISH_TRANSITIONS.available(wish, getattr(people, who))) == expected

    def test_nobody_is_offered_the_system_only_expiry(self, people, make_wish):
        wish = make_wish("claimed")
        for user in [people.street_admin, people.staff, people.volunteer]:
            assert "expire" not in names(WISH_TRANSITIONS.available(wish, user))

    def test_anonymous_gets_no_buttons(self, make_wish):
        assert WISH_TRANSITIONS.available(make_wish("published"), AnonymousUser()) == []


class TestPerform:
    def test_success_changes_state_and_writes_one_audit_entry(self, people, make_wish):
        wish = make_wish("submitted")
        before = AuditEntry.objects.count()
        result = perform(wish, "publish", people.staff, note="ok", audit={"desk": "A"})
        assert result.status == WishStatus.PUBLISHED
        assert Wish.objects.get(pk=wish.pk).status == WishStatus.PUBLISHED
        assert AuditEntry.objects.count() == before + 1
        entry = history_of(wish).last()
        assert (entry.action, entry.actor, entry.from_state, entry.to_state, entry.note, entry.data) == (
            "publish",
            people.staff,
            "submitted",
            "published",
            "ok",
            {"desk": "A"},
        )

    def test_the_system_acts_without_an_actor(self, people, make_wish):
        wish = make_wish("claimed")
        perform(wish, "expire", SYSTEM)
        entry = history_of(wish).last()
        assert (entry.action, entry.actor, entry.from_state, entry.to_state) == (
            "expire",
            None,
            "claimed",
            "published",
        )

    @pytest.mark.parametrize("who", ["street_admin", "staff", "volunteer"])
    def test_a_system_only_transition_refuses_every_person(self, people, make_wish, who):
        wish = make_wish("claimed")
        with pytest.raises(NotAllowed):
            perform(wish, "expire", getattr(people, who))
        assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED

    def test_wrong_state_is_a_conflict_with_a_stable_code(self, people, make_wish):
        wish = make_wish("published")
        before = AuditEntry.objects.count()
        with pytest.raises(Conflict) as info:
            perform(wish, "publish", people.staff)
        assert (info.value.code, info.value.status) == ("state_conflict", 409)
        assert info.value.message
        assert AuditEntry.objects.count() == before

    def test_permission_is_checked_before_state(self, people, make_wish):
        """A stranger learns nothing about the state of a wish they may not touch."""
        wish = make_wish("confirmed")
        with pytest.raises(NotAllowed):
            perform(wish, "publish", people.volunteer)

    def test_the_database_state_decides_not_a_stale_object(self, people, make_wish):
        wish = make_wish("submitted")
        stale = Wish.objects.get(pk=wish.pk)
        perform(wish, "publish", people.staff)
        assert stale.status == WishStatus.SUBMITTED
        with pytest.raises(Conflict):
            perform(stale, "publish", people.street_admin)
        assert history_of(wish).filter(action="publish").count() == 1

    def test_an_inactive_user_may_do_nothing(self, people, make_wish):
        wish = make_wish("submitted")
        people.staff.is_active = False
        people.staff.save()
        with pytest.raises(NotAllowed):
            perform(wish, "publish", people.staff)

    def test_a_refusing_check_writes_nothing_and_skips_apply(self, people, make_wish):
        wish = make_wish("submitted")
        before = (AuditEntry.objects.count(), Notification.objects.count())
        applied = []

        def check(locked):
            assert locked.status == WishStatus.SUBMITTED
            raise NotAllowed("no")

        with pytest.raises(NotAllowed):
            perform(wish, "publish", people.staff, check=check, apply=applied.append)
        assert applied == []
        assert (AuditEntry.objects.count(), Notification.objects.count()) == before
        assert Wish.objects.get(pk=wish.pk).status == WishStatus.SUBMITTED

    def test_a_failing_side_effect_rolls_back_everything(self, people, make_wish):
        wish = make_wish("published")
        before = (AuditEntry.objects.count(), Notification.objects.count(), Claim.objects.count())

        def apply(locked):
            Claim.objects.create(wish=locked, claimer=people.volunteer, promised_date="2030-01-01")
            notify([people.resident_user], "claimed")
            locked.title = "changed"
            raise RuntimeError("printer on fire")

        with pytest.raises(RuntimeError):
            perform(wish, "claim", people.volunteer, apply=apply)
        fresh = Wish.objects.get(pk=wish.pk)
        assert (fresh.status, fresh.title) == (WishStatus.PUBLISHED, wish.title)
        assert (AuditEntry.objects.count(), Notification.objects.count(), Claim.objects.count()) == before

    def test_apply_sees_the_locked_row_and_its_changes_are_saved(self, people, make_wish):
        wish = make_wish("submitted")

        def apply(locked):
            assert locked is not wish
            locked.reject_reason = "set by apply"

        perform(wish, "reject", people.staff, apply=apply)
        assert Wish.objects.get(pk=wish.pk).reject_reason == "set by apply"


class TestHooks:
    def test_hooks_run_after_commit_with_the_new_state(
        self, people, make_wish, monkeypatch, django_capture_on_commit_callbacks
    ):
        calls = []
        monkeypatch.setattr(
            WISH_TRANSITIONS,
            "on_commit",
            [*WISH_TRANSITIONS.on_commit, lambda w, a: calls.append((w.pk, w.status, a))],
        )
        wish = make_wish("submitted")
        with django_capture_on_commit_callbacks(execute=False) as pending:
            perform(wish, "publish", people.staff)
        assert calls == []  # nothing before the commit
        for callback in pending:
            callback()
        assert calls == [(wish.pk, "published", "publish")]

    def test_no_hook_for_a_refused_transition(
        self, people, make_wish, monkeypatch, django_capture_on_commit_callbacks
    ):
        calls = []
        monkeypatch.setattr(WISH_TRANSITIONS, "on_commit", [lambda w, a: calls.append(a)])
        wish = make_wish("published")
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
            perform(wish, "publish", people.staff)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
            perform(wish, "claim", people.staff)
        assert calls == []

    def test_the_wall_is_registered_as_a_hook(self):
        from weiguang.wishes import wall

        assert wall.invalidate_for in WISH_TRANSITIONS.on_commit
