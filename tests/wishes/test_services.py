"""The micro-wish services: every transition, every refusal, and what each leaves behind.

A refusal must change nothing: `Snapshot` records every wish, claim, audit entry,
notification, photo and idempotency key before the call and compares afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.factories import ResidentFactory, UserFactory, grant
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, RateLimited
from weiguang.core.models import AuditEntry, IdempotencyKey, Notification
from weiguang.partners.models import PartnerKind, PartnerUnit
from weiguang.regions.models import Role
from weiguang.wishes import services, wall
from weiguang.wishes.models import (
    Channel,
    Claim,
    ClaimStatus,
    PhotoStage,
    Wish,
    WishCategory,
    WishKind,
    WishPhoto,
    WishPolicy,
    WishStatus,
)

TODAY = dt.date(2025, 6, 10)


class Snapshot:
    """Everything a wish service may write, to prove that a refusal wrote nothing."""

    def __init__(self):
        self.rows = self.take()

    @staticmethod
    def take():
        return {
            "wishes": list(Wish.objects.order_by("pk").values_list()),
            "claims": list(Claim.objects.order_by("pk").values_list()),
            "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "action", "object_id")),
            "notifications": list(
                Notification.objects.order_by("pk").values_list("pk", "recipient_id", "title")
            ),
            "photos": list(WishPhoto.objects.order_by("pk").values_list("pk")),
            "keys": list(IdempotencyKey.objects.order_by("pk").values_list("pk")),
        }

    def assert_unchanged(self):
        after = self.take()
        for name, rows in self.rows.items():
            assert after[name] == rows, f"{name} changed"


def refused(exc_type, call, **match):
    """Run `call`, expect `exc_type` (with attributes `match`), and prove nothing was written."""
    snap = Snapshot()
    with pytest.raises(exc_type) as info:
        call()
    for attr, value in match.items():
        assert getattr(info.value, attr) == value, (attr, getattr(info.value, attr))
    snap.assert_unchanged()
    return info.value


def fresh(wish: Wish) -> Wish:
    return Wish.objects.get(pk=wish.pk)


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def recipients_since(pk: int) -> set[str]:
    return set(Notification.objects.filter(pk__gt=pk).values_list("recipient__username", flat=True))


def last_notification_pk() -> int:
    last = Notification.objects.order_by("-pk").first()
    return last.pk if last else 0


def transitions_of(wish: Wish) -> list[tuple[str, str, str, str | None]]:
    return [
        (e.action, e.from_state, e.to_state, e.actor.username if e.actor else None) for e in history_of(wish)
    ]


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def june_10th(time_machine):
    """Freeze the clock at 18:00 on 10 June 2025 in Shanghai."""
    time_machine.move_to(dt.datetime(2025, 6, 10, 10, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def volunteer_resident(people, tree):
    """A resident of grid A1 who is also a volunteer of community A."""
    user = UserFactory(username="vol_resident", first_name="刘桂芳")
    grant(user, Role.VOLUNTEER, tree.community_a)
    grant(user, Role.RESIDENT, tree.grid_a1)
    resident = ResidentFactory(name="刘桂芳", grid=tree.grid_a1, user=user)
    return user, resident


# --- submit -----------------------------------------------------------------------------


class TestSubmit:
    def test_resident_posts_their_own_wish(self, people, tree):
        wish, created = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="  想要一个电饭煲 ", description="家里的坏了"
        )
        assert created
        wish = fresh(wish)
        assert wish.status == WishStatus.SUBMITTED
        assert wish.title == "想要一个电饭煲"
        assert wish.resident == people.resident
        assert wish.channel == Channel.SELF
        assert wish.created_by == people.resident_user
        assert (wish.grid, wish.community, wish.street) == (tree.grid_a1, tree.community_a, tree.street)
        assert transitions_of(wish) == [("submit", "", "submitted", "resident_a")]

    def test_staff_of_the_region_are_told_to_review(self, people):
        mark = last_notification_pk()
        services.submit_wish(people.resident_user, kind=WishKind.SERVICE, title="想理个发")
        # staff of community A and the street admin; not community B's staff, not the other street
        assert recipients_since(mark) == {"staff_a", "street_admin"}
        note = inbox(people.staff)[-1]
        assert "想理个发" in note.title
        assert note.url.startswith("/staff/wishes/")

    def test_grid_worker_records_a_wish_for_a_resident_of_their_grid(self, people):
        wish, _ = services.submit_wish(
            people.grid_worker, kind=WishKind.SERVICE, title="上门量血压", resident=people.resident
        )
        assert wish.resident == people.resident
        assert wish.channel == Channel.GRID
        assert wish.created_by == people.grid_worker

    @pytest.mark.parametrize(
        ("asked", "stored"),
        [
            (None, Channel.DESK),
            (Channel.PHONE, Channel.PHONE),
            (Channel.STALL, Channel.STALL),
            (Channel.SELF, Channel.DESK),
        ],
    )
    def test_staff_desk_channels(self, people, asked, stored):
        wish, _ = services.submit_wish(
            people.staff,
            kind=WishKind.SERVICE,
            title="修理电视",
            resident=people.other_resident,
            channel=asked,
        )
        assert wish.channel == stored
        assert wish.resident == people.other_resident

    @pytest.mark.parametrize(
        "who, for_whom",
        [
            # other_resident lives in grid A2; the grid worker walks grid A1 only
            pytest.param("grid_worker", "other_resident", id="grid_worker_of_another_grid"),
            pytest.param("staff_b", "resident", id="staff_of_another_community"),
            pytest.param("resident_user", "other_resident", id="resident_for_a_neighbour"),
        ],
    )
    def test_cannot_record_for_a_resident_out_of_reach(self, people, who, for_whom):
        refused(
            NotAllowed,
            lambda: services.submit_wish(
                getattr(people, who),
                kind=WishKind.ITEM,
                title="想要一袋大米",
                resident=getattr(people, for_whom),
            ),
        )

    def test_a_user_without_a_resident_record_must_name_the_resident(self, people):
        error = refused(
            InvalidInput,
            lambda: services.submit_wish(people.volunteer, kind=WishKind.ITEM, title="想要一袋大米"),
        )
        assert "resident_id" in error.fields

    def test_anonymous_is_refused(self, people):
        from django.contrib.auth.models import AnonymousUser

        refused(
            NotAllowed,
            lambda: services.submit_wish(AnonymousUser(), kind=WishKind.ITEM, title="想要一袋大米"),
            code="unauthenticated",
        )

    @pytest.mark.parametrize(
        ("fields", "bad_field"),
        [
            ({"kind": "money"}, "kind"),
            ({"kind": ""}, "kind"),
            ({"title": "饭"}, "title"),
            ({"title": "   "}, "title"),
            ({"title": "饭" * 61}, "title"),
            ({"description": "很" * 1001}, "description"),
            ({"kind": WishKind.SERVICE, "value": "50"}, "value"),
            ({"value": "-1"}, "value"),
            ({"value": "五十"}, "value"),
            ({"value": "NaN"}, "value"),
            ({"value": "Infinity"}, "value"),
            ({"value": "301"}, "value"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, people, fields, bad_field):
        data = {"kind": WishKind.ITEM, "title": "想要一个电饭煲", **fields}
        error = refused(InvalidInput, lambda: services.submit_wish(people.resident_user, **data))
        assert bad_field in error.fields
        assert error.status == 422
        assert error.message

    def test_bad_channel_on_behalf(self, people):
        error = refused(
            InvalidInput,
            lambda: services.submit_wish(
                people.staff,
                kind=WishKind.ITEM,
                title="想要一袋大米",
                resident=people.resident,
                channel="fax",
            ),
        )
        assert "channel" in error.fields

    def test_category_must_fit_the_kind(self, people):
        haircut = WishCategory.objects.create(name="理发", kind=WishKind.SERVICE, keywords="理发")
        error = refused(
            InvalidInput,
            lambda: services.submit_wish(
                people.resident_user, kind=WishKind.ITEM, title="想要一袋大米", category=haircut
            ),
        )
        assert "category" in error.fields

    def test_a_bad_photo_writes_nothing(self, people):
        fake = SimpleUploadedFile("a.png", b"not a picture", content_type="image/png")
        error = refused(
            InvalidInput,
            lambda: services.submit_wish(
                people.resident_user, kind=WishKind.ITEM, title="想要一袋大米", photos=[fake]
            ),
        )
        assert error.fields == {"photos": "not_image"}

    def test_photos_are_kept_with_the_wish(self, people):
        wish, _ = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一袋大米", photos=[png()]
        )
        photo = wish.photos.get()
        assert photo.stage == PhotoStage.INTAKE
        assert photo.uploaded_by == people.resident_user


class TestValue:
    @staticmethod
    def post(people, title: str, value, kind: str = WishKind.ITEM) -> Wish:
        """The resident posts a wish worth `value` yuan."""
        return services.submit_wish(people.resident_user, kind=kind, title=title, value=value)[0]

    def refusal(self, people, title: str, value, kind: str = WishKind.ITEM) -> InvalidInput:
        return refused(InvalidInput, lambda: self.post(people, title, value, kind))

    def test_value_is_only_for_items(self, people):
        assert fresh(self.post(people, "想要一个电水壶", "89.5")).value == Decimal("89.50")
        error = self.refusal(people, "上门理发", "30", kind=WishKind.SERVICE)
        assert error.fields == {"value": "not_item"}

    def test_the_default_cap_is_300_yuan(self, people):
        assert fresh(self.post(people, "想要一台电风扇", 300)).value == Decimal("300.00")
        error = self.refusal(people, "想要一台电视", "300.01")
        assert error.fields == {"value": "over_cap"}

    def test_the_cap_is_set_per_street(self, people, tree):
        WishPolicy.objects.create(street=tree.street, item_value_cap=Decimal("100"))
        error = self.refusal(people, "想要一台电风扇", 150)
        assert error.fields == {"value": "over_cap"}
        assert "100" in error.message
        self.post(people, "想要一台电风扇", 100)
        # the other street keeps the default cap
        outsider = ResidentFactory(name="孔令辉", grid=tree.other_grid)
        wish, _ = services.submit_wish(
            people.outsider_staff, kind=WishKind.ITEM, title="想要一台电风扇", value=150, resident=outsider
        )
        assert wish.value == Decimal("150.00")


class TestCategorySuggestion:
    def test_the_shipped_categories_suggest_sensibly(self, db):
        names = {
            ("想要一个电饭煲", WishKind.ITEM): "生活用品",
            ("孩子想要一个新书包", WishKind.ITEM): "学习用品",
            ("想请人推轮椅带我下楼买菜", WishKind.SERVICE): "助老助残",
            ("想请人帮忙修理电视机", WishKind.SERVICE): "维修服务",
        }
        for (text, kind), name in names.items():
            assert services.suggest_category(text, kind).name == name, text

    @pytest.fixture
    def categories(self, db):
        WishCategory.objects.all().delete()  # the migration's defaults
        return {
            "appliance": WishCategory.objects.create(
                name="家电", kind=WishKind.ITEM, keywords="电饭煲 电水壶，风扇,充电宝", ordering=1
            ),
            "food": WishCategory.objects.create(
                name="粮油", kind=WishKind.ITEM, keywords="大米 食用油 面粉", ordering=2
            ),
            "care": WishCategory.objects.create(
                name="助老服务", kind=WishKind.SERVICE, keywords="理发 体检 下楼", ordering=3
            ),
            "old": WishCategory.objects.create(
                name="停用", keywords="电饭煲 电饭煲", active=False, ordering=0
            ),
        }

    def test_keywords_suggest_the_category(self, categories):
        assert services.suggest_category("想要一个电饭煲，家里的坏了") == categories["appliance"]
        assert services.suggest_category("想要一袋大米和一桶食用油") == categories["food"]
        assert services.suggest_category("希望有人上门理发") == categories["care"]
        assert services.suggest_category("想聊聊天") is None

    def test_most_keyword_hits_wins_and_ties_go_to_the_first(self, categories):
        assert services.suggest_category("电饭煲和大米、面粉") == categories["food"]
        assert services.suggest_category("电饭煲和大米") == categories["appliance"]

    def test_kind_filters_the_suggestion_and_inactive_ones_never_suggest(self, categories):
        assert services.suggest_category("想要一个风扇", kind=WishKind.SERVICE) is None
        assert services.suggest_category("帮忙下楼理发", kind=WishKind.SERVICE) == categories["care"]

    def test_submit_fills_in_the_suggested_category(self, people, categories):
        wish, _ = services.submit_wish(people.resident_user, kind=WishKind.ITEM, title="想要一个电水壶")
        assert wish.category == categories["appliance"]

    def test_an_explicit_category_wins(self, people, categories):
        wish, _ = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一个电水壶", category=categories["food"]
        )
        assert wish.category == categories["food"]


class TestDoubleSubmit:
    def test_the_same_idempotency_key_gives_one_wish(self, people):
        first, created1 = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一个书包", idempotency_key="tap-1"
        )
        audit = AuditEntry.objects.count()
        second, created2 = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一个书包", idempotency_key="tap-1"
        )
        assert (created1, created2) == (True, False)
        assert second.pk == first.pk
        assert Wish.objects.count() == 1
        assert AuditEntry.objects.count() == audit

    def test_a_key_belongs_to_its_user(self, people):
        mine, _ = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一个书包", idempotency_key="k"
        )
        theirs, created = services.submit_wish(
            people.staff,
            kind=WishKind.ITEM,
            title="想要一袋面粉",
            resident=people.other_resident,
            idempotency_key="k",
        )
        assert created and theirs.pk != mine.pk

    def test_a_refused_submit_does_not_burn_the_key(self, people):
        refused(
            InvalidInput,
            lambda: services.submit_wish(
                people.resident_user, kind=WishKind.ITEM, title="书", idempotency_key="k2"
            ),
        )
        wish, created = services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一个书包", idempotency_key="k2"
        )
        assert created and wish.title == "想要一个书包"


class TestNearDuplicate:
    def post(self, people, **kw):
        data = {"kind": WishKind.ITEM, "title": "想要一个电饭煲", "description": "家里的电饭煲坏了"} | kw
        return services.submit_wish(people.resident_user, **data)

    def test_a_near_identical_wish_within_30_days_is_a_warning(self, people):
        first, _ = self.post(people)
        error = refused(
            Conflict, lambda: self.post(people, title="想要一个电饭煲！", description="家里电饭煲坏了")
        )
        assert error.code == "possible_duplicate"
        assert error.status == 409
        assert error.fields == {"duplicate_of": str(first.pk)}
        assert "想要一个电饭煲" in error.message

    def test_confirming_posts_it_anyway(self, people):
        first, _ = self.post(people)
        second, created = self.post(people, confirm_duplicate=True)
        assert created and second.pk != first.pk
        assert Wish.objects.filter(resident=people.resident).count() == 2

    def test_a_different_wish_is_not_a_duplicate(self, people):
        self.post(people)
        _, created = self.post(people, title="想请人上门理发", description="腿脚不便", kind=WishKind.SERVICE)
        assert created

    def test_after_30_days_it_is_fine(self, people):
        with time_machine.travel(dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC), tick=False):
            self.post(people)
        with time_machine.travel(dt.datetime(2025, 3, 30, 9, tzinfo=dt.UTC), tick=False):
            refused(Conflict, lambda: self.post(people), code="possible_duplicate")
        with time_machine.travel(dt.datetime(2025, 4, 1, 9, tzinfo=dt.UTC), tick=False):
            _, created = self.post(people)
        assert created

    def test_a_withdrawn_or_rejected_wish_does_not_count(self, people, make_wish):
        make_wish("withdrawn", title="想要一个电饭煲")
        make_wish("rejected", title="想要一个电饭煲")
        _, created = self.post(people)
        assert created

    def test_another_residents_wish_does_not_count(self, people):
        self.post(people)
        _, created = services.submit_wish(
            people.staff,
            kind=WishKind.ITEM,
            title="想要一个电饭煲",
            description="家里的电饭煲坏了",
            resident=people.other_resident,
        )
        assert created


class TestRateLimit:
    def test_self_service_posts_are_limited_per_hour(self, people, monkeypatch):
        monkeypatch.setitem(settings.WEIGUANG, "PUBLIC_SUBMISSIONS_PER_HOUR", 3)
        titles = ["想要一个书包", "想请人上门理发", "想要一袋大米", "想要一台电风扇"]
        kinds = [WishKind.ITEM, WishKind.SERVICE, WishKind.ITEM, WishKind.ITEM]
        with time_machine.travel(dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC), tick=False):
            for title, kind in zip(titles[:3], kinds, strict=False):
                services.submit_wish(people.resident_user, kind=kind, title=title)
        with time_machine.travel(dt.datetime(2025, 5, 1, 9, 30, tzinfo=dt.UTC), tick=False):
            error = refused(
                RateLimited,
                lambda: services.submit_wish(people.resident_user, kind=WishKind.ITEM, title=titles[3]),
            )
            assert error.code == "rate_limited" and error.status == 429
            # staff at a desk are not limited
            for title in titles:
                services.submit_wish(
                    people.staff, kind=WishKind.ITEM, title=title, resident=people.other_resident
                )
        with time_machine.travel(dt.datetime(2025, 5, 1, 10, 1, tzinfo=dt.UTC), tick=False):
            _, created = services.submit_wish(people.resident_user, kind=WishKind.ITEM, title=titles[3])
        assert created


# --- review -----------------------------------------------------------------------------


class TestPublish:
    def test_staff_publishes_and_the_resident_is_told(self, people, make_wish):
        wish = make_wish("submitted")
        mark = last_notification_pk()
        published = services.publish_wish(wish, people.staff, note="符合条件")
        assert fresh(wish).status == WishStatus.PUBLISHED
        assert published.published_at is not None
        assert recipients_since(mark) == {"resident_a"}
        assert inbox(people.resident_user)[-1].url == f"/wishes/{wish.pk}/"
        entry = history_of(wish).last()
        assert (entry.action, entry.from_state, entry.to_state, entry.actor, entry.note) == (
            "publish",
            "submitted",
            "published",
            people.staff,
            "符合条件",
        )

    def test_the_street_admin_may_publish(self, people, make_wish):
        assert (
            services.publish_wish(make_wish("submitted"), people.street_admin).status == WishStatus.PUBLISHED
        )

    @pytest.mark.parametrize(
        "state", ["published", "claimed", "fulfilled", "confirmed", "rejected", "withdrawn"]
    )
    def test_only_a_submitted_wish_can_be_published(self, people, make_wish, state):
        wish = make_wish(state)
        refused(
            Conflict, lambda: services.publish_wish(wish, people.staff), code="state_conflict", status=409
        )

    @pytest.mark.parametrize(
        "who", ["staff_b", "grid_worker", "volunteer", "resident_user", "outsider_staff", "stranger"]
    )
    def test_only_staff_of_the_region_publish(self, people, make_wish, who):
        wish = make_wish("submitted")
        refused(NotAllowed, lambda: services.publish_wish(wish, getattr(people, who)), status=403)


class TestReject:
    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_a_reason_is_required(self, people, make_wish, reason):
        wish = make_wish("submitted")
        error = refused(InvalidInput, lambda: services.reject_wish(wish, people.staff, reason=reason))
        assert error.fields == {"reason": "required"}

    def test_the_reason_has_a_length_limit(self, people, make_wish):
        wish = make_wish("submitted")
        error = refused(InvalidInput, lambda: services.reject_wish(wish, people.staff, reason="太" * 301))
        assert error.fields == {"reason": "too_long"}

    @pytest.mark.parametrize("state", ["submitted", "published"])
    def test_the_resident_sees_the_reason(self, people, make_wish, state):
        wish = make_wish(state)
        mark = last_notification_pk()
        services.reject_wish(wish, people.staff, reason=" 价值过高，已转为共建项目 ")
        wish = fresh(wish)
        assert wish.status == WishStatus.REJECTED
        assert wish.reject_reason == "价值过高，已转为共建项目"
        assert recipients_since(mark) == {"resident_a"}
        assert inbox(people.resident_user)[-1].body == "价值过高，已转为共建项目"
        entry = history_of(wish).last()
        assert (entry.from_state, entry.to_state, entry.note) == (
            state,
            "rejected",
            "价值过高，已转为共建项目",
        )
        assert not wall.wall_queryset(wish.community).filter(pk=wish.pk).exists()

    @pytest.mark.parametrize("state", ["claimed", "fulfilled", "confirmed", "rejected", "withdrawn"])
    def test_a_claimed_or_finished_wish_cannot_be_rejected(self, people, make_wish, state):
        wish = make_wish(state)
        refused(
            Conflict, lambda: services.reject_wish(wish, people.staff, reason="不符合"), code="state_conflict"
        )

    def test_a_volunteer_cannot_reject(self, people, make_wish):
        wish = make_wish("published")
        refused(NotAllowed, lambda: services.reject_wish(wish, people.volunteer, reason="不想做"))


# --- claims -----------------------------------------------------------------------------


@pytest.mark.usefixtures("june_10th")
class TestClaim:
    def test_a_volunteer_claims_with_the_default_date(self, people, make_wish):
        wish = make_wish("published")
        mark = last_notification_pk()
        services.claim_wish(wish, people.volunteer)
        wish = fresh(wish)
        assert wish.status == WishStatus.CLAIMED
        claim = Claim.objects.get(wish=wish)
        assert (claim.claimer, claim.partner, claim.status) == (people.volunteer, None, ClaimStatus.ACTIVE)
        assert claim.promised_date == TODAY + dt.timedelta(days=7)
        assert wish.current_claim == claim
        assert recipients_since(mark) == {"resident_a"}
        assert "2025-06-17" in inbox(people.resident_user)[-1].body
        entry = history_of(wish).last()
        assert (entry.action, entry.from_state, entry.to_state, entry.actor) == (
            "claim",
            "published",
            "claimed",
            people.volunteer,
        )
        assert entry.data == {"promised_date": "2025-06-17"}

    @pytest.mark.parametrize("promised", [TODAY, TODAY + dt.timedelta(days=60), "2025-06-20"])
    def test_promised_dates_from_today_to_60_days(self, people, make_wish, promised):
        wish = make_wish("published")
        services.claim_wish(wish, people.volunteer, promised_date=promised)
        expected = promised if isinstance(promised, dt.date) else dt.date.fromisoformat(promised)
        assert Claim.objects.get(wish=wish).promised_date == expected

    @pytest.mark.parametrize(
        ("promised", "problem"),
        [
            (TODAY - dt.timedelta(days=1), "past"),
            ("2025-06-09", "past"),
            (TODAY + dt.timedelta(days=61), "too_far"),
            ("2025-13-01", "invalid"),
            ("next week", "invalid"),
        ],
    )
    def test_bad_promised_dates(self, people, make_wish, promised, problem):
        wish = make_wish("published")
        error = refused(
            InvalidInput, lambda: services.claim_wish(wish, people.volunteer, promised_date=promised)
        )
        assert error.fields == {"promised_date": problem}

    @pytest.mark.parametrize(
        "state", ["submitted", "claimed", "fulfilled", "confirmed", "rejected", "withdrawn"]
    )
    def test_only_a_wish_on_the_wall_can_be_claimed(self, people, make_wish, state):
        wish = make_wish(state)
        refused(Conflict, lambda: services.claim_wish(wish, people.volunteer2), code="state_conflict")

    def test_a_second_claimer_gets_a_conflict(self, people, make_wish):
        wish = make_wish("published")
        services.claim_wish(wish, people.volunteer)
        error = refused(Conflict, lambda: services.claim_wish(wish, people.volunteer2))
        assert error.code == "state_conflict"
        assert Claim.objects.filter(wish=wish).count() == 1

    @pytest.mark.parametrize(
        "who", ["resident_user", "staff", "grid_worker", "outsider_volunteer", "stranger"]
    )
    def test_only_volunteers_and_partner_reps_of_the_area_claim(self, people, make_wish, who):
        wish = make_wish("published")
        refused(NotAllowed, lambda: services.claim_wish(wish, getattr(people, who)))

    def test_a_volunteer_cannot_claim_their_own_wish(self, people, volunteer_resident):
        user, resident = volunteer_resident
        wish, _ = services.submit_wish(user, kind=WishKind.SERVICE, title="想请人陪我去医院")
        wish = services.publish_wish(wish, people.staff)
        refused(NotAllowed, lambda: services.claim_wish(wish, user))

    def test_a_partner_unit_claims_through_its_representative(self, people, make_wish):
        wish = make_wish("published")
        services.claim_wish(wish, people.partner_rep, partner=people.partner, promised_date="2025-06-12")
        claim = Claim.objects.get(wish=wish)
        assert claim.partner == people.partner
        assert claim.claimer == people.partner_rep
        assert claim.claimer_label == "青岛银行八大湖支行"
        assert people.partner.name in inbox(people.resident_user)[-1].body
        # any representative of the unit may then fulfil for it
        colleague = UserFactory(username="rep2")
        people.partner.representatives.add(colleague)
        services.fulfil_wish(fresh(wish), colleague, note="银行志愿者送到家")
        assert fresh(wish).status == WishStatus.FULFILLED

    def test_a_personal_claim_is_shown_masked(self, people, make_wish):
        wish = make_wish("claimed")
        assert Claim.objects.get(wish=wish).claimer_label == "周**"

    def test_only_a_representative_claims_for_a_unit(self, people, make_wish):
        wish = make_wish("published")
        refused(NotAllowed, lambda: services.claim_wish(wish, people.volunteer, partner=people.partner))

    def test_a_unit_claims_only_in_the_area_it_serves(self, people, make_wish, tree):
        unit = PartnerUnit.objects.create(
            name="海晏理发店", kind=PartnerKind.MERCHANT, region=tree.community_b
        )
        unit.representatives.add(people.partner_rep)
        wish = make_wish("published")  # community A
        refused(NotAllowed, lambda: services.claim_wish(wish, people.partner_rep, partner=unit))
        # the same representative may still claim for a unit that serves the whole street
        services.claim_wish(wish, people.partner_rep, partner=people.partner)
        assert Claim.objects.get(wish=wish).partner == people.partner


@pytest.mark.usefixtures("june_10th")
class TestRelease:
    @pytest.mark.parametrize("who", ["volunteer", "staff", "street_admin"])
    def test_release_puts_the_wish_back_on_the_wall(self, people, make_wish, who):
        wish = make_wish("claimed")
        assert not wall.wall_queryset(wish.community, status=WishStatus.PUBLISHED).filter(pk=wish.pk).exists()
        mark = last_notification_pk()
        services.release_claim(wish, getattr(people, who), reason="临时出差")
        wish = fresh(wish)
        assert wish.status == WishStatus.PUBLISHED
        claim = Claim.objects.get(wish=wish)
        assert claim.status == ClaimStatus.RELEASED
        assert claim.ended_at is not None
        assert wish.current_claim is None
        assert recipients_since(mark) == {"vol_a", "resident_a"}
        assert inbox(people.volunteer)[-1].body == "临时出差"
        assert wall.wall_queryset(wish.community, status=WishStatus.PUBLISHED).filter(pk=wish.pk).exists()
        entry = history_of(wish).last()
        assert (entry.action, entry.from_state, entry.to_state, entry.actor) == (
            "release",
            "claimed",
            "published",
            getattr(people, who),
        )
        # and someone else can claim it now
        services.claim_wish(wish, people.volunteer2)
        assert fresh(wish).current_claim.claimer == people.volunteer2
        assert Claim.objects.filter(wish=wish).count() == 2

    @pytest.mark.parametrize(
        "who", ["volunteer2", "resident_user", "grid_worker", "staff_b", "outsider_staff"]
    )
    def test_others_cannot_release(self, people, make_wish, who):
        wish = make_wish("claimed")
        refused(NotAllowed, lambda: services.release_claim(wish, getattr(people, who)))

    @pytest.mark.parametrize("state", ["published", "fulfilled"])
    def test_release_needs_an_active_claim(self, people, make_wish, state):
        wish = make_wish(state)
        refused(Conflict, lambda: services.release_claim(wish, people.staff), code="state_conflict")


@pytest.mark.usefixtures("june_10th")
class TestWithdraw:
    def test_withdrawing_a_claimed_wish_cancels_the_claim_and_tells_the_claimer(self, people, make_wish):
        wish = make_wish("claimed")
        mark = last_notification_pk()
        services.withdraw_wish(wish, people.resident_user, reason="孩子已经买了")
        wish = fresh(wish)
        assert wish.status == WishStatus.WITHDRAWN
        claim = Claim.objects.get(wish=wish)
        assert (claim.status, claim.ended_at is not None) == (ClaimStatus.CANCELLED, True)
        assert recipients_since(mark) == {"vol_a"}
        assert "想要一个电饭煲" in inbox(people.volunteer)[-1].title
        entry = history_of(wish).last()
        assert (entry.action, entry.from_state, entry.to_state, entry.note) == (
            "withdraw",
            "claimed",
            "withdrawn",
            "孩子已经买了",
        )
        assert not wall.wall_queryset(wish.street).filter(pk=wish.pk).exists()

    @pytest.mark.parametrize("state", ["submitted", "published"])
    def test_withdraw_before_a_claim_notifies_nobody(self, people, make_wish, state):
        wish = make_wish(state)
        mark = last_notification_pk()
        services.withdraw_wish(wish, people.resident_user)
        assert fresh(wish).status == WishStatus.WITHDRAWN
        assert recipients_since(mark) == set()

    def test_staff_withdraw_on_the_residents_behalf(self, people, make_wish):
        wish = make_wish("published")
        services.withdraw_wish(wish, people.staff, reason="电话告知不需要了")
        assert fresh(wish).status == WishStatus.WITHDRAWN

    @pytest.mark.parametrize("state", ["fulfilled", "confirmed", "rejected", "withdrawn"])
    def test_too_late_to_withdraw(self, people, make_wish, state):
        wish = make_wish(state)
        refused(Conflict, lambda: services.withdraw_wish(wish, people.resident_user), code="state_conflict")

    @pytest.mark.parametrize("who", ["volunteer", "grid_worker", "staff_b", "stranger"])
    def test_others_cannot_withdraw(self, people, make_wish, who):
        wish = make_wish("claimed")
        refused(NotAllowed, lambda: services.withdraw_wish(wish, getattr(people, who)))


@pytest.mark.usefixtures("june_10th")
class TestFulfil:
    @pytest.mark.parametrize(
        ("note", "problem"), [("", "required"), ("  ", "required"), ("好" * 1001, "too_long")]
    )
    def test_a_note_is_required(self, people, make_wish, note, problem):
        wish = make_wish("claimed")
        error = refused(InvalidInput, lambda: services.fulfil_wish(wish, people.volunteer, note=note))
        assert error.fields == {"note": problem}

    def test_the_claimer_fulfils_with_a_note_and_photos(self, people, make_wish):
        wish = make_wish("claimed")
        mark = last_notification_pk()
        services.fulfil_wish(
            wish, people.volunteer, note=" 电饭煲已送到家 ", photos=[png("a.png"), png("b.png")]
        )
        wish = fresh(wish)
        assert wish.status == WishStatus.FULFILLED
        assert wish.fulfil_note == "电饭煲已送到家"
        assert wish.fulfilled_at is not None
        assert Claim.objects.get(wish=wish).status == ClaimStatus.DONE
        assert wish.photos.filter(stage=PhotoStage.FULFIL, uploaded_by=people.volunteer).count() == 2
        assert recipients_since(mark) == {"resident_a"}
        assert inbox(people.resident_user)[-1].body == "电饭煲已送到家"
        assert transitions_of(wish)[-1] == ("fulfil", "claimed", "fulfilled", "vol_a")

    def test_a_bad_photo_refuses_the_fulfilment(self, people, make_wish):
        wish = make_wish("claimed")
        bad = SimpleUploadedFile("x.png", b"GIF89a-not-really", content_type="image/png")
        refused(
            InvalidInput, lambda: services.fulfil_wish(wish, people.volunteer, note="已送到", photos=[bad])
        )

    @pytest.mark.parametrize("who", ["volunteer2", "staff", "street_admin", "resident_user"])
    def test_only_the_claimer_fulfils(self, people, make_wish, who):
        wish = make_wish("claimed")
        refused(NotAllowed, lambda: services.fulfil_wish(wish, getattr(people, who), note="已送到"))

    def test_fulfilling_twice_is_a_conflict(self, people, make_wish):
        wish = make_wish("fulfilled")
        refused(
            Conflict,
            lambda: services.fulfil_wish(wish, people.volunteer, note="再送一次"),
            code="state_conflict",
        )


@pytest.mark.usefixtures("june_10th")
class TestConfirm:
    @pytest.mark.parametrize("rating", [1, 5, "3", None, ""])
    def test_the_resident_confirms_with_an_optional_rating(self, people, make_wish, rating):
        wish = make_wish("fulfilled")
        mark = last_notification_pk()
        services.confirm_wish(wish, people.resident_user, thanks="谢谢小周！", rating=rating)
        wish = fresh(wish)
        assert wish.status == WishStatus.CONFIRMED
        assert wish.rating == (int(rating) if rating not in (None, "") else None)
        assert wish.thanks == "谢谢小周！"
        assert wish.confirmed_at is not None
        assert recipients_since(mark) == {"vol_a"}
        assert inbox(people.volunteer)[-1].body == "谢谢小周！"
        assert Claim.objects.get(wish=wish).status == ClaimStatus.DONE
        assert transitions_of(wish)[-1] == ("confirm", "fulfilled", "confirmed", "resident_a")

    @pytest.mark.parametrize("rating", [0, 6, -1, "five", "4.5", 3.7])
    def test_the_rating_is_one_to_five_stars(self, people, make_wish, rating):
        wish = make_wish("fulfilled")
        error = refused(
            InvalidInput, lambda: services.confirm_wish(wish, people.resident_user, rating=rating)
        )
        assert error.fields == {"rating": "invalid"}

    def test_thanks_have_a_length_limit(self, people, make_wish):
        wish = make_wish("fulfilled")
        error = refused(
            InvalidInput, lambda: services.confirm_wish(wish, people.resident_user, thanks="谢" * 301)
        )
        assert error.fields == {"thanks": "too_long"}

    def test_staff_confirm_on_the_residents_behalf(self, people, make_wish):
        wish = make_wish("fulfilled")
        services.confirm_wish(wish, people.staff, rating=4)
        assert fresh(wish).status == WishStatus.CONFIRMED
        assert transitions_of(wish)[-1][3] == "staff_a"

    @pytest.mark.parametrize("who", ["volunteer", "grid_worker", "staff_b", "outsider_staff"])
    def test_the_claimer_and_outsiders_cannot_confirm(self, people, make_wish, who):
        wish = make_wish("fulfilled")
        refused(NotAllowed, lambda: services.confirm_wish(wish, getattr(people, who), rating=5))

    @pytest.mark.parametrize("state", ["published", "claimed", "confirmed"])
    def test_only_a_fulfilled_wish_can_be_confirmed(self, people, make_wish, state):
        wish = make_wish(state)
        refused(Conflict, lambda: services.confirm_wish(wish, people.resident_user), code="state_conflict")


# --- the whole life, audit, cache -------------------------------------------------------


@time_machine.travel(dt.datetime(2025, 6, 10, 10, tzinfo=dt.UTC), tick=False)
def test_every_transition_leaves_one_audit_entry(people, make_wish):
    wish = make_wish("confirmed")
    assert transitions_of(wish) == [
        ("submit", "", "submitted", "resident_a"),
        ("publish", "submitted", "published", "staff_a"),
        ("claim", "published", "claimed", "vol_a"),
        ("fulfil", "claimed", "fulfilled", "vol_a"),
        ("confirm", "fulfilled", "confirmed", "resident_a"),
    ]
    assert history_of(wish).last().data == {"rating": 5}


def test_a_committed_transition_invalidates_the_wall_cache(
    people, make_wish, tree, django_capture_on_commit_callbacks
):
    wish = make_wish("submitted")
    before = wall.version(tree.street.pk)
    other = wall.version(tree.other_street.pk)
    assert wall.version(tree.street.pk) == before  # stable while nothing changes
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.publish_wish(wish, people.staff)
    assert callbacks
    after = wall.version(tree.street.pk)
    assert after != before
    assert wall.version(tree.other_street.pk) == other
    # a refused transition commits nothing and leaves the cache alone
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict):
        services.publish_wish(wish, people.staff)
    assert wall.version(tree.street.pk) == after


def test_an_uncommitted_transition_keeps_the_cache(
    people, make_wish, tree, django_capture_on_commit_callbacks
):
    wish = make_wish("published")
    before = wall.version(tree.street.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.claim_wish(wish, people.volunteer)
    assert callbacks  # the wall's bump waits for the commit (beside closing invitations)
    assert wall.version(tree.street.pk) == before
    for callback in callbacks:
        callback()
    assert wall.version(tree.street.pk) != before


def test_every_transition_changes_the_wall_version(
    people, make_wish, tree, django_capture_on_commit_callbacks
):
    wish = make_wish("submitted")
    seen = {wall.version(tree.street.pk)}
    steps = [
        lambda w: services.publish_wish(w, people.staff),
        lambda w: services.claim_wish(w, people.volunteer),
        lambda w: services.release_claim(w, people.volunteer),
        lambda w: services.claim_wish(w, people.volunteer2),
        lambda w: services.fulfil_wish(w, people.volunteer2, note="修好了"),
        lambda w: services.confirm_wish(w, people.resident_user),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            wish = step(wish)
        seen.add(wall.version(tree.street.pk))
    assert len(seen) == len(steps) + 1


# --- queries ----------------------------------------------------------------------------


def test_contact_details_only_for_the_claimer_the_resident_and_staff(people, make_wish):
    wish = make_wish("published")
    assert not services.can_see_contact(people.volunteer, wish)
    services.claim_wish(wish, people.volunteer)
    wish = fresh(wish)
    seeing = {
        name
        for name in [
            "volunteer",
            "volunteer2",
            "staff",
            "street_admin",
            "staff_b",
            "resident_user",
            "grid_worker",
            "stranger",
        ]
        if services.can_see_contact(getattr(people, name), wish)
    }
    assert seeing == {"volunteer", "staff", "street_admin", "resident_user"}
    services.release_claim(wish, people.volunteer)
    assert not services.can_see_contact(people.volunteer, fresh(wish))


def test_my_claims_lists_the_volunteers_claims_newest_first(people, make_wish):
    first = make_wish("claimed", title="想要一个书包")
    services.release_claim(first, people.volunteer)
    second = make_wish("claimed", title="想请人上门理发", kind=WishKind.SERVICE)
    claims = list(services.my_claims(people.volunteer))
    assert [(c.wish_id, c.status) for c in claims] == [(second.pk, "active"), (first.pk, "released")]
    assert list(services.my_claims(people.volunteer2)) == []


def test_region_wishes_are_scoped(people, make_wish, tree):
    mine = make_wish("submitted")
    other = make_wish("submitted", title="想要一袋大米", resident=people.other_resident)  # grid A2
    assert set(services.region_wishes(people.staff)) == {mine, other}
    assert set(services.region_wishes(people.grid_worker)) == {mine}
    assert set(services.region_wishes(people.staff_b)) == set()
    assert set(services.region_wishes(people.volunteer)) == set()


def test_timezone_is_local_for_the_default_promised_date(people, make_wish):
    # 23:30 UTC on 9 June is already 10 June in Shanghai.
    with time_machine.travel(dt.datetime(2025, 6, 9, 23, 30, tzinfo=dt.UTC), tick=False):
        wish = make_wish("claimed")
        assert timezone.localdate() == TODAY
    assert Claim.objects.get(wish=wish).promised_date == TODAY + dt.timedelta(days=7)
