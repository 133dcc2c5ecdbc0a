"""Scoping by construction: every model that lives in the place tree inherits RegionScoped,
lists with `objects.restrict(user, action)` and that listing agrees with `can()` row by row;
`get_for_user` loads one row and answers 404 or 403 the way a view would."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from tests.factories import ResidentFactory, UserFactory, grant
from weiguang.partners.models import PartnerUnit, Resource
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.regions.models import Region, Role, ancestor_ids, ancestor_paths
from weiguang.regions.scoping import RegionScoped
from weiguang.volunteers.models import Team, Volunteer
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Wish, WishKind


def _lives_in_the_tree(model) -> bool:
    """A key to Region, or a declared scope path."""
    keys_to_region = any(
        isinstance(f, models.ForeignKey) and f.related_model is Region for f in model._meta.concrete_fields
    )
    return model is Region or keys_to_region or hasattr(model, "scope_path_lookup")


WEIGUANG_MODELS = [m for m in apps.get_models() if m.__module__.startswith("weiguang.")]
SCOPED = [m for m in WEIGUANG_MODELS if _lives_in_the_tree(m)]


def test_the_walk_finds_the_scoped_models():
    names = {m.__name__ for m in SCOPED}
    assert {"Region", "Resident", "Wish", "Demand", "Volunteer", "Team", "PartnerUnit", "Resource"} <= names


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_every_model_in_the_tree_is_scoped(model):
    """A new app cannot forget: a model with a region inherits the base and lists with restrict()."""
    assert issubclass(model, RegionScoped), f"{model._meta.label} has a region but is not RegionScoped"
    assert callable(getattr(model._default_manager, "restrict", None))
    assert callable(getattr(model._default_manager.all(), "restrict", None))


@pytest.mark.django_db
@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_scope_lookups_resolve(model):
    """The declared path and relation lookups are real lookups of the model (a typo fails here)."""
    model.objects.filter(**{f"{model.scope_path_lookup}__startswith": "0000001/"}).exists()
    for lookups in model.scope_relations.values():
        for lookup in lookups:
            model.objects.filter(**{lookup: 1}).exists()


def test_ancestor_helpers():
    assert ancestor_paths("0000001/0000004/0000009/") == [
        "0000001/",
        "0000001/0000004/",
        "0000001/0000004/0000009/",
    ]
    assert ancestor_ids("0000001/0000004/") == [1, 4]
    assert ancestor_paths("") == [] and ancestor_ids("") == []


# --- restrict() agrees with can(), role by role ---------------------------------------------

ROLES = ["street_admin", "staff", "staff_b", "grid_worker", "outsider_staff", "volunteer", "resident_user"]
ROLES += ["partner_rep", "stranger", "anonymous", "inactive_staff"]


@pytest.fixture
def world(people, tree, make_wish):
    """Wishes in each state and place, residents, volunteers, teams, units and resources."""
    inactive = UserFactory(username="gone", is_active=False)
    grant(inactive, Role.COMMUNITY_STAFF, tree.community_a)
    people.inactive_staff = inactive
    people.anonymous = AnonymousUser()
    make_wish("submitted")
    make_wish("claimed", title="已认领的心愿")
    make_wish("published", title="A2的心愿", resident=people.other_resident)
    wish_services.submit_wish(
        people.staff_b, kind=WishKind.ITEM, title="B1的心愿", resident=ResidentFactory(grid=tree.grid_b1)
    )
    wish_services.submit_wish(
        people.outsider_staff,
        kind=WishKind.ITEM,
        title="金华",
        resident=ResidentFactory(grid=tree.other_grid),
    )
    for n, (user, region) in enumerate(
        [
            (people.volunteer, tree.community_a),
            (people.volunteer2, tree.grid_b1),
            (UserFactory(), tree.other_grid),
        ]
    ):
        Volunteer.objects.create(
            user=user,
            name=f"志愿者{n}",
            phone="13900000000",
            id_number=f"37020219500307{n:03d}X",
            home_region=region,
        )
    team = Team.objects.create(name="红色先锋", region=tree.community_a)
    team.leaders.add(people.volunteer)
    Team.objects.create(name="蓝色", region=tree.other_community)
    other_unit = PartnerUnit.objects.create(
        name="金门路超市", kind=people.partner.kind, region=tree.other_street
    )
    Resource.objects.create(unit=people.partner, kind="goods", title="米")
    Resource.objects.create(unit=other_unit, kind="service", title="理发")
    return people


CASES = [
    (Wish, "wish.list_region"),
    (Wish, "wish.view_private"),
    (Wish, "wish.release"),
    (Resident, "resident.view"),
    (Volunteer, "volunteer.view"),
    (Team, "team.manage"),
    (PartnerUnit, "partner.manage"),
    (Resource, "partner.manage"),
    (Region, "wish.list_region"),
]


@pytest.mark.parametrize(("model", "action"), CASES, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("who", ROLES)
def test_restrict_agrees_with_can(world, model, action, who):
    user = getattr(world, who)
    listed = set(model.objects.restrict(user, action).values_list("pk", flat=True))
    allowed = {obj.pk for obj in model.objects.all() if access.can(user, action, obj)}
    assert listed == allowed
    if who in ("anonymous", "inactive_staff", "stranger"):
        assert not listed


@pytest.mark.parametrize(("model", "action"), [(Region, "survey.collect"), (Team, "team.create")])
@pytest.mark.parametrize("who", ROLES)
def test_restrict_within_agrees_with_can_within(world, model, action, who):
    """within: a role reaches its region, what is below and what is above it (a grid worker
    collects answers to the community's survey)."""
    user = getattr(world, who)
    listed = set(model.objects.restrict(user, action, within=True).values_list("pk", flat=True))
    assert listed == {obj.pk for obj in model.objects.all() if access.can_within(user, action, obj)}


def test_restrict_within_reaches_up(world, tree):
    names = set(
        Region.objects.restrict(world.grid_worker, "survey.collect", within=True).values_list(
            "name", flat=True
        )
    )
    assert names == {"市南区", "八大湖街道", "七星里社区", "七星里第一网格"}


def test_restrict_follows_the_roles(world, tree):
    """The rule spelled out once: staff see their community, the street admin the street, the
    grid worker the grid, the resident their own record, nobody the other street."""

    def grids(user):
        return set(Resident.objects.restrict(user, "resident.view").values_list("grid__name", flat=True))

    assert grids(world.street_admin) == {"七星里第一网格", "七星里第二网格", "海晏第一网格"}
    assert grids(world.staff) == {"七星里第一网格", "七星里第二网格"}
    assert grids(world.grid_worker) == {"七星里第一网格"}
    assert list(Resident.objects.restrict(world.resident_user, "resident.view")) == [world.resident]
    assert grids(world.anonymous) == set()


def test_restrict_chains_on_a_queryset(world):
    qs = Wish.objects.filter(status="submitted").restrict(world.staff, "wish.list_region")
    assert qs.count() == 1


def test_relations_of_one_row_match_the_queryset_filter(world):
    """relations_to (one row) and relation_q (a queryset) say the same, for the base's defaults."""
    for model, relations in [(Resource, {"owner"}), (Team, {"leader"}), (Volunteer, {"owner"})]:
        for user in [world.partner_rep, world.volunteer, world.staff, world.anonymous]:
            related = {o.pk for o in model.objects.all() if o.relations_to(user) & relations}
            if not user.is_authenticated:
                assert not related
                continue
            assert related == set(
                model.objects.filter(model.relation_q(user, relations)).values_list("pk", flat=True)
            )


# --- the loader --------------------------------------------------------------------------------


def test_get_for_user(world):
    wish = Wish.objects.get(title="B1的心愿")
    assert access.get_for_user(Wish, world.staff_b, "wish.review", pk=wish.pk) == wish
    with pytest.raises(Http404):  # may not see it: not found
        access.get_for_user(Wish, world.staff, "wish.review", see="wish.list_region", pk=wish.pk)
    with pytest.raises(PermissionDenied):  # sees it, may not act on it
        access.get_for_user(Wish, world.grid_worker, "wish.review", see=lambda u, w: True, pk=wish.pk)
    with pytest.raises(Http404):
        access.get_for_user(Wish.objects.filter(status="published"), world.staff_b, pk=wish.pk)
    with pytest.raises(ValueError):
        access.get_for_user(Wish, world.staff, "wish.review", denied=ValueError("no"), pk=wish.pk)
