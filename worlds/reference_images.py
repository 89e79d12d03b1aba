"""Reference images: the creator's uploaded starting scene, checked before it is ever fully decoded.

`reference_image_clean(upload)` accepts PNG, JPEG and WebP only, at most
settings.WORLDFEED_REFERENCE_IMAGE_MAX_BYTES and WORLDFEED_REFERENCE_IMAGE_MAX_SIDE pixels a side, and
returns a re-encoded JPEG (orientation applied, at most REENCODED_MAX_SIDE a side, no metadata: EXIF,
GPS, ICC and comments are dropped). Anything else raises ValidationError with a message for the form.

Order of checks, cheapest and safest first: the size the upload reports (nothing read yet), the header
(Image.open reads only that: format and dimensions; Pillow refuses headers over 2 x Image.MAX_IMAGE_PIXELS
outright), our own stricter dimension limit, `verify()` (structure and checksums without decoding
pixels), and only then `load()`. Process-wide Pillow settings are left alone: other threads decode too.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
REENCODED_MAX_SIDE = 1024
JPEG_QUALITY = 90
#: Formats whose headers we read, so a GIF or BMP can be named in the error; only ALLOWED_FORMATS pass.
HEADER_FORMATS = [*ALLOWED_FORMATS, "GIF", "BMP"]


class OversizedUpload(UploadedFile):
    """Stands in for an upload the upload handler stopped keeping once it passed the size limit."""

    def __init__(self, name: str, size: int):
        super().__init__(file=io.BytesIO(b""), name=name, content_type="application/octet-stream", size=size)


def _too_big_message() -> str:
    limit = settings.WORLDFEED_REFERENCE_IMAGE_MAX_BYTES
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"Images can be at most {size}."


def reference_image_clean(upload: UploadedFile) -> ContentFile:
    """Validate an uploaded image and return it re-encoded as a metadata-free JPEG ContentFile."""
    max_bytes = settings.WORLDFEED_REFERENCE_IMAGE_MAX_BYTES
    max_side = settings.WORLDFEED_REFERENCE_IMAGE_MAX_SIDE
    if isinstance(upload, OversizedUpload) or upload.size is None or upload.size > max_bytes:
        raise ValidationError(_too_big_message(), code="too_large")
    if upload.size == 0:
        raise ValidationError("The image file is empty.", code="empty")
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:  # the reported size lied
        raise ValidationError(_too_big_message(), code="too_large")

    try:
        with _open(data) as header:  # header only: no pixel data is decoded here
            image_format, (width, height) = header.format, header.size
        if image_format not in ALLOWED_FORMATS:
            raise ValidationError(
                "Upload a PNG, JPEG or WebP image (this file is %(kind)s).",
                code="wrong_type",
                params={"kind": image_format},
            )
        if width > max_side or height > max_side:
            raise ValidationError(
                "Images can be at most %(max)s×%(max)s pixels (this one is %(w)s×%(h)s).",
                code="too_many_pixels",
                params={"max": max_side, "w": width, "h": height},
            )
        with _open(data) as probe:
            probe.verify()
        with _open(data) as image:
            image.load()  # dimensions are known to be sane now; a truncated file fails here
            return _reencode(image)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            "This image claims to be enormous; upload one of at most %(max)s×%(max)s pixels.",
            code="too_many_pixels",
            params={"max": max_side},
        ) from None
    except UnidentifiedImageError:
        raise ValidationError("This file is not a PNG, JPEG or WebP image.", code="wrong_type") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(
            "This image is damaged or incomplete (%(detail)s).",
            code="corrupt",
            params={"detail": str(error)[:80] or type(error).__name__},
        ) from None


def _open(data: bytes) -> Image.Image:
    """Lazily open: reads the header only (Pillow's decompression-bomb check happens here)."""
    return Image.open(io.BytesIO(data), formats=HEADER_FORMATS)


def _reencode(image: Image.Image) -> ContentFile:
    """Upright, RGB (transparency over black), at most REENCODED_MAX_SIDE, JPEG with no metadata."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    image.thumbnail((REENCODED_MAX_SIDE, REENCODED_MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image carries no info dict: nothing of the original's metadata can ride along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name="reference.jpg")
