"""The periodic job: claims past their promised date go back to the wall, the claimer and
staff are told, and running it again (or twice at once) changes nothing more."""

from __future__ import annotations

import datetime as dt

import pytest

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict
from weiguang.core.models import AuditEntry, Notification
from weiguang.wishes import services, tasks, wall
from weiguang.wishes.models import Claim, ClaimStatus, Wish, WishKind, WishStatus

CLAIMED_ON = dt.datetime(2025, 6, 10, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
PROMISED = dt.date(2025, 6, 12)


def at(time_machine, day: dt.date, hour: int = 9):
    """Move the clock to `hour` o'clock Shanghai time on `day`."""
    shanghai = dt.timezone(dt.timedelta(hours=8))
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, hour, tzinfo=shanghai), tick=False)


@pytest.fixture
def claimed(people, make_wish, time_machine):
    time_machine.move_to(CLAIMED_ON, tick=False)
    wish = make_wish("published")
    return services.claim_wish(wish, people.volunteer, promised_date=PROMISED)


def test_a_claim_is_not_overdue_on_its_promised_day(claimed, time_machine):
    at(time_machine, PROMISED, hour=23)
    assert services.expire_overdue_claims() == 0
    assert Wish.objects.get(pk=claimed.pk).status == WishStatus.CLAIMED


def test_the_day_after_the_promise_the_wish_goes_back_on_the_wall(people, claimed, time_machine):
    at(time_machine, PROMISED + dt.timedelta(days=1), hour=0)
    mark = Notification.objects.order_by("-pk").first().pk
    assert services.expire_overdue_claims() == 1
    wish = Wish.objects.get(pk=claimed.pk)
    assert wish.status == WishStatus.PUBLISHED
    assert wall.wall_queryset(wish.community, status=WishStatus.PUBLISHED).filter(pk=wish.pk).exists()
    claim = Claim.objects.get(wish=wish)
    assert claim.status == ClaimStatus.EXPIRED
    assert claim.ended_at is not None
    told = Notification.objects.filter(pk__gt=mark)
    assert set(told.values_list("recipient__username", flat=True)) == {"vol_a", "staff_a", "street_admin"}
    assert all(n.url == f"/wishes/{wish.pk}/" and wish.title in n.title for n in told)
    entry = history_of(wish).last()
    assert (entry.action, entry.actor, entry.from_state, entry.to_state) == (
        "expire",
        None,
        "claimed",
        "published",
    )


def test_the_job_is_idempotent(claimed, time_machine):
    at(time_machine, PROMISED + dt.timedelta(days=3))
    assert services.expire_overdue_claims() == 1
    counts = (AuditEntry.objects.count(), Notification.objects.count(), Claim.objects.count())
    assert services.expire_overdue_claims() == 0
    assert services.expire_overdue_claims() == 0
    assert (AuditEntry.objects.count(), Notification.objects.count(), Claim.objects.count()) == counts


def test_only_overdue_claims_are_released(people, claimed, make_wish, time_machine):
    later = services.claim_wish(
        make_wish("published", title="想请人上门理发", kind=WishKind.SERVICE),
        people.volunteer2,
        promised_date=PROMISED + dt.timedelta(days=5),
    )
    done = make_wish("fulfilled", title="想要一袋大米")  # a done claim is never expired
    at(time_machine, PROMISED + dt.timedelta(days=2))
    assert services.expire_overdue_claims() == 1
    statuses = dict(Wish.objects.filter(pk__in=[claimed.pk, later.pk, done.pk]).values_list("pk", "status"))
    assert statuses == {claimed.pk: "published", later.pk: "claimed", done.pk: "fulfilled"}


def test_the_wish_can_be_claimed_again_after_expiry(people, claimed, time_machine):
    at(time_machine, PROMISED + dt.timedelta(days=1))
    services.expire_overdue_claims()
    services.claim_wish(Wish.objects.get(pk=claimed.pk), people.volunteer2)
    assert list(Claim.objects.filter(wish=claimed).order_by("pk").values_list("status", flat=True)) == [
        "expired",
        "active",
    ]


def test_a_claim_renewed_after_the_listing_is_left_alone(people, claimed, time_machine, monkeypatch):
    """The job lists overdue claims, then locks each wish. If meanwhile the claimer released
    and someone else claimed it afresh, the new claim is not overdue and must survive."""
    at(time_machine, PROMISED + dt.timedelta(days=1))
    stale = Claim.objects.filter(pk=Claim.objects.get(wish=claimed).pk)
    real_listing = services.overdue_claims

    def listing_then_race(today=None):
        wish_ids = list(real_listing(today).values_list("wish_id", flat=True))
        assert wish_ids == [claimed.pk]
        services.release_claim(Wish.objects.get(pk=claimed.pk), people.volunteer)
        services.claim_wish(Wish.objects.get(pk=claimed.pk), people.volunteer2)
        return stale  # what the job had already read

    monkeypatch.setattr(services, "overdue_claims", listing_then_race)
    assert services.expire_overdue_claims() == 0
    wish = Wish.objects.get(pk=claimed.pk)
    assert wish.status == WishStatus.CLAIMED
    assert wish.current_claim.claimer == people.volunteer2
    assert wish.current_claim.status == ClaimStatus.ACTIVE
    assert not history_of(wish).filter(action="expire").exists()


def test_expiring_a_claim_that_is_not_overdue_is_refused(claimed, time_machine):
    at(time_machine, PROMISED)
    with pytest.raises(Conflict) as info:
        services.expire_claim(Wish.objects.get(pk=claimed.pk))
    assert info.value.code == "not_overdue"
    assert Claim.objects.get(wish=claimed).status == ClaimStatus.ACTIVE


def test_a_released_wish_is_skipped(people, claimed, time_machine):
    at(time_machine, PROMISED + dt.timedelta(days=1))
    services.release_claim(claimed, people.volunteer)
    assert services.expire_overdue_claims() == 0
    with pytest.raises(Conflict) as info:
        services.expire_claim(Wish.objects.get(pk=claimed.pk))
    assert info.value.code == "state_conflict"


def test_the_background_task_runs_the_job(claimed, time_machine):
    at(time_machine, PROMISED + dt.timedelta(days=1))
    result = tasks.expire_overdue_claims.enqueue()
    assert result.return_value == 1
    assert Wish.objects.get(pk=claimed.pk).status == WishStatus.PUBLISHED
