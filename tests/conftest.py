"""Shared fixtures: a place tree and one user per role.

Following healthchecks' alice/bob/charlie: for each role there is an insider (role in
community A / its grid), and `outsider_*` users hold the same role in another street.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from weiguang.regions.models import Role
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishKind

from .factories import PartnerFactory, ResidentFactory, Tree, UserFactory, member


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND = "console"  # text messages to the log (tests read them from SmsMessage)
    # PBKDF2 costs ~0.4 s per user; the fixtures create a dozen users per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's language (zh-hans). A request in English activates English
    for the thread, and Django leaves it active after the response: without this, what a
    service says outside a request would depend on which test ran before."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _second_factor(request, monkeypatch):
    """A test client logged in (force_login or login) as someone the site asks for a code (a
    street admin, an admin user, anyone who set up two-factor sign-in) has also entered it, as
    that person does after the password: their authenticator (set up now if they have none)
    verifies the session (tests/otp.py). Tests of the second factor itself opt out with
    `@pytest.mark.real_otp` and go through the pages."""
    if request.node.get_closest_marker("real_otp"):
        return
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.test import Client

    from .otp import needs_second_factor, verify_session

    force_login, login = Client.force_login, Client.login

    def then_verify(client) -> None:
        user = get_user_model().objects.get(pk=client.session[SESSION_KEY])
        if needs_second_factor(user):
            verify_session(client, user)

    def verified_force_login(self, user, backend=None):
        force_login(self, user, backend)
        then_verify(self)

    def verified_login(self, **credentials):
        logged_in = login(self, **credentials)
        if logged_in:
            then_verify(self)
        return logged_in

    monkeypatch.setattr(Client, "force_login", verified_force_login)
    monkeypatch.setattr(Client, "login", verified_login)


@pytest.fixture
def tree(db):
    return Tree()


class People:
    """Users by role, all inside `tree` (community A / grid A1) unless named outsider_*."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.street_admin = member(
            Role.STREET_ADMIN, tree.street, username="street_admin", first_name="李主任"
        )
        self.staff = member(Role.COMMUNITY_STAFF, tree.community_a, username="staff_a", first_name="赵书记")
        self.staff_b = member(Role.COMMUNITY_STAFF, tree.community_b, username="staff_b", first_name="钱书记")
        self.grid_worker = member(Role.GRID_WORKER, tree.grid_a1, username="grid_a1", first_name="孙网格")
        self.volunteer = member(Role.VOLUNTEER, tree.community_a, username="vol_a", first_name="周志愿")
        self.volunteer2 = member(Role.VOLUNTEER, tree.street, username="vol_a2", first_name="吴志愿")
        self.partner_rep = member(Role.PARTNER_REP, tree.street, username="rep", first_name="郑经理")
        self.partner = PartnerFactory(name="青岛银行八大湖支行", region=tree.street)
        self.partner.representatives.add(self.partner_rep)
        self.resident_user = member(Role.RESIDENT, tree.grid_a1, username="resident_a", first_name="王秀英")
        self.resident = ResidentFactory(
            name="王秀英", grid=tree.grid_a1, user=self.resident_user, phone="13912345678"
        )
        self.other_resident = ResidentFactory(name="陈桂兰", grid=tree.grid_a2)
        # outsiders: same roles, other street
        self.outsider_staff = member(
            Role.COMMUNITY_STAFF, tree.other_community, username="staff_x", first_name="冯书记"
        )
        self.outsider_grid_worker = member(
            Role.GRID_WORKER, tree.other_grid, username="grid_x", first_name="陈网格"
        )
        self.outsider_volunteer = member(
            Role.VOLUNTEER, tree.other_street, username="vol_x", first_name="褚志愿"
        )
        self.stranger = UserFactory(username="stranger", first_name="卫路人")


@pytest.fixture
def people(tree):
    return People(tree)


@pytest.fixture
def english(client):
    """Pages in English, for assertions that read the UI (Chinese is the default;
    tests/core/test_i18n.py checks it). Use with `pytest.mark.usefixtures("english")`."""
    client.cookies["wg_lang"] = "en"


@pytest.fixture
def make_wish(people):
    """Create a wish for the resident (as the resident) and move it to `status`."""

    def make(
        status: str = "submitted",
        title: str = "想要一个电饭煲",
        kind: str = WishKind.ITEM,
        resident=None,
        **kw,
    ):
        by = people.resident_user
        if resident is not None and resident != people.resident:
            by = people.staff
        wish, _ = wish_services.submit_wish(
            by,
            kind=kind,
            title=title,
            description=kw.pop("description", "家里的坏了"),
            resident=resident,
            confirm_duplicate=True,
            **kw,
        )
        steps = ["published", "claimed", "fulfilled", "confirmed"]
        if status in ("rejected",):
            return wish_services.reject_wish(wish, people.staff, reason="不符合条件")
        if status == "withdrawn":
            return wish_services.withdraw_wish(wish, people.resident_user)
        for step in steps[: steps.index(status) + 1] if status in steps else []:
            if step == "published":
                wish = wish_services.publish_wish(wish, people.staff)
            elif step == "claimed":
                wish = wish_services.claim_wish(wish, people.volunteer)
            elif step == "fulfilled":
                wish = wish_services.fulfil_wish(wish, people.volunteer, note="已送到家")
            elif step == "confirmed":
                wish = wish_services.confirm_wish(wish, people.resident_user, thanks="谢谢", rating=5)
        return wish

    return make


@pytest.fixture
def static_deploy(settings, tmp_path):
    """static_deploy(path, text): the next deploy ships `text` as the static file `path` (a folder of
    static files searched before the apps'), in a new process (the version is computed once)."""
    from django.contrib.staticfiles import finders

    from weiguang.core import offline_views

    folder = tmp_path / "deployed-static"
    settings.STATICFILES_DIRS = [str(folder), *settings.STATICFILES_DIRS]

    def ship(path: str, text: str) -> None:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        finders.get_finder.cache_clear()
        offline_views.shell_version.cache_clear()

    offline_views.shell_version.cache_clear()
    yield ship
    offline_views.shell_version.cache_clear()
