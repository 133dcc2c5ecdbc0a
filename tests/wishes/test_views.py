"""The wish pages, for every role: what each person sees and may do, and what is refused."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests.factories import PartnerFactory, ResidentFactory
from tests.pages import html
from weiguang.core.models import Notification
from weiguang.people.models import PopulationGroup
from weiguang.wishes import services
from weiguang.wishes.models import (
    Channel,
    Claim,
    PhotoStage,
    Wish,
    WishCategory,
    WishPhoto,
    WishPolicy,
    WishStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def titles(response) -> list[str]:
    """The titles of the wish cards on a wall page."""
    return re.findall(r'<h3><a href="/wishes/\d+/">([^<]+)</a></h3>', html(response))


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 40)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def wall_url(tree, street: bool = False) -> str:
    return f"/streets/{tree.street.pk}/wall/" if street else f"/communities/{tree.community_a.pk}/wall/"


def refresh(wish: Wish) -> Wish:
    return Wish.objects.get(pk=wish.pk)


# --- the public walls -----------------------------------------------------------------------


class TestWall:
    def test_lists_public_wishes_only_with_masked_identity(self, client, tree, people, make_wish):
        make_wish("published", title="想要一个电水壶")
        make_wish("claimed", title="想要一个书包")
        make_wish("submitted", title="想要一台收音机")
        make_wish("rejected", title="想要一辆汽车")
        for url in (wall_url(tree), wall_url(tree, street=True)):
            page = html(client.get(url))
            assert "电水壶" in page and "书包" in page
            assert "收音机" not in page and "汽车" not in page
            assert "王阿姨 · 七星里社区" in page
            assert "王秀英" not in page
            assert 'data-status="claimed"' in page and "badge-orange" in page

    def test_cards_link_to_the_wish_without_a_qr_code_which_is_for_print_and_sharing(
        self, client, tree, make_wish
    ):
        wish = make_wish("published")
        claimed = make_wish("claimed", title="想要一个书包")
        for url in (wall_url(tree), wall_url(tree, street=True)):
            page = html(client.get(url))
            assert f'href="/wishes/{wish.pk}/"' in page
            assert "qr.svg" not in page  # a person already on the page needs no code to scan
            # the printed cards carry one each: the wishes open to claim
            assert f'href="{url}print/"' in page
            printed = html(client.get(f"{url}print/"))
            assert f'src="/wishes/{wish.pk}/qr.svg"' in printed and "王阿姨 · 七星里社区" in printed
            assert f"/wishes/{claimed.pk}/qr.svg" not in printed
        # and the wish page, for sharing
        assert f'src="/wishes/{wish.pk}/qr.svg"' in html(client.get(f"/wishes/{wish.pk}/"))
        assert client.get(f"/communities/{tree.street.pk}/wall/print/").status_code == 404

    def test_other_streets_wishes_are_not_on_the_wall(self, client, tree, people, make_wish):
        outsider = ResidentFactory(name="冯桂芳", grid=tree.other_grid)
        wish, _ = services.submit_wish(
            people.outsider_staff,
            kind="item",
            title="想要一个电饭锅",
            resident=outsider,
            confirm_duplicate=True,
        )
        services.publish_wish(wish, people.outsider_staff)
        assert "电饭锅" not in html(client.get(wall_url(tree, street=True)))
        assert "电饭锅" in html(client.get(f"/streets/{tree.other_street.pk}/wall/"))

    def test_filters_by_kind_category_group_and_state(self, client, tree, people, make_wish):
        make_wish("published", title="想要一个电水壶", kind="item")
        make_wish("claimed", title="想剪个头发理发", kind="service")
        lonely = PopulationGroup.objects.first()
        other = ResidentFactory(name="陈建国", grid=tree.grid_a2)
        other.groups.add(lonely)
        make_wish("published", title="想要一个台灯", resident=other)
        url = wall_url(tree)
        assert titles(client.get(url, {"kind": "service"})) == ["想剪个头发理发"]
        haircut = WishCategory.objects.get(name="理发美容")
        assert titles(client.get(url, {"category": haircut.pk})) == ["想剪个头发理发"]
        assert titles(client.get(url, {"group": lonely.code})) == ["想要一个台灯"]
        assert titles(client.get(url, {"status": "claimed"})) == ["想剪个头发理发"]
        assert titles(client.get(url, {"kind": "item", "status": "published"})) == [
            "想要一个台灯",
            "想要一个电水壶",
        ]
        # a private state cannot be asked for: the filter falls back to all public states
        assert len(titles(client.get(url, {"status": "submitted"}))) == 3

    def test_htmx_filter_returns_only_the_list(self, client, tree, make_wish):
        make_wish("published", title="想要一个电水壶", kind="item")
        make_wish("published", title="想请人上门理发", kind="service")
        response = client.get(wall_url(tree), {"kind": "item"}, headers={"HX-Request": "true"})
        page = html(response)
        assert page.lstrip().startswith('<section id="wish-list"')
        assert "<html" not in page and titles(response) == ["想要一个电水壶"]
        assert "HX-Request" in response["Vary"]

    def test_filter_form_works_without_javascript(self, client, tree, make_wish):
        make_wish("published")
        page = html(client.get(wall_url(tree)))
        assert f'<form class="filters" method="get" action="{wall_url(tree)}"' in page
        assert 'hx-get="' in page and 'hx-target="#wish-list"' in page

    def test_paginates(self, client, tree, make_wish, settings):
        settings.WEIGUANG = {**settings.WEIGUANG, "WALL_PAGE_SIZE": 2}
        for title in ["想要一个电水壶", "想要一个书包", "想要一台风扇"]:
            make_wish("published", title=title)
        first_response = client.get(wall_url(tree))
        second_response = client.get(wall_url(tree), {"page": 2})
        first, second = html(first_response), html(second_response)
        assert "3 wishes" in first
        assert first.count('class="wish-card"') == 2 and second.count('class="wish-card"') == 1
        assert "page=2" in first
        assert titles(first_response) == ["想要一台风扇", "想要一个书包"]  # newest on the wall first
        assert titles(second_response) == ["想要一个电水壶"]

    def test_unknown_region_or_wrong_kind_is_404(self, client, tree):
        assert client.get(f"/communities/{tree.street.pk}/wall/").status_code == 404
        assert client.get(f"/streets/{tree.community_a.pk}/wall/").status_code == 404
        assert client.get("/streets/999999/wall/").status_code == 404

    def test_anonymous_wall_sets_no_cookie_and_warm_hit_runs_no_query(
        self, client, tree, make_wish, django_assert_max_num_queries
    ):
        make_wish("published", title="想要一个电水壶")
        url = wall_url(tree)
        cold = client.get(url)
        assert cold.status_code == 200
        with django_assert_max_num_queries(0):
            warm = client.get(url)
        assert warm.content == cold.content
        assert not warm.cookies  # neither a CSRF nor a session cookie
        assert "csrfmiddlewaretoken" not in html(warm)
        assert not cold.cookies
        client.get(url, {"kind": "item"}, headers={"HX-Request": "true"})
        with django_assert_max_num_queries(0):
            fragment = client.get(url, {"kind": "item"}, headers={"HX-Request": "true"})
        assert "电水壶" in html(fragment)

    def test_cache_varies_with_language_and_large_text(self, client, tree, make_wish):
        make_wish("published")
        url = wall_url(tree)
        client.cookies["wg_lang"] = "en"
        english = html(client.get(url))
        client.cookies["wg_large"] = "1"
        large = html(client.get(url))
        assert "Wish wall" in english and 'class="large-text"' not in english
        assert 'class="large-text"' in large
        client.cookies["wg_lang"] = "zh-hans"
        client.cookies["wg_large"] = "0"
        chinese = html(client.get(url))
        assert '<html lang="zh-Hans">' in chinese and '<html lang="en"' in english

    def test_publishing_invalidates_the_cached_wall(
        self, client, tree, people, make_wish, django_capture_on_commit_callbacks
    ):
        wish = make_wish("submitted", title="想要一台电风扇")
        url = wall_url(tree)
        assert "电风扇" not in html(client.get(url))
        assert "电风扇" not in html(client.get(url))  # served from the cache
        staff = client.__class__()
        staff.cookies["wg_lang"] = "en"
        staff.force_login(people.staff)
        with django_capture_on_commit_callbacks(execute=True):
            staff.post(f"/wishes/{wish.pk}/publish/")
        assert refresh(wish).status == WishStatus.PUBLISHED
        assert "电风扇" in html(client.get(url))
        assert "电风扇" in html(client.get(wall_url(tree, street=True)))

    def test_claiming_updates_the_cached_badge(
        self, client, tree, people, make_wish, django_capture_on_commit_callbacks
    ):
        wish = make_wish("published")
        url = wall_url(tree)
        assert 'data-status="published"' in html(client.get(url))
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_wish(wish, people.volunteer)
        assert 'data-status="claimed"' in html(client.get(url))

    def test_an_upgrade_is_never_served_the_old_codes_pages(
        self, client, tree, make_wish, monkeypatch, django_assert_max_num_queries
    ):
        from weiguang.wishes import wall

        make_wish("published", title="想要一个电水壶")
        url = wall_url(tree)
        client.get(url)
        with django_assert_max_num_queries(0):
            client.get(url)  # warm: served from the cache
        monkeypatch.setattr(wall, "code_version", lambda: "after-the-upgrade")
        queries = CaptureQueriesContext(connection)
        with queries:
            page = html(client.get(url))
        assert len(queries) > 0, "the page cached by the old code was served"
        assert "电水壶" in page

    def test_logged_in_user_gets_the_wall_with_their_own_header(self, client, tree, people, make_wish):
        make_wish("published", title="想要一个电水壶")
        client.get(wall_url(tree))  # warm the anonymous cache
        client.force_login(people.volunteer)
        page = html(client.get(wall_url(tree)))
        assert "电水壶" in page
        assert 'data-nav="claims"' in page and "/logout/" in page


class TestQr:
    def test_svg_of_the_wish_address_cached_publicly(self, client, make_wish, django_assert_max_num_queries):
        wish = make_wish("published")
        response = client.get(f"/wishes/{wish.pk}/qr.svg")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Cache-Control"] == "public, max-age=86400"
        assert response.content.lstrip().startswith(b"<svg")
        with django_assert_max_num_queries(0):
            again = client.get(f"/wishes/{wish.pk}/qr.svg")
        assert again.content == response.content

    def test_qr_encodes_the_absolute_wish_url(self, client, make_wish):
        import segno

        wish = make_wish("published")
        expected = io.BytesIO()
        segno.make(f"http://testserver/wishes/{wish.pk}/", error="m").save(
            expected, kind="svg", scale=4, border=2, xmldecl=False
        )
        got = client.get(f"/wishes/{wish.pk}/qr.svg").content.decode()
        # same modules: the path data of the code is identical
        import re

        path = re.search(r' d="([^"]+)"', expected.getvalue().decode()).group(1)
        assert path in got

    def test_unknown_wish_is_404(self, client, db):
        assert client.get("/wishes/424242/qr.svg").status_code == 404


# --- one wish: who may see what -------------------------------------------------------------


class TestWishPage:
    def test_public_wish_anonymous_sees_masked_and_a_login_to_claim(self, client, people, make_wish):
        wish = make_wish("published")
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert "想要一个电饭煲" in page and "王阿姨" in page
        assert "王秀英" not in page and people.resident.phone not in page
        assert 'data-testid="contact"' not in page and 'data-testid="history"' not in page
        assert "Log in to claim this wish" in page and 'data-action="claim"' not in page

    def test_private_wish_anonymous_is_sent_to_login(self, client, make_wish):
        wish = make_wish("submitted")
        response = client.get(f"/wishes/{wish.pk}/")
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")

    @pytest.mark.parametrize(
        "who", ["volunteer", "outsider_staff", "outsider_grid_worker", "stranger", "staff_b"]
    )
    def test_private_wish_is_404_for_others(self, client, people, make_wish, who):
        wish = make_wish("submitted")
        client.force_login(getattr(people, who))
        assert client.get(f"/wishes/{wish.pk}/").status_code == 404

    @pytest.mark.parametrize("who", ["resident_user", "staff", "street_admin", "grid_worker"])
    def test_private_wish_is_shown_to_owner_and_region(self, client, people, make_wish, who):
        wish = make_wish("submitted")
        client.force_login(getattr(people, who))
        assert client.get(f"/wishes/{wish.pk}/").status_code == 200

    def test_staff_sees_contact_history_and_review_buttons(self, client, people, make_wish):
        wish = make_wish("submitted")
        client.force_login(people.staff)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert 'data-testid="contact"' in page and "王秀英" in page and people.resident.phone in page
        assert 'data-action="publish"' in page and 'data-action="reject"' in page
        assert 'data-testid="history"' in page
        assert 'data-action="claim"' not in page

    def test_owner_sees_withdraw_not_review(self, client, people, make_wish):
        wish = make_wish("submitted")
        client.force_login(people.resident_user)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert 'data-action="withdraw"' in page
        assert 'data-action="publish"' not in page and 'data-action="claim"' not in page

    def test_volunteer_sees_contact_only_once_the_claim_is_theirs(self, client, people, make_wish):
        wish = make_wish("published")
        client.force_login(people.volunteer)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert 'data-action="claim"' in page and 'data-testid="contact"' not in page
        assert people.resident.phone not in page
        services.claim_wish(wish, people.volunteer)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert 'data-testid="contact"' in page and people.resident.phone in page and "王秀英" in page
        assert 'data-action="fulfil"' in page and 'data-action="release"' in page
        # another volunteer sees who claimed it (masked), not the resident's contact
        client.force_login(people.volunteer2)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert 'data-testid="contact"' not in page and people.resident.phone not in page
        assert 'data-action="claim"' not in page
        assert "周*" in page and "周志愿" not in page

    def test_outsider_volunteer_may_look_but_not_claim(self, client, people, make_wish):
        wish = make_wish("published")
        client.force_login(people.outsider_volunteer)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert "想要一个电饭煲" in page and 'data-action="claim"' not in page

    def test_rejection_reason_shown_to_the_resident(self, client, people, make_wish):
        wish = make_wish("rejected")
        client.force_login(people.resident_user)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert 'data-testid="reject-reason"' in page and "不符合条件" in page

    def test_staff_wish_link_redirects_to_the_wish(self, client, people, make_wish):
        wish = make_wish("submitted")
        client.force_login(people.staff)
        response = client.get(f"/staff/wishes/{wish.pk}/")
        assert response.status_code == 302 and response["Location"] == f"/wishes/{wish.pk}/"


# --- actions -----------------------------------------------------------------------------------


class TestActions:
    def post(self, client, user, wish, action, data=None, **kw):
        client.force_login(user)
        return client.post(f"/wishes/{wish.pk}/{action}/", data or {}, **kw)

    def test_staff_publishes(self, client, people, make_wish):
        wish = make_wish("submitted")
        response = self.post(client, people.staff, wish, "publish")
        assert response.status_code == 302 and response["Location"] == f"/wishes/{wish.pk}/"
        assert refresh(wish).status == WishStatus.PUBLISHED
        page = html(client.get(response["Location"]))
        assert "The wish is on the wall." in page

    def test_staff_of_another_community_cannot_publish(self, client, people, make_wish):
        wish = make_wish("submitted")
        response = self.post(client, people.staff_b, wish, "publish")
        assert response.status_code == 404
        assert refresh(wish).status == WishStatus.SUBMITTED

    def test_volunteer_cannot_reject_a_public_wish(self, client, people, make_wish):
        wish = make_wish("published")
        response = self.post(client, people.volunteer, wish, "reject", {"reason": "不要"})
        assert response.status_code == 403
        assert "You are not allowed to do this." in html(response)
        assert refresh(wish).status == WishStatus.PUBLISHED

    def test_reject_needs_a_reason(self, client, people, make_wish):
        wish = make_wish("submitted")
        response = self.post(client, people.staff, wish, "reject", {"reason": ""})
        assert response.status_code == 422 and 'data-action="reject"' in html(response)
        assert refresh(wish).status == WishStatus.SUBMITTED
        self.post(client, people.staff, wish, "reject", {"reason": "属于诉求，已转交"})
        wish = refresh(wish)
        assert wish.status == WishStatus.REJECTED and wish.reject_reason == "属于诉求，已转交"

    def test_volunteer_claims_with_a_promised_date(self, client, people, make_wish):
        wish = make_wish("published")
        promised = timezone.localdate() + dt.timedelta(days=3)
        response = self.post(client, people.volunteer, wish, "claim", {"promised_date": promised.isoformat()})
        assert response.status_code == 302
        claim = Claim.objects.get(wish=wish)
        assert claim.claimer == people.volunteer and claim.promised_date == promised and claim.partner is None
        assert refresh(wish).status == WishStatus.CLAIMED
        assert Notification.objects.filter(recipient=people.resident_user, url=f"/wishes/{wish.pk}/").exists()

    def test_claim_in_the_past_is_refused_with_a_message(self, client, people, make_wish):
        wish = make_wish("published")
        past = timezone.localdate() - dt.timedelta(days=1)
        response = self.post(client, people.volunteer, wish, "claim", {"promised_date": past.isoformat()})
        assert response.status_code == 422
        assert "The promised date cannot be in the past." in html(response)
        assert refresh(wish).status == WishStatus.PUBLISHED

    def test_second_claimer_gets_a_clear_message_not_an_error(self, client, people, make_wish):
        wish = make_wish("published")
        date = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
        self.post(client, people.volunteer, wish, "claim", {"promised_date": date})
        response = self.post(client, people.volunteer2, wish, "claim", {"promised_date": date})
        assert response.status_code in (403, 409)
        assert 'class="msg msg-error"' in html(response)
        assert Claim.objects.get(wish=wish).claimer == people.volunteer

    def test_partner_representative_claims_for_their_unit(self, client, people, make_wish):
        wish = make_wish("published")
        client.force_login(people.partner_rep)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert people.partner.name in page and 'name="partner"' in page
        date = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
        self.post(
            client, people.partner_rep, wish, "claim", {"promised_date": date, "partner": people.partner.pk}
        )
        claim = Claim.objects.get(wish=wish)
        assert claim.partner == people.partner and claim.claimer == people.partner_rep
        client.logout()
        assert people.partner.name in html(client.get(f"/wishes/{wish.pk}/"))
        client.force_login(people.partner_rep)
        assert "想要一个电饭煲" in html(client.get("/my/claims/"))

    def test_cannot_claim_for_a_unit_one_does_not_represent(self, client, people, tree, make_wish):
        wish = make_wish("published")
        other_unit = PartnerFactory(name="七星里药房", region=tree.street)
        date = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
        response = self.post(
            client, people.partner_rep, wish, "claim", {"promised_date": date, "partner": other_unit.pk}
        )
        assert response.status_code == 422 and 'class="errorlist"' in html(response)
        assert not Claim.objects.filter(wish=wish).exists()

    def test_fulfil_needs_a_note_and_takes_photos(self, client, people, make_wish):
        wish = make_wish("claimed")
        response = self.post(client, people.volunteer, wish, "fulfil", {"note": ""})
        assert response.status_code == 422
        assert refresh(wish).status == WishStatus.CLAIMED
        response = self.post(
            client, people.volunteer, wish, "fulfil", {"note": "已送到家并教会使用", "photos": [png()]}
        )
        assert response.status_code == 302
        wish = refresh(wish)
        assert wish.status == WishStatus.FULFILLED and wish.fulfil_note == "已送到家并教会使用"
        photo = WishPhoto.objects.get(wish=wish)
        assert photo.stage == PhotoStage.FULFIL
        client.logout()
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert "已送到家并教会使用" in page and photo.image.url in page

    def test_fulfil_with_a_non_picture_is_refused(self, client, people, make_wish):
        wish = make_wish("claimed")
        bad = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
        response = self.post(client, people.volunteer, wish, "fulfil", {"note": "送到了", "photos": [bad]})
        assert response.status_code == 422 and "is not a picture" in html(response)
        assert refresh(wish).status == WishStatus.CLAIMED

    def test_only_the_claimer_fulfils(self, client, people, make_wish):
        wish = make_wish("claimed")
        response = self.post(client, people.volunteer2, wish, "fulfil", {"note": "送到了"})
        assert response.status_code == 403
        assert refresh(wish).status == WishStatus.CLAIMED

    def test_claimer_releases(self, client, people, make_wish):
        wish = make_wish("claimed")
        self.post(client, people.volunteer, wish, "release", {"release-reason": "临时出差"})
        assert refresh(wish).status == WishStatus.PUBLISHED

    def test_resident_confirms_with_thanks_and_stars(self, client, people, make_wish):
        wish = make_wish("fulfilled")
        client.force_login(people.resident_user)
        assert 'data-action="confirm"' in html(client.get(f"/wishes/{wish.pk}/"))
        self.post(client, people.resident_user, wish, "confirm", {"rating": "5", "thanks": "谢谢小周"})
        wish = refresh(wish)
        assert wish.status == WishStatus.CONFIRMED and wish.rating == 5 and wish.thanks == "谢谢小周"
        client.logout()
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert "谢谢小周" in page and "★★★★★" in page

    def test_bad_rating_is_refused(self, client, people, make_wish):
        wish = make_wish("fulfilled")
        response = self.post(client, people.resident_user, wish, "confirm", {"rating": "9"})
        assert response.status_code == 422
        assert refresh(wish).status == WishStatus.FULFILLED

    def test_staff_confirms_on_behalf(self, client, people, make_wish):
        wish = make_wish("fulfilled")
        self.post(client, people.staff, wish, "confirm", {"rating": ""})
        assert refresh(wish).status == WishStatus.CONFIRMED

    def test_volunteer_cannot_confirm(self, client, people, make_wish):
        wish = make_wish("fulfilled")
        response = self.post(client, people.volunteer, wish, "confirm", {"rating": "5"})
        assert response.status_code == 403 and refresh(wish).status == WishStatus.FULFILLED

    def test_resident_withdraws(self, client, people, make_wish):
        wish = make_wish("published")
        self.post(client, people.resident_user, wish, "withdraw", {"withdraw-reason": "已经买到了"})
        assert refresh(wish).status == WishStatus.WITHDRAWN

    def test_wrong_state_is_a_message(self, client, people, make_wish):
        wish = make_wish("confirmed")
        response = self.post(client, people.resident_user, wish, "withdraw")
        assert response.status_code in (403, 409) and 'class="msg msg-error"' in html(response)

    def test_anonymous_post_goes_to_login_and_get_is_refused(self, client, make_wish):
        wish = make_wish("published")
        response = client.post(f"/wishes/{wish.pk}/claim/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert refresh(wish).status == WishStatus.PUBLISHED

    def test_unknown_action_and_get_are_refused(self, client, people, make_wish):
        wish = make_wish("published")
        client.force_login(people.staff)
        assert client.post(f"/wishes/{wish.pk}/explode/").status_code == 404
        assert client.get(f"/wishes/{wish.pk}/publish/").status_code == 405

    def test_next_must_stay_on_this_site(self, client, people, make_wish):
        wish = make_wish("submitted")
        response = self.post(client, people.staff, wish, "publish", {"next": "https://evil.example/"})
        assert response["Location"] == f"/wishes/{wish.pk}/"


# --- posting a wish ----------------------------------------------------------------------------


class TestPostWish:
    def test_three_steps(self, client, people):
        client.force_login(people.resident_user)
        step1 = html(client.get("/wishes/new/"))
        assert 'href="?kind=item"' in step1 and 'href="?kind=service"' in step1
        step2 = client.get("/wishes/new/?kind=item")
        form = step2.context["form"]
        key = form.initial["idempotency_key"]
        assert key and f'value="{key}"' in html(step2) and 'name="value"' in html(step2)
        assert 'name="value"' not in html(client.get("/wishes/new/?kind=service"))
        response = client.post(
            "/wishes/new/",
            {
                "kind": "item",
                "title": "想要一个电水壶",
                "description": "旧的漏电了",
                "idempotency_key": key,
                "value": "80",
                "photos": [png()],
            },
        )
        wish = Wish.objects.get(title="想要一个电水壶")
        assert response.status_code == 302 and response["Location"] == f"/wishes/{wish.pk}/"
        assert wish.resident == people.resident and wish.channel == Channel.SELF and wish.value == 80
        assert wish.category.name == "生活用品"  # suggested from the text
        assert WishPhoto.objects.filter(wish=wish, stage=PhotoStage.INTAKE).count() == 1
        done = html(client.get(response["Location"]))
        assert "Your wish was posted." in done and 'data-status="submitted"' in done

    def test_double_tap_creates_one_wish(self, client, people):
        client.force_login(people.resident_user)
        data = {"kind": "service", "title": "想请人上门理发", "idempotency_key": "tap-1"}
        first = client.post("/wishes/new/", data)
        second = client.post("/wishes/new/", data)
        assert Wish.objects.filter(title="想请人上门理发").count() == 1
        assert first["Location"] == second["Location"]

    def test_near_duplicate_warns_and_can_be_posted_anyway(self, client, people, make_wish):
        make_wish("published", title="想要一个电饭煲")
        client.force_login(people.resident_user)
        data = {
            "kind": "item",
            "title": "想要一个电饭煲",
            "description": "家里的坏了",
            "idempotency_key": "dup-1",
        }
        response = client.post("/wishes/new/", data)
        page = html(response)
        assert response.status_code == 200 and 'data-testid="duplicate"' in page
        assert 'name="confirm_duplicate" value="on"' in page and 'value="dup-1"' in page
        assert Wish.objects.filter(title="想要一个电饭煲").count() == 1
        response = client.post("/wishes/new/", {**data, "confirm_duplicate": "on"})
        assert response.status_code == 302
        assert Wish.objects.filter(title="想要一个电饭煲").count() == 2

    def test_value_over_the_street_cap_is_refused(self, client, people, tree):
        WishPolicy.objects.create(street=tree.street, item_value_cap=200)
        client.force_login(people.resident_user)
        page = html(client.get("/wishes/new/?kind=item"))
        assert "Up to 200 yuan" in page
        response = client.post(
            "/wishes/new/", {"kind": "item", "title": "想要一台冰箱", "value": "2000", "idempotency_key": "k"}
        )
        assert response.status_code == 422 and "at most 200" in html(response)
        assert not Wish.objects.exists()

    def test_too_short_title_is_a_field_error(self, client, people):
        client.force_login(people.resident_user)
        response = client.post("/wishes/new/", {"kind": "item", "title": "米", "idempotency_key": "k"})
        assert response.status_code == 422 and 'class="errorlist"' in html(response)
        assert not Wish.objects.exists()

    def test_staff_is_sent_to_the_on_behalf_form_and_volunteer_is_refused(self, client, people):
        client.force_login(people.staff)
        response = client.get("/wishes/new/")
        assert response.status_code == 302 and response["Location"] == "/grid/wishes/new/"
        client.force_login(people.volunteer)
        assert client.get("/wishes/new/").status_code == 403

    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get("/wishes/new/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_category_is_suggested_from_the_text(self, client, people):
        client.force_login(people.resident_user)
        haircut = WishCategory.objects.get(name="理发美容")
        response = client.get("/wishes/suggest-category/", {"title": "想剪个头发理发", "kind": "service"})
        page = html(response)
        assert page.lstrip().startswith('<div class="field" id="category-field"')
        assert f'<option value="{haircut.pk}" selected>' in page
        # the user's own choice is kept
        chosen = WishCategory.objects.get(name="其他")
        page = html(
            client.get(
                "/wishes/suggest-category/",
                {"title": "想剪个头发理发", "kind": "service", "category": chosen.pk},
            )
        )
        assert f'<option value="{chosen.pk}" selected>' in page


class TestOnBehalf:
    def test_grid_worker_finds_only_residents_of_their_grids(self, client, people):
        client.force_login(people.grid_worker)
        page = html(client.get("/grid/wishes/new/", {"q": "王"}))
        assert "王秀英" in page
        page = html(client.get("/grid/residents/search/", {"q": "陈"}))
        assert page.lstrip().startswith('<section id="resident-results"')
        assert "陈桂兰" not in page  # she lives in grid A2
        assert client.get(f"/grid/wishes/new/?resident={people.other_resident.pk}").status_code == 404

    def test_grid_worker_records_a_wish_with_the_channel(self, client, people):
        client.force_login(people.grid_worker)
        form = client.get(f"/grid/wishes/new/?resident={people.resident.pk}")
        assert form.status_code == 200 and "王秀英" in html(form)
        assert html(form).count('name="kind"') == 2  # item and service, once each
        response = client.post(
            "/grid/wishes/new/",
            {
                "resident": people.resident.pk,
                "kind": "service",
                "channel": "phone",
                "title": "想请人帮忙修水管",
                "idempotency_key": "g1",
            },
        )
        wish = Wish.objects.get(title="想请人帮忙修水管")
        assert response.status_code == 302
        assert (
            wish.resident == people.resident
            and wish.channel == Channel.PHONE
            and wish.created_by == people.grid_worker
        )

    def test_staff_records_for_any_resident_of_their_community(self, client, people):
        client.force_login(people.staff)
        assert "陈桂兰" in html(client.get("/grid/wishes/new/", {"q": "陈"}))
        response = client.post(
            "/grid/wishes/new/",
            {
                "resident": people.other_resident.pk,
                "kind": "item",
                "channel": "desk",
                "title": "想要一个台灯",
                "idempotency_key": "s1",
            },
        )
        assert response.status_code == 302
        assert Wish.objects.get(title="想要一个台灯").resident == people.other_resident

    @pytest.mark.parametrize("who", ["volunteer", "resident_user", "stranger"])
    def test_others_are_refused(self, client, people, who):
        client.force_login(getattr(people, who))
        assert client.get("/grid/wishes/new/").status_code == 403
        assert client.get("/grid/residents/search/?q=王").status_code == 403

    def test_outsider_grid_worker_finds_nobody_here(self, client, people):
        client.force_login(people.outsider_grid_worker)
        assert "王秀英" not in html(client.get("/grid/wishes/new/", {"q": "王"}))
        assert client.get(f"/grid/wishes/new/?resident={people.resident.pk}").status_code == 404


# --- lists -------------------------------------------------------------------------------------


class TestLists:
    def test_my_wishes_shows_only_mine(self, client, people, make_wish):
        make_wish("fulfilled", title="想要一个电水壶")
        make_wish("submitted", title="想要一个台灯", resident=people.other_resident)
        client.force_login(people.resident_user)
        page = html(client.get("/my/wishes/"))
        assert "电水壶" in page and "台灯" not in page
        assert "Confirm and say thanks" in page

    def test_my_claims(self, client, people, make_wish):
        make_wish("claimed", title="想要一个电水壶")
        make_wish("confirmed", title="想要一个书包")
        client.force_login(people.volunteer)
        page = html(client.get("/my/claims/"))
        todo, earlier = page.split("Earlier")
        assert "电水壶" in todo and "书包" in earlier
        client.force_login(people.volunteer2)
        assert "电水壶" not in html(client.get("/my/claims/"))

    def test_review_queue_lists_submitted_wishes_of_my_region(self, client, people, tree, make_wish):
        make_wish("submitted", title="想要一个电水壶")
        make_wish("published", title="想要一个书包")
        b_resident = ResidentFactory(name="钱桂英", grid=tree.grid_b1)
        services.submit_wish(people.street_admin, kind="item", title="想要一台风扇", resident=b_resident)
        client.force_login(people.staff)
        page = html(client.get("/staff/wishes/"))
        assert "电水壶" in page and "书包" not in page and "风扇" not in page
        client.force_login(people.street_admin)
        page = html(client.get("/staff/wishes/"))
        assert "电水壶" in page and "风扇" in page
        client.force_login(people.outsider_staff)
        page = html(client.get("/staff/wishes/"))
        assert "电水壶" not in page and "风扇" not in page

    def test_queue_publishes_inline_with_htmx(self, client, people, make_wish):
        wish = make_wish("submitted")
        client.force_login(people.staff)
        response = client.post(
            f"/wishes/{wish.pk}/publish/", {"from": "queue"}, headers={"HX-Request": "true"}
        )
        page = html(response)
        assert page.lstrip().startswith(f'<li id="queue-{wish.pk}"')
        assert "The wish is on the wall." in page and 'data-action="publish"' not in page
        assert refresh(wish).status == WishStatus.PUBLISHED

    def test_queue_reject_without_reason_keeps_the_row(self, client, people, make_wish):
        wish = make_wish("submitted")
        client.force_login(people.staff)
        response = client.post(
            f"/wishes/{wish.pk}/reject/", {"from": "queue", "reason": ""}, headers={"HX-Request": "true"}
        )
        assert 'data-action="reject"' in html(response)
        assert refresh(wish).status == WishStatus.SUBMITTED
        response = client.post(
            f"/wishes/{wish.pk}/reject/",
            {"from": "queue", "reason": "重复提交"},
            headers={"HX-Request": "true"},
        )
        assert refresh(wish).status == WishStatus.REJECTED

    def test_region_list_with_state_filter(self, client, people, make_wish):
        make_wish("submitted", title="想要一个电水壶")
        make_wish("claimed", title="想要一个书包")
        for user in (people.staff, people.grid_worker):
            client.force_login(user)
            page = html(client.get("/staff/wishes/all/"))
            assert "电水壶" in page and "书包" in page
            page = html(client.get("/staff/wishes/all/", {"status": "claimed"}))
            assert "电水壶" not in page and "书包" in page
        client.force_login(people.outsider_staff)
        assert "书包" not in html(client.get("/staff/wishes/all/"))

    @pytest.mark.parametrize("who", ["volunteer", "resident_user", "stranger"])
    def test_staff_pages_refuse_others(self, client, people, who):
        client.force_login(getattr(people, who))
        assert client.get("/staff/wishes/").status_code == 403
        assert client.get("/staff/wishes/all/").status_code == 403

    def test_grid_worker_has_no_review_queue(self, client, people):
        client.force_login(people.grid_worker)
        assert client.get("/staff/wishes/").status_code == 403

    @pytest.mark.parametrize(
        "url", ["/my/wishes/", "/my/claims/", "/staff/wishes/", "/staff/wishes/all/", "/grid/wishes/new/"]
    )
    def test_lists_need_login(self, client, db, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
