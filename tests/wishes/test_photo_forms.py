"""Every page form with photos says, next to the photo field, when the photos it was sent were
not kept and must be chosen again, and shows a photo's own error there (issue 9, item 16)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from weiguang.wishes.models import Wish, WishPhoto, WishStatus

pytestmark = pytest.mark.django_db


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def not_a_picture() -> SimpleUploadedFile:
    return SimpleUploadedFile("note.png", b"just words", content_type="image/png")


def photo_field(response, form_marker: str = "") -> str:
    """The HTML of the photo field (inside the form that contains `form_marker`)."""
    page = response.content.decode()
    if form_marker:
        page = page[page.index(form_marker) :]
    match = re.search(r'<div class="field[^"]*" data-testid="photo-field">.*?</div>\s*</div>', page, re.S)
    assert match, "no photo field"
    return match.group(0)


AGAIN = "没有保存，请在提交前重新选择"


class TestPostAWish:
    def data(self, **kw):
        return {
            "kind": "item",
            "title": "想要一袋大米",
            "description": "家里没米了",
            "idempotency_key": "p1",
            **kw,
        }

    def test_a_form_error_says_to_choose_the_photos_again(self, client, people):
        client.force_login(people.resident_user)
        response = client.post("/wishes/new/", self.data(title="", photos=[png(), png("b.png")]))
        assert response.status_code == 422
        field = photo_field(response)
        assert 'data-testid="photos-again"' in field and "（2 张）" in field and AGAIN in field

    def test_a_bad_photo_is_named_next_to_the_field(self, client, people):
        client.force_login(people.resident_user)
        response = client.post("/wishes/new/", self.data(photos=[not_a_picture()]))
        assert response.status_code == 422 and not Wish.objects.exists()
        field = photo_field(response)
        assert "“note.png”不是图片。" in field and 'data-testid="photo-error"' in field and AGAIN in field
        assert 'class="field has-error" data-testid="photo-field"' in field

    def test_no_notice_when_no_photo_was_sent(self, client, people):
        client.force_login(people.resident_user)
        response = client.post("/wishes/new/", self.data(title=""))
        assert response.status_code == 422 and "photos-again" not in photo_field(response)

    def test_the_duplicate_warning_asks_for_the_photos_again(self, client, people, make_wish):
        make_wish("published", title="想要一袋大米", description="家里没米了")
        client.force_login(people.resident_user)
        response = client.post("/wishes/new/", self.data(photos=[png()]))
        assert 'data-testid="duplicate"' in response.content.decode()
        assert AGAIN in photo_field(response)


class TestOnBehalf:
    def post(self, client, people, **kw):
        """The grid worker sends the form for a service wish the resident asked for by phone."""
        client.force_login(people.grid_worker)
        data = {"resident": people.resident.pk, "kind": "service", "channel": "phone", **kw}
        return client.post("/grid/wishes/new/", data)

    def test_a_form_error_says_to_choose_the_photos_again(self, client, people):
        response = self.post(client, people, title="", idempotency_key="g1", photos=[png()])
        assert response.status_code == 422
        assert "（1 张）" in photo_field(response)

    def test_a_bad_photo_is_named_next_to_the_field(self, client, people):
        response = self.post(
            client, people, title="想请人修水管", idempotency_key="g2", photos=[not_a_picture()]
        )
        assert response.status_code == 422 and not Wish.objects.exists()
        assert "“note.png”不是图片。" in photo_field(response)


class TestFulfil:
    def test_a_missing_note_says_to_choose_the_photos_again(self, client, people, make_wish):
        wish = make_wish("claimed")
        client.force_login(people.volunteer)
        response = client.post(f"/wishes/{wish.pk}/fulfil/", {"note": "", "photos": [png()]})
        assert response.status_code == 422
        assert AGAIN in photo_field(response, 'data-action="fulfil"')
        assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED

    def test_a_bad_photo_is_named_next_to_the_field(self, client, people, make_wish):
        wish = make_wish("claimed")
        client.force_login(people.volunteer)
        response = client.post(f"/wishes/{wish.pk}/fulfil/", {"note": "已送到", "photos": [not_a_picture()]})
        assert response.status_code == 422 and not WishPhoto.objects.exists()
        field = photo_field(response, 'data-action="fulfil"')
        assert "“note.png”不是图片。" in field and AGAIN in field
