"""Shared pages: home by role, login/logout, the inbox, language and large-text switches."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.pages import html
from weiguang.core.models import Notification
from weiguang.core.notifications import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


class TestHome:
    def test_anonymous_sees_walls_and_login(self, client, tree):
        page = html(client.get("/"))
        assert f'href="/streets/{tree.street.pk}/wall/"' in page
        assert f'href="/communities/{tree.community_a.pk}/wall/"' in page
        assert "八大湖街道" in page and "七星里社区" in page
        assert 'href="/login/' in page and "/logout/" not in page
        assert 'data-nav="new"' not in page and 'data-nav="inbox"' not in page

    def test_resident_entry_points(self, client, people, make_wish):
        make_wish("fulfilled")
        client.force_login(people.resident_user)
        page = html(client.get("/"))
        assert 'href="/wishes/new/"' in page and 'href="/my/wishes/"' in page
        assert "1 of your wishes came true. Please confirm it." in page
        assert 'href="/staff/wishes/"' not in page and 'href="/my/claims/"' not in page

    def test_volunteer_entry_points(self, client, people, tree):
        client.force_login(people.volunteer)
        page = html(client.get("/"))
        assert 'href="/my/claims/"' in page and f'href="/streets/{tree.street.pk}/wall/"' in page
        assert 'href="/wishes/new/"' not in page and 'href="/staff/wishes/"' not in page

    def test_staff_entry_points_with_waiting_count(self, client, people, make_wish):
        make_wish("submitted")
        make_wish("submitted", title="想要一把轮椅")
        client.force_login(people.staff)
        page = html(client.get("/"))
        assert 'href="/staff/wishes/"' in page and "2 waiting" in page
        assert 'href="/grid/wishes/new/"' in page and 'href="/staff/wishes/all/"' in page

    def test_grid_worker_entry_points(self, client, people):
        client.force_login(people.grid_worker)
        page = html(client.get("/"))
        assert 'href="/grid/wishes/new/"' in page and 'href="/staff/wishes/all/"' in page
        assert 'href="/staff/wishes/"' not in page


class TestAuth:
    def test_login_and_logout(self, client, people):
        page = html(client.get("/login/"))
        assert 'name="username"' in page and 'name="password"' in page
        response = client.post("/login/", {"username": "resident_a", "password": "pass-Weiguang-1"})
        assert response.status_code == 302 and response["Location"] == "/"
        assert 'data-nav="mine"' in html(client.get("/"))
        assert client.get("/logout/").status_code == 405  # logging out is a POST
        response = client.post("/logout/")
        assert response.status_code == 302
        assert 'data-nav="mine"' not in html(client.get("/"))

    def test_wrong_password_is_a_message(self, client, people):
        response = client.post("/login/", {"username": "resident_a", "password": "nope"})
        assert response.status_code == 200 and 'class="errorlist"' in html(response)

    def test_login_follows_next_on_this_site_only(self, client, people):
        data = {"username": "resident_a", "password": "pass-Weiguang-1"}
        response = client.post("/login/", {**data, "next": "/my/wishes/"})
        assert response["Location"] == "/my/wishes/"
        client.logout()
        client.cookies["wg_lang"] = "en"
        response = client.post("/login/", {**data, "next": "https://evil.example/"})
        assert response["Location"] == "/"


class TestPreferences:
    def test_language_switch_sets_a_cookie_and_returns(self, client, db):
        response = client.get("/prefs/lang/", {"lang": "en", "next": "/login/"})
        assert response.status_code == 302 and response["Location"] == "/login/"
        cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert cookie.value == "en" and int(cookie["max-age"]) >= 365 * 24 * 3600
        response = client.get("/prefs/lang/", {"lang": "zh-hans", "next": "/"})
        assert response.cookies["wg_lang"].value == "zh-hans"
        assert '<html lang="zh-Hans"' in html(client.get("/"))

    def test_language_switch_ignores_unknown_language_and_foreign_next(self, client, db):
        response = client.get("/prefs/lang/", {"lang": "fr", "next": "https://evil.example/"})
        assert response["Location"] == "/" and "wg_lang" not in response.cookies
        response = client.get("/prefs/lang/", {"lang": "en", "next": "//evil.example/x"})
        assert response["Location"] == "/"

    def test_a_next_that_is_not_a_path_goes_home(self, client, people):
        # redirect() would take the word for a view's name and fail (a 500)
        for word in ("abc", "99999999999999999999", "home"):
            assert client.get("/prefs/lang/", {"lang": "en", "next": word})["Location"] == "/"
        assert client.get("/prefs/large-text/", {"on": "1", "next": "abc"})["Location"] == "/"
        client.force_login(people.resident_user)
        assert client.post("/inbox/read-all/", {"next": "abc"})["Location"] == "/inbox/"

    def test_large_text_stays_on_for_a_year(self, client, db):
        assert 'class="large-text"' not in html(client.get("/"))
        response = client.get("/prefs/large-text/", {"on": "1", "next": "/login/"})
        assert response["Location"] == "/login/"
        cookie = response.cookies["wg_large"]
        assert cookie.value == "1" and int(cookie["max-age"]) == 365 * 24 * 3600
        page = html(client.get("/"))
        assert '<html lang="en" class="large-text">' in page
        assert 'href="/prefs/large-text/?on=0&amp;next=' in page and 'aria-pressed="true"' in page
        client.get("/prefs/large-text/", {"on": "0"})
        assert 'class="large-text"' not in html(client.get("/"))

    def test_switch_links_return_to_the_current_page(self, client, tree):
        page = html(client.get(f"/communities/{tree.community_a.pk}/wall/", {"kind": "item"}))
        assert f"next=%2Fcommunities%2F{tree.community_a.pk}%2Fwall%2F%3Fkind%3Ditem" in page


class TestInbox:
    def test_needs_login(self, client, db):
        response = client.get("/inbox/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_lists_my_messages_with_unread_count_and_opens_them(self, client, people, make_wish):
        wish = make_wish("published")
        client.force_login(people.resident_user)
        page = html(client.get("/"))
        assert 'data-nav="inbox"' in page and '<span class="count" aria-label="1 unread">1</span>' in page
        page = html(client.get("/inbox/"))
        note = Notification.objects.get(recipient=people.resident_user)
        assert note.title in page and 'class="unread"' in page
        response = client.get(f"/inbox/{note.pk}/")
        assert response.status_code == 302 and response["Location"] == f"/wishes/{wish.pk}/"
        note.refresh_from_db()
        assert note.read_at is not None
        assert 'class="count"' not in html(client.get("/"))

    def test_mark_all_read(self, client, people):
        notify([people.volunteer], "一条消息")
        notify([people.volunteer], "两条消息")
        notify([people.staff], "别人的消息")
        client.force_login(people.volunteer)
        assert client.get("/inbox/read-all/").status_code == 405
        client.post("/inbox/read-all/")
        assert not Notification.objects.filter(recipient=people.volunteer, read_at__isnull=True).exists()
        assert Notification.objects.filter(recipient=people.staff, read_at__isnull=True).exists()

    def test_others_messages_are_not_mine(self, client, people):
        notify([people.staff], "别人的消息", url="/staff/wishes/")
        note = Notification.objects.get()
        client.force_login(people.volunteer)
        assert "别人的消息" not in html(client.get("/inbox/"))
        assert client.get(f"/inbox/{note.pk}/").status_code == 404
        note.refresh_from_db()
        assert note.read_at is None

    def test_foreign_urls_in_a_message_are_not_followed(self, client, people):
        notify([people.volunteer], "外链", url="//evil.example/")
        client.force_login(people.volunteer)
        response = client.get(f"/inbox/{Notification.objects.get().pk}/")
        assert response["Location"] == "/inbox/"


class TestErrorPages:
    def test_404_uses_the_site_layout(self, client, db):
        response = client.get("/no-such-page/")
        assert (
            response.status_code == 404
            and "Not found" in html(response)
            and 'class="site-header"' in html(response)
        )

    def test_403_uses_the_site_layout(self, client, people):
        client.force_login(people.volunteer)
        response = client.get("/staff/wishes/")
        assert response.status_code == 403 and "Not allowed" in html(response)


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client, db):
        from tests.factories import UserFactory

        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        return client

    def test_resident_id_number_is_never_shown_whole(self, admin_client, people):
        resident = people.resident
        full = resident.id_number
        listing = html(admin_client.get("/admin/people/resident/"))
        assert resident.masked_id_number in listing and full not in listing
        form = html(admin_client.get(f"/admin/people/resident/{resident.pk}/change/"))
        assert resident.masked_id_number in form and full not in form

    def test_a_new_id_number_can_be_entered_and_is_validated(self, admin_client, people):
        from tests.factories import make_id_number

        resident = people.resident
        data = {
            "name": resident.name,
            "gender": resident.gender,
            "birth_date": resident.birth_date.isoformat(),
            "phone": resident.phone,
            "grid": resident.grid_id,
            "building": resident.building,
            "door": resident.door,
            "consent": "on",
        }
        bad = admin_client.post(
            f"/admin/people/resident/{resident.pk}/change/", {**data, "new_id_number": "123"}
        )
        assert bad.status_code == 200 and 'class="errorlist"' in html(bad)
        new = make_id_number(777)
        admin_client.post(f"/admin/people/resident/{resident.pk}/change/", {**data, "new_id_number": new})
        resident.refresh_from_db()
        assert resident.id_number == new
        kept = resident.id_number
        admin_client.post(f"/admin/people/resident/{resident.pk}/change/", {**data, "new_id_number": ""})
        resident.refresh_from_db()
        assert resident.id_number == kept

    def test_wishes_are_read_only_in_the_admin(self, admin_client, make_wish):
        wish = make_wish("published")
        listing = html(admin_client.get("/admin/wishes/wish/"))
        assert wish.title in listing and "王阿姨" in listing and "王秀英" not in listing
        page = admin_client.get(f"/admin/wishes/wish/{wish.pk}/change/")
        assert page.status_code == 200 and 'name="status"' not in html(page)
        assert admin_client.get("/admin/wishes/wish/add/").status_code == 403

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/wishes/wishcategory/",
            "/admin/wishes/wishpolicy/",
            "/admin/regions/region/",
            "/admin/regions/membership/",
            "/admin/people/populationgroup/",
            "/admin/core/auditentry/",
            "/admin/core/notification/",
            "/admin/core/apitoken/",
        ],
    )
    def test_admin_lists_open(self, admin_client, people, url):
        assert admin_client.get(url).status_code == 200

    def test_categories_are_editable_with_keywords(self, admin_client, db):
        page = html(admin_client.get("/admin/wishes/wishcategory/"))
        assert "理发美容" in page and "理发 剪发" in page
