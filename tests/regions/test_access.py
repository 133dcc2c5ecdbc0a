"""The one place that decides access: roles at a node reach everything below it, nothing
beside it; `scope` is the filter every private listing goes through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import ResidentFactory, UserFactory, grant
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role
from weiguang.wishes import services
from weiguang.wishes.models import Wish, WishKind


@pytest.fixture
def spread(people, tree, make_wish):
    """One submitted wish in each grid: A1, A2 (community A), B1 (community B), other street."""
    return {
        "a1": make_wish("submitted", title="A1的心愿"),
        "a2": make_wish("submitted", title="A2的心愿", resident=people.other_resident),
        "b1": services.submit_wish(
            people.staff_b, kind=WishKind.ITEM, title="B1的心愿", resident=ResidentFactory(grid=tree.grid_b1)
        )[0],
        "x": services.submit_wish(
            people.outsider_staff,
            kind=WishKind.ITEM,
            title="金华的心愿",
            resident=ResidentFactory(grid=tree.other_grid),
        )[0],
    }


class TestScope:
    @pytest.mark.parametrize(
        ("who", "listed"),
        [
            ("street_admin", {"a1", "a2", "b1"}),
            ("staff", {"a1", "a2"}),
            ("staff_b", {"b1"}),
            ("grid_worker", {"a1"}),
            ("outsider_staff", {"x"}),
            ("outsider_grid_worker", {"x"}),
            ("volunteer", set()),
            ("partner_rep", set()),
            ("resident_user", set()),
            ("stranger", set()),
        ],
    )
    def test_region_listing(self, people, spread, who, listed):
        qs = access.scope(Wish.objects.all(), getattr(people, who), "wish.list_region")
        assert {k for k, w in spread.items() if w in qs} == listed
        assert qs.count() == len(listed)

    def test_anonymous_lists_nothing(self, spread):
        assert not access.scope(Wish.objects.all(), AnonymousUser(), "wish.list_region").exists()

    def test_relations_widen_the_private_listing(self, people, spread):
        """view_private: staff by region, plus the resident's own wishes and the claimer's."""
        wish = services.publish_wish(spread["b1"], people.staff_b)
        services.claim_wish(wish, people.volunteer2)

        def private(user):
            return {
                k
                for k, w in spread.items()
                if w in access.scope(Wish.objects.all(), user, "wish.view_private")
            }

        assert private(people.resident_user) == {"a1"}
        assert private(people.volunteer2) == {"b1"}
        assert private(people.volunteer) == set()
        assert private(people.staff) == {"a1", "a2"}

    def test_a_released_claim_no_longer_counts(self, people, spread):
        wish = services.publish_wish(spread["a1"], people.staff)
        services.claim_wish(wish, people.volunteer)
        services.release_claim(wish, people.volunteer)
        assert not access.scope(Wish.objects.all(), people.volunteer, "wish.view_private").exists()

    def test_a_partner_claim_counts_for_every_representative(self, people, spread):
        wish = services.publish_wish(spread["a1"], people.staff)
        services.claim_wish(wish, people.partner_rep, partner=people.partner)
        colleague = UserFactory(username="rep_colleague")
        people.partner.representatives.add(colleague)
        assert list(access.scope(Wish.objects.all(), colleague, "wish.view_private")) == [spread["a1"]]
        assert access.can(colleague, "wish.view_private", Wish.objects.get(pk=wish.pk))

    def test_two_memberships_add_up(self, people, spread, tree):
        user = UserFactory(username="two_grids")
        grant(user, Role.GRID_WORKER, tree.grid_a1)
        grant(user, Role.GRID_WORKER, tree.grid_b1)
        qs = access.scope(Wish.objects.all(), user, "wish.list_region")
        assert set(qs) == {spread["a1"], spread["b1"]}

    def test_a_superuser_acts_as_admin_of_every_root(self, spread):
        root = UserFactory(username="root", is_superuser=True)
        assert set(access.scope(Wish.objects.all(), root, "wish.list_region")) == set(spread.values())

    def test_a_path_prefix_is_not_a_sibling(self, db):
        """Paths are fixed-width: region 1 must not reach region 10 or 100."""
        district = Region.objects.create(name="区", kind=RegionKind.DISTRICT)
        streets = [
            Region.objects.create(name=f"街道{i}", kind=RegionKind.STREET, parent=district) for i in range(12)
        ]
        for s in streets:
            s.refresh_from_db()
        first = streets[0]
        user = UserFactory(username="first_only")
        grant(user, Role.STREET_ADMIN, first)
        reachable = {s.pk for s in streets if access.can(user, "wish.review", path=s.path)}
        assert reachable == {first.pk}


class TestCan:
    def test_a_role_reaches_down_not_up_or_sideways(self, people, tree):
        gw = people.grid_worker
        assert access.can(gw, "resident.view", path=tree.grid_a1.path)
        assert not access.can(gw, "resident.view", path=tree.grid_a2.path)
        assert not access.can(gw, "resident.view", path=tree.community_a.path)
        staff = people.staff
        assert access.can(staff, "wish.review", path=tree.grid_a2.path)
        assert not access.can(staff, "wish.review", path=tree.grid_b1.path)
        assert not access.can(staff, "wish.review", path=tree.street.path)

    def test_without_an_object_any_matching_role_counts(self, people):
        assert access.can(people.grid_worker, "resident.search")
        assert not access.can(people.volunteer, "resident.search")
        assert access.can(people.volunteer, "wish.claim")

    def test_inactive_and_anonymous_users_may_do_nothing(self, people, tree):
        assert not access.can(AnonymousUser(), "wish.claim", path=tree.grid_a1.path)
        people.volunteer.is_active = False
        assert not access.can(people.volunteer, "wish.claim", path=tree.grid_a1.path)

    def test_memberships_are_cached_until_forgotten(self, people, tree, django_assert_num_queries):
        user = people.volunteer
        access.forget(user)
        with django_assert_num_queries(1):
            access.can(user, "wish.claim", path=tree.grid_a1.path)
            access.can(user, "wish.claim", path=tree.grid_b1.path)
        Membership.objects.create(user=user, role=Role.COMMUNITY_STAFF, region=tree.community_a)
        assert not access.can(user, "wish.review", path=tree.grid_a1.path)  # still cached
        access.forget(user)
        assert access.can(user, "wish.review", path=tree.grid_a1.path)

    def test_roles_at(self, people, tree):
        assert access.roles_at(people.street_admin, tree.grid_a1.path) == {Role.STREET_ADMIN}
        assert access.roles_at(people.street_admin, tree.other_grid.path) == set()
        assert access.roles_at(people.resident_user, tree.grid_a1.path) == {Role.RESIDENT}


class TestRegionsAndHolders:
    def test_regions_for_lists_the_top_most_regions(self, people, tree):
        assert list(access.regions_for(people.staff, "wish.review")) == [tree.community_a]
        assert list(access.regions_for(people.street_admin, "wish.review")) == [tree.street]
        assert list(access.regions_for(people.volunteer, "wish.review")) == []
        assert list(access.regions_for(people.grid_worker, "wish.create_for_resident")) == [tree.grid_a1]

    def test_holders_are_the_people_above_a_place(self, people, tree):
        staff_of_a1 = set(access.holders(access.STAFF, tree.grid_a1.path).values_list("username", flat=True))
        assert staff_of_a1 == {"street_admin", "staff_a"}
        staff_of_b1 = set(access.holders(access.STAFF, tree.grid_b1.path).values_list("username", flat=True))
        assert staff_of_b1 == {"street_admin", "staff_b"}
        assert set(access.holders(access.STAFF, tree.other_grid.path)) == {people.outsider_staff}

    def test_inactive_holders_are_left_out(self, people, tree):
        people.staff.is_active = False
        people.staff.save()
        assert set(access.holders(access.STAFF, tree.grid_a1.path)) == {people.street_admin}

    def test_region_helpers(self, tree):
        assert tree.grid_a1.street == tree.street
        assert tree.grid_a1.community == tree.community_a
        assert tree.street.community is None
        assert tree.community_a.contains(tree.grid_a2)
        assert not tree.community_a.contains(tree.grid_b1)
        assert set(tree.community_a.descendants()) == {tree.community_a, tree.grid_a1, tree.grid_a2}
        assert tree.district.pk in tree.grid_a1.ancestor_ids
