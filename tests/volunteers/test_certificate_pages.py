"""The service certificate as people see it: the volunteer issues and prints it (page and
PDF), staff of the region may open it, others may not, and anyone with the QR code can check
it online without seeing the full name."""

from __future__ import annotations

import pytest

from weiguang.volunteers import services
from weiguang.volunteers.models import Certificate

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_issue_print_and_check_a_certificate(client, people, approved):
    user = UserFactory(username="certvol", first_name="欧阳明")
    v = approved(user, name="欧阳明")
    services.add_honour_hours(v, people.staff, hours=6, reason="防汛值守")
    client.force_login(user)
    page = client.get("/my/certificates/")
    assert page.status_code == 200 and "6.00" in page.content.decode()
    r = client.post("/my/certificates/issue/")
    certificate = Certificate.objects.get(volunteer=v)
    assert r.status_code == 302 and r["Location"] == f"/certificates/{certificate.number}/"
    html = client.get(r["Location"]).content.decode()
    for text in ["欧阳明", v.number, "6.00", certificate.number, certificate.issuer, "防汛值守", "<svg"]:
        assert text in html, text
    pdf = client.get(f"/certificates/{certificate.number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000

    # staff of the region may open it; staff elsewhere and other volunteers may not
    for who, status in [(people.staff, 200), (people.outsider_staff, 404), (people.volunteer, 404)]:
        client.force_login(who)
        assert client.get(f"/certificates/{certificate.number}/").status_code == status
        assert client.get(f"/certificates/{certificate.number}/pdf/").status_code == status

    # the public check
    client.logout()
    check = client.get(f"/certificates/verify/{certificate.verify_token}/")
    text = check.content.decode()
    assert check.status_code == 200 and certificate.number in text and "欧阳*" in text
    assert "欧阳明" not in text and v.id_number not in text and v.phone not in text
    assert client.get("/certificates/verify/nope/").status_code == 404
    assert client.get(f"/certificates/{certificate.number}/").status_code == 302  # log in first


def test_not_a_volunteer_yet(client, people):
    client.force_login(people.resident_user)
    assert client.get("/my/certificates/").status_code == 404
    assert client.post("/my/certificates/issue/").status_code == 404
