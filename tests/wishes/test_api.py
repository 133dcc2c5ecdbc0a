"""The micro-wish API, as a client sees it: every endpoint, every refusal, the permission
matrix (each role x a wish inside / outside their region), idempotency and privacy."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from weiguang.core.models import ApiToken
from weiguang.people.models import PopulationGroup
from weiguang.regions.models import Role
from weiguang.wishes import services
from weiguang.wishes.models import Claim, ClaimStatus, Wish, WishCategory, WishPhoto, WishStatus

from ..factories import PartnerFactory, ResidentFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

WISHES = "/api/v1/wishes"
ACTIONS = ["publish", "reject", "claim", "release", "fulfil", "confirm", "withdraw"]


# --- helpers -----------------------------------------------------------------------------


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, user=None, data=None, **extra):
    headers = auth(user) if user is not None else {}
    return client.post(
        url, data if data is not None else {}, content_type="application/json", **headers, **extra
    )


def get(client, url, user=None, **params):
    headers = auth(user) if user is not None else {}
    return client.get(url, params, **headers)


def act(client, wish, action, user=None, data=None):
    return post(client, f"{WISHES}/{wish.pk}/{action}", user, data)


def assert_error(response, status: int, code: str, *fields: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip()
    for field in fields:
        assert field in body.get("errors", {}), body
        assert body["errors"][field].strip()
    return body


def text_of(response) -> str:
    """The raw body, plus the same JSON with non-ASCII unescaped, so that a search for a
    name finds it whichever way the renderer wrote it."""
    raw = response.content.decode()
    return raw + "\n" + json.dumps(json.loads(raw), ensure_ascii=False)


def status_of(wish) -> str:
    return Wish.objects.get(pk=wish.pk).status


def png(name: str = "done.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def neighbour(people, tree):
    """Another resident with an account, in the same grid as people.resident."""
    user = UserFactory(username="neighbour", first_name="刘淑珍")
    grant(user, Role.RESIDENT, tree.grid_a1)
    ResidentFactory(name="刘淑珍", grid=tree.grid_a1, user=user)
    return user


@pytest.fixture
def wish_b(people, tree):
    """A published wish of a resident of community B (same street, other community)."""

    def make(status: str = "published"):
        resident = ResidentFactory(name="钱玉兰", grid=tree.grid_b1, phone="13700001111")
        wish, _ = services.submit_wish(
            people.street_admin, kind="service", title="想请人修一下水龙头", resident=resident
        )
        if status != "submitted":
            wish = services.publish_wish(wish, people.street_admin)
        return wish

    return make


# --- listing -----------------------------------------------------------------------------


def test_anonymous_list_shows_only_wall_wishes_and_never_identity(client, people, make_wish):
    titles = {}
    for status in ["submitted", "published", "claimed", "fulfilled", "confirmed", "rejected", "withdrawn"]:
        titles[status] = make_wish(status, title=f"心愿{status}").title

    response = get(client, WISHES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert {item["status"] for item in body["items"]} == {"published", "claimed", "fulfilled", "confirmed"}
    raw = text_of(response)
    assert "王阿姨" in raw and "七星里社区" in raw  # the search below does see Chinese text
    for hidden in ["submitted", "rejected", "withdrawn"]:
        assert titles[hidden] not in raw
    resident = people.resident
    for secret in [
        resident.name,
        resident.phone,
        resident.id_number,
        resident.door,
        people.volunteer.first_name,
    ]:
        assert secret not in raw
    assert {item["resident"] for item in body["items"]} == {resident.masked_name}
    assert resident.masked_name == "王阿姨"
    assert all(item["community"]["name"] == "七星里社区" for item in body["items"])
    claimed = next(i for i in body["items"] if i["status"] == "claimed")
    assert claimed["claim"]["claimer"] == "周**"


def test_list_filters_by_place_kind_category_group_and_status(client, people, make_wish, wish_b, tree):
    category = WishCategory.objects.create(name="家电维修", kind="service", keywords="空调维修")
    elderly, _ = PopulationGroup.objects.get_or_create(code="elderly_alone", defaults={"name": "独居老人"})
    people.resident.groups.add(elderly)
    item = make_wish("published", title="想要一个电饭煲")
    service = make_wish("claimed", title="帮忙修空调", kind="service", category=category)
    other = wish_b()

    def ids(**params):
        response = get(client, WISHES, **params)
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids() == {item.pk, service.pk, other.pk}
    assert ids(street=tree.street.pk) == {item.pk, service.pk, other.pk}
    assert ids(street=tree.other_street.pk) == set()
    assert ids(community=tree.community_a.pk) == {item.pk, service.pk}
    assert ids(community=tree.community_b.pk) == {other.pk}
    assert ids(kind="item") == {item.pk}
    assert ids(kind="service", community=tree.community_a.pk) == {service.pk}
    assert ids(category=category.pk) == {service.pk}
    assert ids(group="elderly_alone") == {item.pk, service.pk}
    assert ids(status="claimed") == {service.pk}
    # a private state is simply not on the wall
    assert ids(status="submitted") == set()


def test_list_paginates_with_total_count(client, people, make_wish):
    made = [make_wish("published", title=f"第{n}个心愿") for n in range(5)]
    newest_first = [w.pk for w in reversed(made)]

    first = get(client, WISHES, limit=2).json()
    second = get(client, WISHES, limit=2, offset=2).json()
    last = get(client, WISHES, limit=2, offset=4).json()

    assert (first["count"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [i["id"] for i in first["items"] + second["items"] + last["items"]] == newest_first
    assert len(last["items"]) == 1


def test_list_query_count_does_not_grow_with_the_page(client, people, make_wish):
    make_wish("claimed", title="第一个心愿")
    with CaptureQueriesContext(connection) as few:
        assert get(client, WISHES).status_code == 200
    for n in range(6):
        make_wish("claimed" if n % 2 else "published", title=f"更多心愿{n}")
    with CaptureQueriesContext(connection) as many:
        assert len(get(client, WISHES).json()["items"]) == 7
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "lost"}, "status"),
        ({"kind": "money"}, "kind"),
        ({"street": "abc"}, "street"),
        ({"scope": "everything"}, "scope"),
    ],
)
def test_list_rejects_bad_filters_with_field_errors(client, db, params, field):
    assert_error(get(client, WISHES, **params), 422, "invalid", field)


def test_region_scope_lists_every_state_of_the_users_region_only(client, people, make_wish, wish_b):
    submitted = make_wish("submitted", title="还没审核的心愿")
    rejected = make_wish("rejected", title="被退回的心愿")
    other = wish_b("submitted")

    def ids(user):
        response = get(client, WISHES, user, scope="region")
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids(people.staff) == {submitted.pk, rejected.pk}
    assert ids(people.staff_b) == {other.pk}
    assert ids(people.street_admin) == {submitted.pk, rejected.pk, other.pk}
    assert ids(people.grid_worker) == {submitted.pk, rejected.pk}
    assert ids(people.outsider_staff) == set()
    assert ids(people.outsider_grid_worker) == set()


def test_region_scope_is_refused_to_residents_volunteers_and_anonymous(client, people):
    assert_error(get(client, WISHES, scope="region"), 401, "unauthenticated")
    assert_error(get(client, WISHES, people.resident_user, scope="region"), 403, "forbidden")
    assert_error(get(client, WISHES, people.volunteer, scope="region"), 403, "forbidden")


def test_mine_scope_lists_own_wishes_and_own_claims(client, people, make_wish, wish_b):
    own_private = make_wish("submitted", title="我刚提交的心愿")
    claimed = make_wish("claimed", title="已被认领的心愿")
    other = wish_b()

    def ids(user):
        response = get(client, WISHES, user, scope="mine")
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids(people.resident_user) == {own_private.pk, claimed.pk}
    assert ids(people.volunteer) == {claimed.pk}
    assert ids(people.volunteer2) == set()
    services.claim_wish(other, people.partner_rep, partner=people.partner)
    assert ids(people.partner_rep) == {other.pk}
    assert ids(people.stranger) == set()
    assert_error(get(client, WISHES, scope="mine"), 401, "unauthenticated")


# --- posting -----------------------------------------------------------------------------


def test_resident_posts_a_wish(client, people):
    response = post(
        client, WISHES, people.resident_user,
        {"kind": "item", "title": "想要一个电热水壶", "description": "原来的坏了", "value": "80"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    wish = Wish.objects.get(pk=body["id"])
    assert (wish.resident, wish.status, wish.channel, wish.created_by) == (
        people.resident, WishStatus.SUBMITTED, "self", people.resident_user,
    )  # fmt: skip
    assert body["status"] == "submitted" and body["value"] == "80.00"
    assert body["contact"]["phone"] == people.resident.phone  # the resident sees their own details
    assert "withdraw" in body["actions"]


def test_same_idempotency_key_returns_the_same_wish(client, people):
    headers = auth(people.resident_user)
    data = {"kind": "service", "title": "想请人上门理发", "description": "腿脚不便下不了楼"}

    first = client.post(
        WISHES, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY="tap-1", **headers
    )
    again = client.post(
        WISHES, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY="tap-1", **headers
    )

    assert first.status_code == 201
    assert again.status_code in (200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Wish.objects.count() == 1


def test_near_duplicate_is_a_409_until_confirmed(client, people):
    headers = auth(people.resident_user)
    data = {"kind": "service", "title": "想请人上门理发", "description": "腿脚不便下不了楼"}
    first = client.post(WISHES, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a", **headers)

    twin = client.post(WISHES, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b", **headers)

    body = assert_error(twin, 409, "possible_duplicate")
    assert body["duplicate_of"] == first.json()["id"]
    assert Wish.objects.count() == 1
    confirmed = client.post(
        WISHES,
        {**data, "confirm_duplicate": True},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="b",
        **headers,
    )
    assert confirmed.status_code == 201
    assert Wish.objects.count() == 2


@pytest.mark.parametrize("key", ["k" * 81, "has space", "nul\x00", "中文"])
def test_a_malformed_idempotency_key_is_a_field_error(client, people, key):
    response = post(
        client,
        WISHES,
        people.resident_user,
        {"kind": "item", "title": "想要一个书包"},
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert_error(response, 422, "invalid", "Idempotency-Key")
    assert Wish.objects.count() == 0


@pytest.mark.parametrize(
    "actor, grid, expected",
    [
        ("grid_worker", "grid_a1", 201),  # own grid
        ("grid_worker", "grid_a2", 403),  # a neighbouring grid of the same community
        ("outsider_grid_worker", "grid_a1", 403),
        ("staff", "grid_a2", 201),  # staff: the whole community
        ("staff_b", "grid_a1", 403),  # staff of another community
        ("outsider_staff", "grid_a1", 403),
        ("street_admin", "grid_b1", 201),
        ("volunteer", "grid_a1", 403),
        ("stranger", "grid_a1", 403),
    ],
)
def test_recording_a_wish_for_a_resident(client, people, tree, actor, grid, expected):
    resident = ResidentFactory(name="孙凤英", grid=getattr(tree, grid), phone="13811112222")
    response = post(
        client, WISHES, getattr(people, actor),
        {"kind": "service", "title": "想请人陪同去医院", "resident_id": resident.pk},
    )  # fmt: skip

    if expected == 201:
        assert response.status_code == 201, response.content
        wish = Wish.objects.get(pk=response.json()["id"])
        assert wish.resident == resident
        assert wish.channel == ("grid" if actor == "grid_worker" else "desk")
        assert wish.created_by == getattr(people, actor)
    else:
        assert_error(response, expected, "forbidden")
        assert not Wish.objects.exists()


def test_staff_records_a_phone_wish(client, people):
    response = post(
        client, WISHES, people.staff,
        {"kind": "item", "title": "想要一袋大米", "resident_id": people.other_resident.pk, "channel": "phone"},
    )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["channel"] == "phone"
    assert response.json()["contact"]["name"] == people.other_resident.name


@pytest.mark.parametrize(
    "data, status, fields",
    [
        ({"title": "想要一个书包"}, 422, ["kind"]),
        ({"kind": "item"}, 422, ["title"]),
        ({"kind": "book", "title": "想要一个书包"}, 422, ["kind"]),
        ({"kind": "item", "title": "包"}, 422, ["title"]),
        ({"kind": "item", "title": "想" * 61}, 422, ["title"]),
        ({"kind": "item", "title": "想要一个书包", "description": "很" * 1001}, 422, ["description"]),
        ({"kind": "item", "title": "想要一个书包", "value": "abc"}, 422, ["value"]),
        ({"kind": "item", "title": "想要一个书包", "value": "-5"}, 422, ["value"]),
        ({"kind": "item", "title": "想要一个书包", "value": "99999"}, 422, ["value"]),
        ({"kind": "service", "title": "想要理发", "value": "20"}, 422, ["value"]),
        ({"kind": "item", "title": "想要一个书包", "category": 99999}, 422, ["category"]),
        ({"kind": "item", "title": "想要一个书包", "resident_id": 99999}, 422, ["resident_id"]),
        ({"kind": "item", "title": "想要一个书包", "channel": "pigeon"}, 422, ["channel"]),
        ({"kind": "item", "title": ["a list"]}, 422, ["title"]),
        ({"kind": "item", "title": "想要\x00书包"}, 422, ["title"]),  # PostgreSQL cannot store NUL
        ({"kind": "item", "title": "想要书包", "description": "\x00"}, 422, ["description"]),
    ],
)
def test_bad_fields_are_refused_with_field_errors_and_change_nothing(client, people, data, status, fields):
    response = post(client, WISHES, people.resident_user, data)
    assert_error(response, status, "invalid", *fields)
    assert not Wish.objects.exists()


def test_unreadable_bodies_are_400_json(client, people):
    headers = auth(people.resident_user)
    for body in ["{not json", "", "[1, 2]"]:
        response = client.post(WISHES, body, content_type="application/json", **headers)
        assert response.status_code in (400, 422), (body, response.content)
        assert response.json()["code"] in {"bad_request", "invalid"}
    assert not Wish.objects.exists()


def test_a_user_without_a_resident_record_must_name_the_resident(client, people):
    response = post(client, WISHES, people.volunteer, {"kind": "item", "title": "想要一个书包"})
    assert_error(response, 422, "invalid", "resident_id")


def test_anonymous_cannot_post(client, db):
    assert_error(
        post(client, WISHES, None, {"kind": "item", "title": "想要一个书包"}), 401, "unauthenticated"
    )


# --- one wish ----------------------------------------------------------------------------


def test_anonymous_reads_a_wall_wish_masked(client, people, make_wish):
    wish = make_wish("published")

    response = get(client, f"{WISHES}/{wish.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == wish.title
    assert body["resident"] == "王阿姨"
    assert body["contact"] is None
    assert body["actions"] == []
    raw = text_of(response)
    assert "王阿姨" in raw
    for secret in [
        people.resident.name,
        people.resident.phone,
        people.resident.door,
        people.resident.id_number,
    ]:
        assert secret not in raw


@pytest.mark.parametrize("status", ["submitted", "rejected", "withdrawn"])
def test_a_wish_off_the_wall_is_not_found_to_anonymous_and_strangers(client, people, make_wish, status):
    wish = make_wish(status)
    assert_error(get(client, f"{WISHES}/{wish.pk}"), 404, "not_found")
    assert_error(get(client, f"{WISHES}/{wish.pk}", people.stranger), 404, "not_found")
    assert_error(get(client, f"{WISHES}/{wish.pk}", people.volunteer), 404, "not_found")
    assert_error(get(client, f"{WISHES}/{wish.pk}", people.outsider_staff), 404, "not_found")
    assert get(client, f"{WISHES}/{wish.pk}", people.resident_user).status_code == 200
    assert get(client, f"{WISHES}/{wish.pk}", people.staff).status_code == 200


def test_unknown_wish_is_404_json(client, db):
    assert_error(get(client, f"{WISHES}/987654"), 404, "not_found")
    assert_error(get(client, f"{WISHES}/not-a-number"), 404, "not_found")
    assert_error(get(client, "/api/v1/no/such/thing"), 404, "not_found")


def test_contact_details_only_for_resident_claimer_and_region_staff(client, people, make_wish):
    wish = make_wish("published")

    def contact(user):
        response = get(client, f"{WISHES}/{wish.pk}", user)
        assert response.status_code == 200
        return response.json()["contact"]

    expected = {"name": "王秀英", "phone": "13912345678", "address": people.resident.address}
    assert contact(people.resident_user) == expected
    assert contact(people.staff) == expected
    assert contact(people.street_admin) == expected
    for outsider in [
        people.staff_b,
        people.outsider_staff,
        people.volunteer,
        people.grid_worker,
        people.stranger,
    ]:
        assert contact(outsider) is None, outsider
    # the volunteer sees the contact only once the claim is theirs
    claimed = act(client, wish, "claim", people.volunteer)
    assert claimed.json()["contact"] == expected
    assert contact(people.volunteer) == expected
    assert contact(people.volunteer2) is None


def test_actions_list_what_the_user_may_do_now(client, people, make_wish):
    wish = make_wish("submitted")
    assert set(get(client, f"{WISHES}/{wish.pk}", people.staff).json()["actions"]) == {
        "publish",
        "reject",
        "withdraw",
        "convert",
    }
    assert get(client, f"{WISHES}/{wish.pk}", people.resident_user).json()["actions"] == ["withdraw"]
    assert get(client, f"{WISHES}/{wish.pk}", people.grid_worker).json()["actions"] == []


# --- history -----------------------------------------------------------------------------


def test_history_lists_each_step_with_masked_actors(client, people, make_wish):
    wish = make_wish("fulfilled")

    response = get(client, f"{WISHES}/{wish.pk}/history", people.resident_user)

    assert response.status_code == 200
    entries = response.json()
    assert [(e["action"], e["from"], e["to"]) for e in entries] == [
        ("submit", "", "submitted"),
        ("publish", "submitted", "published"),
        ("claim", "published", "claimed"),
        ("fulfil", "claimed", "fulfilled"),
    ]
    assert [e["actor"] for e in entries] == ["王**", "赵**", "周**", "周**"]
    assert entries[3]["note"] == "已送到家"
    assert all(e["at"] for e in entries)
    raw = text_of(response)
    for name in ["赵书记", "周志愿", "王秀英"]:
        assert name not in raw


def test_history_is_for_the_resident_claimer_and_region_staff(client, people, make_wish):
    wish = make_wish("claimed")
    url = f"{WISHES}/{wish.pk}/history"
    for allowed in [people.resident_user, people.volunteer, people.staff, people.street_admin]:
        assert get(client, url, allowed).status_code == 200
    for refused in [people.stranger, people.volunteer2, people.staff_b, people.outsider_staff]:
        assert_error(get(client, url, refused), 403, "forbidden")
    assert_error(get(client, url), 401, "unauthenticated")
    private = make_wish("submitted", title="另一个心愿")
    assert_error(get(client, f"{WISHES}/{private.pk}/history", people.stranger), 404, "not_found")


# --- transitions: the permission matrix ---------------------------------------------------

# (actor, action, state of the wish, where the wish is, expected HTTP status)
MATRIX = [
    ("staff", "publish", "submitted", "own", 200),
    ("staff", "publish", "submitted", "other", 403),
    ("staff_b", "publish", "submitted", "own", 403),
    ("outsider_staff", "publish", "submitted", "own", 403),
    ("street_admin", "publish", "submitted", "other", 200),
    ("grid_worker", "publish", "submitted", "own", 403),
    ("volunteer", "publish", "submitted", "own", 403),
    ("resident_user", "publish", "submitted", "own", 403),
    ("staff", "reject", "submitted", "own", 200),
    ("staff", "reject", "published", "other", 403),
    ("outsider_staff", "reject", "published", "own", 403),
    ("volunteer", "claim", "published", "own", 200),
    ("volunteer", "claim", "published", "other", 403),  # community A volunteer, community B wish
    ("volunteer2", "claim", "published", "other", 200),  # street-wide volunteer
    ("outsider_volunteer", "claim", "published", "own", 403),
    ("partner_rep", "claim", "published", "own", 200),
    ("resident_user", "claim", "published", "own", 403),
    ("staff", "claim", "published", "own", 403),
    ("stranger", "claim", "published", "own", 403),
    ("volunteer", "release", "claimed", "own", 200),
    ("volunteer2", "release", "claimed", "own", 403),
    ("staff", "release", "claimed", "own", 200),
    ("staff_b", "release", "claimed", "own", 403),
    ("volunteer", "fulfil", "claimed", "own", 200),
    ("volunteer2", "fulfil", "claimed", "own", 403),
    ("staff", "fulfil", "claimed", "own", 403),
    ("resident_user", "confirm", "fulfilled", "own", 200),
    ("neighbour", "confirm", "fulfilled", "own", 403),
    ("staff", "confirm", "fulfilled", "own", 200),
    ("outsider_staff", "confirm", "fulfilled", "own", 403),
    ("volunteer", "confirm", "fulfilled", "own", 403),
    ("resident_user", "withdraw", "published", "own", 200),
    ("neighbour", "withdraw", "published", "own", 403),
    ("staff", "withdraw", "claimed", "own", 200),
    ("staff_b", "withdraw", "published", "own", 403),
]

BODIES = {
    "reject": {"reason": "不属于微心愿范围"},
    "fulfil": {"note": "已经送到家里"},
    "confirm": {"rating": 5},
}
TARGET = {
    "publish": "published", "reject": "rejected", "claim": "claimed", "release": "published",
    "fulfil": "fulfilled", "confirm": "confirmed", "withdraw": "withdrawn",
}  # fmt: skip


@pytest.fixture
def wish_in(people, make_wish, wish_b):
    def make(state: str, where: str):
        if where == "own":
            return make_wish(state)
        wish = wish_b("submitted" if state == "submitted" else "published")
        assert state in ("submitted", "published")
        return wish

    return make


@pytest.mark.parametrize("actor, action, state, where, expected", MATRIX)
def test_permission_matrix(client, people, neighbour, wish_in, actor, action, state, where, expected):
    user = neighbour if actor == "neighbour" else getattr(people, actor)
    wish = wish_in(state, where)

    response = act(client, wish, action, user, BODIES.get(action, {}))

    if expected == 200:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == TARGET[action]
        assert status_of(wish) == TARGET[action]
    else:
        assert_error(response, expected, "forbidden")
        assert status_of(wish) == state  # refused: nothing changed


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_needs_a_login(client, people, make_wish, action):
    wish = make_wish("published")
    assert_error(act(client, wish, action, None, BODIES.get(action, {})), 401, "unauthenticated")
    assert status_of(wish) == "published"


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_on_an_unknown_wish_is_404(client, people, action):
    assert_error(
        post(client, f"{WISHES}/424242/{action}", people.street_admin, BODIES.get(action, {})),
        404,
        "not_found",
    )


@pytest.mark.parametrize(
    "action, state, actor",
    [
        ("publish", "published", "staff"),
        ("reject", "confirmed", "staff"),
        ("claim", "submitted", "volunteer"),
        ("release", "published", "staff"),
        ("fulfil", "fulfilled", "volunteer"),
        ("confirm", "claimed", "resident_user"),
        ("withdraw", "fulfilled", "resident_user"),
    ],
)
def test_an_action_the_state_forbids_is_409(client, people, make_wish, action, state, actor):
    wish = make_wish(state)
    body = assert_error(
        act(client, wish, action, getattr(people, actor), BODIES.get(action, {})), 409, "state_conflict"
    )
    assert body["message"]
    assert status_of(wish) == state


# --- transitions: each endpoint's own behaviour -------------------------------------------


def test_publish_puts_the_wish_on_the_wall(client, people, make_wish):
    wish = make_wish("submitted")
    assert get(client, WISHES).json()["count"] == 0

    response = act(client, wish, "publish", people.staff, {"note": "已核实"})

    assert response.status_code == 200
    assert response.json()["published_at"]
    assert [i["id"] for i in get(client, WISHES).json()["items"]] == [wish.pk]


def test_publish_accepts_an_empty_body(client, people, make_wish):
    wish = make_wish("submitted")
    response = client.generic("POST", f"{WISHES}/{wish.pk}/publish", **auth(people.staff))  # no body at all
    assert response.status_code == 200, response.content
    assert status_of(wish) == "published"


def test_reject_needs_a_reason_the_resident_then_sees(client, people, make_wish):
    wish = make_wish("submitted")
    assert_error(act(client, wish, "reject", people.staff, {}), 422, "invalid", "reason")
    assert_error(act(client, wish, "reject", people.staff, {"reason": "   "}), 422, "invalid", "reason")
    assert status_of(wish) == "submitted"

    response = act(client, wish, "reject", people.staff, {"reason": "请改为向社区提出诉求"})

    assert response.status_code == 200
    seen = get(client, f"{WISHES}/{wish.pk}", people.resident_user).json()
    assert (seen["status"], seen["reject_reason"]) == ("rejected", "请改为向社区提出诉求")


def test_claim_with_a_promised_date(client, people, make_wish):
    wish = make_wish("published")
    promised = timezone.localdate() + dt.timedelta(days=3)

    response = act(client, wish, "claim", people.volunteer, {"promised_date": promised.isoformat()})

    assert response.status_code == 200
    claim = response.json()["claim"]
    assert claim == {
        "claimer": "周**",
        "by_unit": False,
        "promised_date": promised.isoformat(),
        "status": "active",
    }
    assert "fulfil" in response.json()["actions"] and "release" in response.json()["actions"]


@pytest.mark.parametrize(
    "promised, field",
    [("2001-01-01", "promised_date"), ("next tuesday", "promised_date"), ("2999-01-01", "promised_date")],
)
def test_claim_refuses_bad_dates(client, people, make_wish, promised, field):
    wish = make_wish("published")
    assert_error(
        act(client, wish, "claim", people.volunteer, {"promised_date": promised}), 422, "invalid", field
    )
    assert status_of(wish) == "published"


def test_second_claim_is_a_409_and_the_first_claim_stands(client, people, make_wish):
    wish = make_wish("published")
    first = act(client, wish, "claim", people.volunteer)
    second = act(client, wish, "claim", people.volunteer2)

    assert first.status_code == 200
    assert_error(second, 409, "state_conflict")
    assert list(Claim.objects.filter(wish=wish).values_list("claimer", "status")) == [
        (people.volunteer.pk, ClaimStatus.ACTIVE)
    ]


def test_partner_representative_claims_for_the_unit(client, people, make_wish):
    wish = make_wish("published")

    response = act(client, wish, "claim", people.partner_rep, {"partner_id": people.partner.pk})

    assert response.status_code == 200
    assert response.json()["claim"]["claimer"] == "青岛银行八大湖支行"
    assert response.json()["claim"]["by_unit"] is True


def test_claim_for_a_unit_one_does_not_represent(client, people, make_wish, tree):
    wish = make_wish("published")
    unit = PartnerFactory(name="别家单位", region=tree.street)
    assert_error(act(client, wish, "claim", people.partner_rep, {"partner_id": unit.pk}), 403, "forbidden")
    assert_error(
        act(client, wish, "claim", people.partner_rep, {"partner_id": 99999}), 422, "invalid", "partner_id"
    )
    assert status_of(wish) == "published"


def test_release_puts_the_wish_back_on_the_wall(client, people, make_wish):
    wish = make_wish("claimed")

    response = act(client, wish, "release", people.volunteer, {"reason": "临时出差"})

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert response.json()["claim"] is None
    assert response.json()["contact"] is None  # no longer theirs
    assert Claim.objects.get(wish=wish).status == ClaimStatus.RELEASED


def test_fulfil_needs_a_note(client, people, make_wish):
    wish = make_wish("claimed")
    assert_error(act(client, wish, "fulfil", people.volunteer, {}), 422, "invalid", "note")
    assert_error(act(client, wish, "fulfil", people.volunteer, {"note": "  "}), 422, "invalid", "note")
    assert status_of(wish) == "claimed"

    response = act(client, wish, "fulfil", people.volunteer, {"note": "电饭煲已送到"})
    assert response.status_code == 200
    assert response.json()["fulfil_note"] == "电饭煲已送到"


def test_fulfil_with_a_photo_by_multipart(client, people, make_wish):
    wish = make_wish("claimed")

    response = client.post(
        f"{WISHES}/{wish.pk}/fulfil", {"note": "已送到", "photos": [png()]}, **auth(people.volunteer)
    )

    assert response.status_code == 200, response.content
    photos = response.json()["photos"]
    assert len(photos) == 1 and photos[0]["stage"] == "fulfil" and photos[0]["url"].endswith(".png")
    assert WishPhoto.objects.filter(wish=wish).count() == 1


def test_fulfil_refuses_a_file_that_is_not_a_picture(client, people, make_wish):
    wish = make_wish("claimed")
    fake = SimpleUploadedFile("virus.png", b"MZ not a picture", content_type="image/png")

    response = client.post(
        f"{WISHES}/{wish.pk}/fulfil", {"note": "已送到", "photos": [fake]}, **auth(people.volunteer)
    )

    assert_error(response, 422, "invalid", "photos")
    assert status_of(wish) == "claimed"
    assert not WishPhoto.objects.exists()


def test_confirm_with_thanks_and_rating(client, people, make_wish):
    wish = make_wish("fulfilled")

    response = act(client, wish, "confirm", people.resident_user, {"thanks": "谢谢小周！", "rating": 5})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["thanks"], body["rating"]) == ("confirmed", "谢谢小周！", 5)
    assert body["confirmed_at"]


@pytest.mark.parametrize("rating", [0, 6, "five"])
def test_confirm_refuses_a_rating_outside_one_to_five(client, people, make_wish, rating):
    wish = make_wish("fulfilled")
    assert_error(
        act(client, wish, "confirm", people.resident_user, {"rating": rating}), 422, "invalid", "rating"
    )
    assert status_of(wish) == "fulfilled"


def test_withdraw_cancels_a_live_claim(client, people, make_wish):
    wish = make_wish("claimed")

    response = act(client, wish, "withdraw", people.resident_user, {"reason": "已经自己买了"})

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert Claim.objects.get(wish=wish).status == ClaimStatus.CANCELLED
    assert_error(get(client, f"{WISHES}/{wish.pk}"), 404, "not_found")  # off the wall


def test_full_life_through_the_api(client, people):
    resident, staff, volunteer = people.resident_user, people.staff, people.volunteer
    created = post(client, WISHES, resident, {"kind": "item", "title": "想要一个台灯", "value": "60"})
    assert created.status_code == 201
    wish_id = created.json()["id"]
    steps = [
        (staff, "publish", {}, "published"),
        (volunteer, "claim", {}, "claimed"),
        (volunteer, "fulfil", {"note": "台灯送到了"}, "fulfilled"),
        (resident, "confirm", {"thanks": "亮堂多了", "rating": 5}, "confirmed"),
    ]
    for user, action, data, expected in steps:
        response = post(client, f"{WISHES}/{wish_id}/{action}", user, data)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == expected
    wall = get(client, WISHES, status="confirmed").json()
    assert [i["id"] for i in wall["items"]] == [wish_id]
    assert wall["items"][0]["thanks"] == "亮堂多了"
