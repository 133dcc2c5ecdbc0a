"""Stored XSS through photos (issue 9, item 1, and its browser sweep): a GIF with a script
behind it, named anon.html, is sent anonymously; staff then open the demand and the photo.
Nothing runs: the photo is a re-encoded picture, served as image/* with nosniff and a
sandboxing policy. And the pages that carry the site-wide CSP still work under it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from weiguang.demands.models import Demand

from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sets a flag, opens a dialog and tries to send the cookies away: any of them would show.
SCRIPT = b"<script>window.__xss=1;alert('xss');fetch('/steal?c='+document.cookie)</script>"
WATCH = """
window.__dialogs = 0;
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
"""


@pytest.fixture(autouse=True)
def _media_through_the_app(monkeypatch):
    """Django's live server answers /media/ itself, around the app; let the app answer, as it
    does in `weiguang serve`, so that what is checked is what production sends."""
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


def gif_polyglot() -> bytes:
    buf = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buf, "GIF")
    return buf.getvalue() + SCRIPT


def test_a_polyglot_sent_anonymously_runs_nothing_when_staff_open_it(phone, people, tree):
    visitor = phone()
    visitor.goto("/")
    sent = visitor.request.post(
        "/api/v1/demands",
        multipart={
            "grid": str(tree.grid_a1.pk),
            "title": "路口积水",
            "contact_phone": "13800001111",
            "photos": {"name": "anon.html", "mimeType": "text/html", "buffer": gif_polyglot()},
        },
    )
    assert sent.status == 201, sent.text()
    demand = Demand.objects.get(pk=sent.json()["id"])
    photo = demand.photos.get()
    assert photo.image.name.endswith(".png") and "anon" not in photo.image.name

    staff = phone()
    dialogs = []
    staff.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    stolen = []
    staff.on("request", lambda r: stolen.append(r.url) if "/steal" in r.url else None)
    staff.add_init_script(WATCH)
    log_in(staff, "staff_a")

    page = staff.goto(f"/demands/{demand.pk}/")
    assert page.status == 200
    # the photo shows on the demand's page, as a picture that loaded
    # (expect() polls from Playwright's own world: wait_for_function would eval() a string in
    # the page, which the policy rightly forbids)
    expect(staff.locator("[data-testid=photos] img").first).to_have_js_property("naturalWidth", 8)
    assert staff.evaluate("window.__xss") is None
    staff.screenshot(path="/tmp/shots-uploads/demand-with-photo.png", full_page=True)

    served = staff.goto(photo.image.url)
    assert served.status == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert staff.evaluate("window.__xss") is None
    # the old name of the upload serves nothing at all
    assert staff.goto(photo.image.url.rsplit("/", 1)[0] + "/anon.html").status == 404
    staff.wait_for_timeout(300)
    assert dialogs == [] and stolen == []


def test_the_api_docs_and_the_admin_work_under_the_policy(phone, people):
    page = phone()
    page.add_init_script(WATCH)
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    page.screenshot(path="/tmp/shots-uploads/api-docs.png")
    page.goto("/admin/login/")
    page.wait_for_selector("#id_username")
    assert page.evaluate("window.__violations") == []
