"""Uploaded photos: checked, then re-encoded into a fresh picture under a generated name.

Nothing the uploader sent is stored as sent. A file is refused unless Pillow reads it as a
JPEG, PNG, WebP or GIF within the byte and pixel caps (settings.MAX_UPLOAD_BYTES and
MAX_UPLOAD_PIXELS); its pixels, turned upright by their EXIF orientation and scaled down to
at most UPLOAD_MAX_SIDE pixels a side, are then written into a new JPEG, PNG or WebP without
any metadata (no EXIF, so no GPS position), named `<random>.<ext of the new format>`. A GIF
or HTML "polyglot" thus becomes a plain picture, and the uploader's file name and extension
are never kept.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput, ServiceError

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PHOTOS = 6
# What each accepted format is stored as, and the content type media are served with.
STORED_AS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
GENERATED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def max_pixels() -> int:
    return int(getattr(settings, "MAX_UPLOAD_PIXELS", 40_000_000))


def max_side() -> int:
    """Stored pictures are at most this many pixels wide and high (bigger ones are scaled
    down): plenty for a photo of a broken lamp, and a bounded cost for every page showing it."""
    return int(getattr(settings, "UPLOAD_MAX_SIDE", 4096))


def check_photos(files, field: str = "photos") -> list[ContentFile]:
    """The uploaded `files`, each re-encoded (see the module's note), ready to be saved in an
    ImageField. Raises InvalidInput naming `field` for the first file refused."""
    files = [f for f in (files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, fields={field: "too_many"})
    return [reencode(f, field) for f in files]


def reencode(f, field: str = "photos") -> ContentFile:
    name = str(getattr(f, "name", "") or "")[:80]
    if (getattr(f, "size", None) or 0) > settings.MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("“%(name)s” is larger than %(mb)d MB.")
            % {"name": name, "mb": settings.MAX_UPLOAD_BYTES // 2**20},
            fields={field: "too_large"},
        )
    not_a_picture = InvalidInput(
        _("“%(name)s” is not a picture.") % {"name": name}, fields={field: "not_image"}
    )
    too_many_pixels = InvalidInput(
        _("“%(name)s” has too many pixels: at most %(mp)d million. Please send a smaller picture.")
        % {"name": name, "mp": max_pixels() // 1_000_000},
        fields={field: "too_many_pixels"},
    )
    f.seek(0)
    data = f.read(settings.MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("“%(name)s” is larger than %(mb)d MB.")
            % {"name": name, "mb": settings.MAX_UPLOAD_BYTES // 2**20},
            fields={field: "too_large"},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                if fmt not in ALLOWED_FORMATS:
                    raise InvalidInput(
                        _("“%(name)s”: only JPEG, PNG, WebP or GIF pictures.") % {"name": name},
                        fields={field: "bad_type"},
                    )
                width, height = img.size
                # Checked from the header, before a single pixel is decoded.
                if width * height > max_pixels():
                    raise too_many_pixels
                img.seek(0)  # the first frame of an animation
                if fmt == "JPEG":  # decode a huge JPEG at a reduced scale right away
                    img.draft(img.mode, (max_side(), max_side()))
                img.load()
                out_format = STORED_AS[fmt]
                picture = _clean_pixels(ImageOps.exif_transpose(img), out_format)
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_a_picture from None
    except Exception:  # a decoder's other complaint about hostile bytes: still not a picture
        logger.warning("picture refused: %s", name, exc_info=True)
        raise not_a_picture from None
    buf = io.BytesIO()
    if out_format == "JPEG":
        picture.save(buf, "JPEG", quality=85, optimize=True)
    elif out_format == "WEBP":
        picture.save(buf, "WEBP", quality=85)
    else:
        picture.save(buf, "PNG", optimize=True)
    return ContentFile(buf.getvalue(), name=f"{uuid.uuid4().hex}.{EXTENSIONS[out_format]}")


def _clean_pixels(img: Image.Image, out_format: str) -> Image.Image:
    """A new image holding only `img`'s pixels: no EXIF, no comments, no text chunks, no
    trailing bytes of whatever else the file was."""
    transparent = img.mode in ("LA", "RGBA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if out_format == "JPEG":
        mode = "L" if img.mode in ("1", "L") else "RGB"
    elif transparent:
        mode = "RGBA"
    else:
        mode = "L" if img.mode in ("1", "L") and out_format == "PNG" else "RGB"
    source = img if img.mode == mode else img.convert(mode)
    source.thumbnail((max_side(), max_side()), Image.Resampling.LANCZOS)  # only ever shrinks
    return Image.frombytes(mode, source.size, source.tobytes())


def photo_notice(request, err: ServiceError | None = None) -> dict:
    """Context for core/photo_field.html when a form with photos comes back with an error: a
    browser keeps no chosen file, so how many photos must be chosen again (photos_sent), and
    the photos' own error (photo_error) to show next to the field."""
    sent = len([f for f in request.FILES.getlist("photos") if f]) if request.method == "POST" else 0
    error = err.message if err is not None and "photos" in (err.fields or {}) else ""
    return {"photos_sent": sent, "photo_error": error}


class RawUpload(ValueError):
    """A file about to be stored did not come out of check_photos() (a programming error)."""


def refuse_raw_uploads(sender, instance, **kwargs) -> None:
    """pre_save guard on every model with an image field (connected in CoreConfig.ready): a new
    file must carry a name that reencode() generated, so an upload path that forgets
    check_photos() fails loudly instead of storing what the uploader sent."""
    from django.db.models import ImageField

    for field in instance._meta.concrete_fields:
        if not isinstance(field, ImageField):
            continue
        file = getattr(instance, field.attname)
        if file and not getattr(file, "_committed", True):
            base = str(file.name or "").replace("\\", "/").rsplit("/", 1)[-1]
            if not GENERATED_NAME.match(base):
                raise RawUpload(
                    f"{sender._meta.label}.{field.name}: {base!r} was not re-encoded; "
                    "pass uploads through weiguang.core.uploads.check_photos()"
                )
