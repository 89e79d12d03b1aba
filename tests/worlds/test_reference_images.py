"""Reference image validation with crafted bad images: nothing bad is ever fully decoded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from tests.worlds.conftest import image_bytes, upload
from worlds.reference_images import OversizedUpload, reference_image_clean


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and IHDR claiming width x height, one tiny IDAT, no real pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def no_full_decode(monkeypatch):
    """Fail the test if any image is fully decoded (Image.load on an ImageFile)."""
    from PIL import ImageFile

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{self.format} {self.size} was fully decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize(
    "fmt,name,ctype",
    [("PNG", "a.png", "image/png"), ("JPEG", "a.jpg", "image/jpeg"), ("WEBP", "a.webp", "image/webp")],
)
def test_valid_images_are_reencoded_as_jpeg(fmt, name, ctype):
    result = reference_image_clean(upload(image_bytes(fmt, (300, 200)), name, ctype))
    with Image.open(io.BytesIO(result.read())) as out:
        assert out.format == "JPEG" and out.size == (300, 200) and out.mode == "RGB"


def test_metadata_is_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "SpyCam Inc."  # camera make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    data = image_bytes("JPEG", (40, 20), exif=exif.tobytes(), comment=b"secret comment")
    result = reference_image_clean(upload(data, "photo.jpg", "image/jpeg")).read()
    with Image.open(io.BytesIO(result)) as out:
        assert out.size == (20, 40)  # upright
        assert not out.getexif() and "comment" not in out.info and "icc_profile" not in out.info
    assert b"SpyCam" not in result and b"secret comment" not in result


def test_large_images_are_scaled_down_to_1024():
    result = reference_image_clean(upload(image_bytes("PNG", (4000, 1000))))
    with Image.open(io.BytesIO(result.read())) as out:
        assert out.size == (1024, 256)


def test_transparent_png_is_flattened():
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 0)).save(buffer, format="PNG")
    with Image.open(io.BytesIO(reference_image_clean(upload(buffer.getvalue())).read())) as out:
        assert out.mode == "RGB" and max(out.getpixel((5, 5))) < 10


def test_truncated_png_is_rejected():
    data = _noisy_png(256, 256)
    with pytest.raises(ValidationError) as info:
        reference_image_clean(upload(data[: len(data) // 2]))
    assert info.value.code == "corrupt"


def _noisy_png(width: int, height: int) -> bytes:
    import random

    rng = random.Random(1)
    image = Image.frombytes(
        "RGB", (width, height), bytes(rng.randrange(256) for _ in range(width * height * 3))
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,name",
    [
        (b"<html><script>alert(1)</script></html>", "evil.png"),
        (b"#!/bin/sh\nrm -rf /\n" * 20, "script.jpg"),
        (image_bytes("GIF"), "animated.png"),
        (image_bytes("BMP"), "bitmap.webp"),
    ],
)
def test_wrong_type_with_image_extension_is_rejected(data, name, no_full_decode):
    with pytest.raises(ValidationError) as info:
        reference_image_clean(upload(data, name, "image/png"))
    assert info.value.code == "wrong_type"


def test_over_5_mb_is_rejected_before_reading():
    class Unreadable:
        size = 5 * 1024 * 1024 + 1
        name = "huge.png"

        def read(self, *args):
            raise AssertionError("an oversized upload was read")

    with pytest.raises(ValidationError) as info:
        reference_image_clean(Unreadable())
    assert info.value.code == "too_large" and "5 MB" in info.value.messages[0]
    with pytest.raises(ValidationError):
        reference_image_clean(OversizedUpload("huge.png", 50 * 1024 * 1024))


def test_5000x5000_is_rejected_without_decoding(no_full_decode):
    data = image_bytes("PNG", (5000, 5000))  # uniform, so small on disk
    assert len(data) < 5 * 1024 * 1024
    with pytest.raises(ValidationError) as info:
        reference_image_clean(upload(data))
    assert info.value.code == "too_many_pixels" and "5000×5000" in info.value.messages[0]


@pytest.mark.parametrize("side", [20000, 100_000])
def test_decompression_bomb_header_is_rejected(side, no_full_decode):
    with pytest.raises(ValidationError) as info:
        reference_image_clean(upload(png_header_only(side, side)))
    assert info.value.code == "too_many_pixels"


def test_empty_file_is_rejected():
    with pytest.raises(ValidationError):
        reference_image_clean(upload(b""))
