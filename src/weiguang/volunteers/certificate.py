"""The service certificate (志愿服务证明) as a printable PDF: the fields the 2021 national
volunteer-service rules ask for (name, volunteer number, hours, service content, issuer,
certificate number, date) and a QR code that opens the online check."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .models import Certificate

# A CJK font to embed when the machine has one (Debian: fonts-wqy-microhei); otherwise the
# standard Song CID font, which every PDF reader supplies itself.
EMBEDDED_FONTS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
]


@cache
def cjk_font() -> str:
    for path in EMBEDDED_FONTS:
        if path.exists():
            pdfmetrics.registerFont(TTFont("WeiguangCJK", str(path), subfontIndex=0))
            return "WeiguangCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


NO_LINE_START = set("，。；：、！？）」』》,.;:!?)")


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width` points. Chinese has no spaces to break at, so a line may break
    between any two characters; within a run of Latin letters it breaks at a space if it can."""
    lines, line = [], ""
    for ch in text:
        # closing punctuation never starts a line (避头): it may stick out a little instead
        if pdfmetrics.stringWidth(line + ch, font, size) <= width or ch in NO_LINE_START:
            line += ch
            continue
        cut = line.rfind(" ")
        if ch != " " and cut > 0 and line[cut + 1 :].isascii() and line[cut + 1 :].strip():
            lines.append(line[:cut])
            line = line[cut + 1 :] + ch
        else:
            lines.append(line)
            line = ch.lstrip()
    if line:
        lines.append(line)
    return lines


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    font = cjk_font()
    v = certificate.volunteer
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{_('Volunteer service certificate')} {certificate.number}")
    pdf.setAuthor(certificate.issuer)
    width, height = A4
    # a red frame, like the paper ones
    pdf.setStrokeColorRGB(0.78, 0.06, 0.18)
    pdf.setLineWidth(3)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setFillColorRGB(0.78, 0.06, 0.18)
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 45 * mm, _("Volunteer service certificate"))
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(font, 11)
    pdf.drawRightString(width - 25 * mm, height - 58 * mm, _("No. %(n)s") % {"n": certificate.number})

    body = _(
        "This is to certify that %(name)s (volunteer number %(number)s) has taken part in "
        "volunteer service and has %(hours)s hours of verified service as of the date below."
    ) % {"name": v.name, "number": v.number or "—", "hours": certificate.hours}
    y = height - 80 * mm
    pdf.setFont(font, 14)
    for line in wrap(body, font, 14, width - 60 * mm):
        pdf.drawString(30 * mm, y, line)
        y -= 9 * mm
    y -= 6 * mm
    rows = [
        (_("Name"), v.name),
        (_("Volunteer number"), v.number or "—"),
        (_("Service hours"), _("%(h)s hours") % {"h": certificate.hours}),
        (_("Service content"), certificate.content),
        (_("Issued by"), certificate.issuer),
        (_("Certificate number"), certificate.number),
        (_("Date of issue"), timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d")),
    ]
    pdf.setFont(font, 12)
    for label, value in rows:
        pdf.setFillColorRGB(0.35, 0.38, 0.42)
        pdf.drawString(30 * mm, y, label)
        pdf.setFillColorRGB(0, 0, 0)
        lines = wrap(str(value), font, 12, width - 95 * mm) or [""]
        for line in lines:
            pdf.drawString(70 * mm, y, line)
            y -= 7 * mm
        y -= 2 * mm
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    size = 38 * mm
    pdf.drawImage(ImageReader(qr), width - 25 * mm - size, 30 * mm, size, size)
    pdf.setFont(font, 9)
    pdf.drawRightString(width - 25 * mm, 26 * mm, _("Scan to check this certificate online"))
    pdf.drawString(30 * mm, 30 * mm, certificate.issuer)
    pdf.drawString(30 * mm, 24 * mm, verify_url)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
