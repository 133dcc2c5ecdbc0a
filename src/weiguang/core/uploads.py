"""Checks for uploaded photos: real images of an allowed type, within the size limit."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import InvalidInput

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PHOTOS = 6


def check_photos(files, field: str = "photos") -> list:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, fields={field: "too_many"})
    for f in files:
        if f.size > settings.MAX_UPLOAD_BYTES:
            raise InvalidInput(
                _("“%(name)s” is larger than %(mb)d MB.")
                % {"name": f.name, "mb": settings.MAX_UPLOAD_BYTES // 2**20},
                fields={field: "too_large"},
            )
        try:
            f.seek(0)
            with Image.open(f) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise InvalidInput(
                _("“%(name)s” is not a picture.") % {"name": f.name}, fields={field: "not_image"}
            ) from None
        if fmt not in ALLOWED_FORMATS:
            raise InvalidInput(
                _("“%(name)s”: only JPEG, PNG, WebP or GIF pictures.") % {"name": f.name},
                fields={field: "bad_type"},
            )
        f.seek(0)
    return files
