"""Uploads are re-encoded pictures under generated names, and media are served as pictures only
(issue 9, item 1): a GIF or PNG with a script behind it, named .html, never comes back as a page."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from weiguang.core.errors import InvalidInput
from weiguang.core.uploads import check_photos
from weiguang.demands.models import Demand, DemandPhoto
from weiguang.wishes.models import WishPhoto

SCRIPT = b"<script>window.__xss=1;alert(document.cookie)</script>"


def gif_polyglot(name: str = "anon.html") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buf, "GIF")
    return SimpleUploadedFile(name, buf.getvalue() + SCRIPT, content_type="text/html")


def png_polyglot(name: str = "x.htm") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue() + SCRIPT, content_type="text/html")


def png_header(width: int, height: int, name: str = "bomb.png") -> SimpleUploadedFile:
    """A PNG claiming width x height pixels (a few bytes of a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\0" * 1024)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return SimpleUploadedFile(name, data, content_type="image/png")


def jpeg_with_gps(name: str = "IMG_0001.JPG") -> SimpleUploadedFile:
    """A 40x20 photo whose EXIF says: rotate 90° to view, taken at a GPS position."""
    img = Image.new("RGB", (40, 20), (0, 90, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (36.0, 4.0, 0.0), 3: "E", 4: (120.0, 22.0, 0.0)}  # GPS
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


class TestReencoding:
    def test_a_gif_polyglot_becomes_a_plain_png_under_a_generated_name(self):
        [stored] = check_photos([gif_polyglot("anon.html")])
        assert stored.name.endswith(".png") and "anon" not in stored.name and "html" not in stored.name
        data = stored.read()
        assert b"<script" not in data
        assert Image.open(io.BytesIO(data)).format == "PNG"

    def test_a_png_polyglot_named_htm_keeps_no_byte_of_the_script(self):
        [stored] = check_photos([png_polyglot("x.htm")])
        assert stored.name.endswith(".png") and ".htm" not in stored.name
        assert b"script" not in stored.read()

    def test_exif_and_gps_are_dropped_after_turning_the_picture_upright(self):
        [stored] = check_photos([jpeg_with_gps()])
        assert stored.name.endswith(".jpg") and "IMG_0001" not in stored.name
        img = Image.open(io.BytesIO(stored.read()))
        assert img.format == "JPEG" and img.size == (20, 40)  # upright
        assert not img.getexif() and "exif" not in img.info

    def test_a_very_wide_picture_is_scaled_down(self):
        buf = io.BytesIO()
        Image.new("RGB", (5000, 100), (9, 9, 9)).save(buf, "JPEG")
        [stored] = check_photos([SimpleUploadedFile("wide.jpg", buf.getvalue())])
        assert Image.open(stored).size == (4096, 82)

    def test_webp_stays_webp(self):
        buf = io.BytesIO()
        Image.new("RGBA", (10, 10), (1, 2, 3, 100)).save(buf, "WEBP")
        [stored] = check_photos([SimpleUploadedFile("a.webp", buf.getvalue())])
        assert stored.name.endswith(".webp") and Image.open(stored).format == "WEBP"

    @pytest.mark.parametrize("side", [20000, 12000])
    def test_too_many_pixels_is_a_clear_error_not_a_decompression_bomb(self, side):
        with pytest.raises(InvalidInput) as caught:
            check_photos([png_header(side, side)])
        assert caught.value.fields == {"photos": "too_many_pixels"}
        assert "万" in caught.value.message or "million" in caught.value.message

    def test_too_many_bytes_is_refused(self, settings):
        settings.MAX_UPLOAD_BYTES = 1000
        buf = io.BytesIO()
        Image.effect_noise((100, 100), 50).save(buf, "PNG")
        with pytest.raises(InvalidInput) as caught:
            check_photos([SimpleUploadedFile("n.png", buf.getvalue())])
        assert caught.value.fields == {"photos": "too_large"}

    def test_a_broken_picture_is_not_a_picture(self):
        data = png_polyglot().read()[:45]
        with pytest.raises(InvalidInput) as caught:
            check_photos([SimpleUploadedFile("cut.png", data)])
        assert caught.value.fields == {"photos": "not_image"}

    def test_other_picture_formats_are_refused(self):
        buf = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buf, "BMP")
        with pytest.raises(InvalidInput) as caught:
            check_photos([SimpleUploadedFile("a.bmp", buf.getvalue())])
        assert caught.value.fields == {"photos": "bad_type"}


# --- through the API, and back out of /media/ ------------------------------------------------


def assert_served_as_picture(client, url: str, content_type: str = "image/png", reencoded: bool = True):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    if reencoded:
        assert b"<script" not in b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("upload", [gif_polyglot, png_polyglot], ids=["gif-html", "png-htm"])
def test_an_anonymous_demand_with_a_polyglot_stores_a_picture(client, people, upload):
    r = client.post(
        "/api/v1/demands", {"grid": people.tree.grid_a1.pk, "title": "路口积水", "photos": [upload()]}
    )
    assert r.status_code == 201, r.content
    photo = DemandPhoto.objects.get(demand_id=r.json()["id"])
    assert photo.image.name.startswith("demands/") and photo.image.name.endswith(".png")
    assert ".htm" not in photo.image.name and "anon" not in photo.image.name
    client.force_login(people.staff)
    staff_view = client.get(f"/api/v1/demands/{photo.demand_id}").json()
    [shown] = staff_view["photos"]
    assert shown["url"] == photo.image.url
    assert_served_as_picture(client, shown["url"])


@pytest.mark.django_db
def test_a_bomb_through_the_api_is_a_422_and_creates_nothing(client, people):
    before = Demand.objects.count()
    r = client.post(
        "/api/v1/demands",
        {"grid": people.tree.grid_a1.pk, "title": "路口积水", "photos": [png_header(20000, 20000)]},
    )
    assert r.status_code == 422 and "photos" in r.json()["errors"]
    assert Demand.objects.count() == before


@pytest.mark.django_db
def test_fulfilment_evidence_with_a_polyglot_through_the_api_stores_a_picture(client, people, make_wish):
    wish = make_wish("claimed")
    client.force_login(people.volunteer)
    r = client.post(f"/api/v1/wishes/{wish.pk}/fulfil", {"note": "已送到", "photos": [gif_polyglot()]})
    assert r.status_code == 200, r.content
    photo = WishPhoto.objects.get(wish=wish)
    assert photo.image.name.startswith("wishes/") and photo.image.name.endswith(".png")
    assert [p["url"] for p in r.json()["photos"]] == [photo.image.url]
    assert_served_as_picture(client, photo.image.url)


@pytest.mark.django_db
def test_a_wish_posted_on_the_page_with_a_polyglot_stores_a_picture(client, people):
    client.force_login(people.resident_user)
    r = client.post(
        "/wishes/new/",
        {
            "kind": "item",
            "title": "想要一袋大米",
            "description": "家里没米了",
            "idempotency_key": "k-1",
            "photos": [png_polyglot()],
        },  # fmt: skip
    )
    assert r.status_code == 302, r.content
    photo = WishPhoto.objects.get()
    assert photo.image.name.endswith(".png") and ".htm" not in photo.image.name
    assert_served_as_picture(client, photo.image.url)


@pytest.mark.django_db
def test_media_that_is_not_one_of_our_pictures_is_never_served(client, settings):
    legacy = settings.MEDIA_ROOT / "demands" / "2026" / "12"
    legacy.mkdir(parents=True)
    (legacy / "anon.html").write_bytes(gif_polyglot().read())
    (legacy / "old.gif").write_bytes(gif_polyglot().read())
    assert client.get("/media/demands/2026/12/anon.html").status_code == 404
    assert client.get("/media/demands/2026/12/").status_code == 404
    # an old GIF (stored before re-encoding) is still a picture, but never a page
    assert_served_as_picture(client, "/media/demands/2026/12/old.gif", "image/gif", reencoded=False)


@pytest.mark.django_db
def test_staff_see_a_demands_photos_on_its_page(client, people):
    client.force_login(people.grid_worker)
    r = client.post(
        "/api/v1/demands",
        {"grid": people.tree.grid_a1.pk, "title": "楼道堆满杂物", "resident_id": people.resident.pk,
         "photos": [gif_polyglot()]},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    photo = DemandPhoto.objects.get(demand_id=r.json()["id"])
    client.force_login(people.staff)
    page = client.get(f"/demands/{photo.demand_id}/").content.decode()
    assert 'data-testid="photos"' in page and f'<img src="{photo.image.url}"' in page


@pytest.mark.django_db
def test_photos_stored_before_re_encoding_are_re_encoded_once(people, settings, make_wish):
    """`weiguang reencode_photos`: old polyglots become pictures under generated names, files
    that are no picture at all are removed with their row."""
    from django.core.management import call_command

    from weiguang.demands.models import DemandPhotoStage
    from weiguang.demands.services.intake import submit_demand

    demand = submit_demand(people.grid_worker, grid=people.tree.grid_a1, title="路口积水", channel="visit")
    old = settings.MEDIA_ROOT / "demands" / "2026" / "12"
    old.mkdir(parents=True)
    (old / "anon.html").write_bytes(gif_polyglot().read())
    (old / "page.gif").write_bytes(b"<html><script>alert(1)</script></html>")
    kept = DemandPhoto.objects.create(
        demand=demand, image="demands/2026/12/anon.html", stage=DemandPhotoStage.INTAKE
    )
    bad = DemandPhoto.objects.create(
        demand=demand, image="demands/2026/12/page.gif", stage=DemandPhotoStage.INTAKE
    )
    out = io.StringIO()
    call_command("reencode_photos", stdout=out)
    assert "1 photos were re-encoded, 1 removed" in out.getvalue()
    kept.refresh_from_db()
    assert kept.image.name.startswith("demands/") and kept.image.name.endswith(".png")
    assert b"<script" not in kept.image.read()
    assert not DemandPhoto.objects.filter(pk=bad.pk).exists()
    assert not (old / "anon.html").exists() and not (old / "page.gif").exists()
    out = io.StringIO()
    call_command("reencode_photos", stdout=out)
    assert "0 photos were re-encoded, 0 removed" in out.getvalue()


@pytest.mark.django_db
def test_a_file_that_skipped_check_photos_is_never_stored(people, settings):
    """Any later upload path that forgets check_photos() fails loudly (core.uploads.RawUpload)."""
    from weiguang.core.uploads import RawUpload
    from weiguang.demands.services.intake import submit_demand

    demand = submit_demand(people.grid_worker, grid=people.tree.grid_a1, title="路口积水", channel="visit")
    with pytest.raises(RawUpload):
        DemandPhoto.objects.create(demand=demand, image=gif_polyglot("anon.html"))
    assert not DemandPhoto.objects.exists() and not (settings.MEDIA_ROOT / "demands").exists()
    [fresh] = check_photos([gif_polyglot("anon.html")])
    assert DemandPhoto.objects.create(demand=demand, image=fresh).image.name.endswith(".png")


def test_a_picture_whose_exif_is_garbage_is_still_taken_or_refused_cleanly():
    """Hostile metadata never becomes a 500: the picture is taken without it, or refused."""
    good = jpeg_with_gps().read()
    start = good.index(b"Exif\x00\x00")
    broken = good[: start + 6] + b"\xff" * 40 + good[start + 46 :]
    try:
        [stored] = check_photos([SimpleUploadedFile("odd.jpg", broken)])
    except InvalidInput as err:
        assert err.fields == {"photos": "not_image"}
    else:
        assert not Image.open(stored).getexif()


def _sample(fmt: str) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (12, 9), (30, 140, 60))
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 3
        img.save(buf, fmt, exif=exif)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


SAMPLES = {fmt: _sample(fmt) for fmt in ("JPEG", "PNG", "GIF", "WEBP")}


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(sorted(SAMPLES)),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=8)), max_size=4),
)
def test_mangled_pictures_are_refused_cleanly_or_stored_re_encoded(fmt, cuts):
    data = bytearray(SAMPLES[fmt])
    for at, junk in cuts:
        at = at % len(data)
        data[at : at + len(junk)] = junk
    try:
        [stored] = check_photos([SimpleUploadedFile("x", bytes(data))])
    except InvalidInput as err:
        assert set(err.fields.values()) <= {"not_image", "bad_type", "too_many_pixels"}
    else:
        assert Image.open(stored).format in {"JPEG", "PNG", "WEBP"}
