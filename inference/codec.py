"""The binary frame of the play socket: a 20-byte header, then a JPEG or WebP image.

Layout (little-endian), documented for clients in docs/protocol.md:
magic b"WF" | version u8 | codec u8 | frame seq u32 | last action seq u32 | produced at f64 (ms epoch)
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image

MAGIC = b"WF"
VERSION = 1
HEADER = struct.Struct("<2sBBIId")
HEADER_SIZE = HEADER.size  # 20
CODECS = {"jpeg": 1, "webp": 2}
_PIL_FORMATS = {"jpeg": "JPEG", "webp": "WEBP"}


@dataclass(frozen=True)
class FrameHeader:
    codec: str
    seq: int
    action_seq: int
    produced_at_ms: float


def encode_image(pixels: np.ndarray, codec: str = "jpeg", quality: int = 85) -> bytes:
    """Compress an (H, W, 3) uint8 RGB array."""
    buffer = io.BytesIO()
    options = {"subsampling": 0} if codec == "jpeg" else {}  # 4:4:4 keeps small, saturated details crisp
    Image.fromarray(pixels, "RGB").save(buffer, format=_PIL_FORMATS[codec], quality=quality, **options)
    return buffer.getvalue()


def pack_frame(*, image: bytes, codec: str, seq: int, action_seq: int, produced_at: float) -> bytes:
    """Header + image; produced_at is time.time() seconds."""
    return HEADER.pack(MAGIC, VERSION, CODECS[codec], seq, action_seq, produced_at * 1000.0) + image


def unpack_frame(data: bytes) -> tuple[FrameHeader, bytes]:
    """Split a binary frame into its header and image bytes; ValueError if it is not one."""
    if len(data) < HEADER_SIZE:
        raise ValueError("frame shorter than its header")
    magic, version, codec_id, seq, action_seq, produced_ms = HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION:
        raise ValueError("not a Worldfeed v1 frame")
    codec = {v: k for k, v in CODECS.items()}.get(codec_id)
    if codec is None:
        raise ValueError(f"unknown codec id {codec_id}")
    return FrameHeader(codec, seq, action_seq, produced_ms), data[HEADER_SIZE:]
