"""Frames in and out: animated WebP recordings, filmstrips for the admin scrubber, and clip readers.

Frames are RGB uint8 arrays (T, H, W, 3). Everything here uses Pillow; MP4 is read only when PyAV is
installed (it is optional: `read_clip` raises ClipError naming the missing decoder otherwise).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".webm", ".mkv"}


class ClipError(ValueError):
    """A clip could not be read."""


def encode_animation(frames: np.ndarray | Sequence[np.ndarray], fps: float, *, quality: int = 70) -> bytes:
    """An animated WebP of the frames at `fps` (lossy; for people to watch, never for scanning)."""
    images = [Image.fromarray(np.asarray(f, np.uint8)) for f in frames]
    if not images:
        raise ClipError("no frames to encode")
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="WEBP",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
        quality=quality,
        method=0,
    )
    return buffer.getvalue()


def encode_filmstrip(
    frames: np.ndarray, *, columns: int | None = None, quality: int = 80
) -> tuple[bytes, int]:
    """Tile every frame, row-major, into one JPEG; returns (jpeg bytes, columns). Frame i sits at
    column i % columns, row i // columns, each frame_shape in size."""
    frames = np.asarray(frames, np.uint8)
    count, height, width = frames.shape[:3]
    columns = columns or max(1, min(count, math.ceil(math.sqrt(count * height / width))))
    rows = math.ceil(count / columns)
    sheet = np.zeros((rows * height, columns * width, 3), np.uint8)
    for i, frame in enumerate(frames):
        r, c = divmod(i, columns)
        sheet[r * height : (r + 1) * height, c * width : (c + 1) * width] = frame[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(sheet).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue(), columns


def decode_images(blobs: Sequence[bytes]) -> np.ndarray:
    """Decode encoded still images (JPEG/WebP/PNG) to (T, H, W, 3); undecodable or odd-sized ones are
    skipped (a report must not fail on one bad frame)."""
    frames: list[np.ndarray] = []
    for blob in blobs:
        try:
            frame = np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"), np.uint8)
        except (UnidentifiedImageError, OSError, ValueError):
            continue
        if frames and frame.shape != frames[0].shape:
            continue
        frames.append(frame)
    return np.stack(frames) if frames else np.zeros((0, 1, 1, 3), np.uint8)


def _animated(path: Path) -> tuple[np.ndarray, float]:
    with Image.open(path) as image:
        durations, frames = [], []
        for frame in ImageSequence.Iterator(image):
            frame.load()  # WebP sets the frame's duration only once it is decoded
            durations.append(frame.info.get("duration") or image.info.get("duration") or 50)
            frames.append(np.asarray(frame.convert("RGB"), np.uint8))
    # Encoders merge identical consecutive frames into one longer frame (GIF, WebP): expand them again on a
    # time base of the shortest frame, so flashes per second are counted in real time.
    base = max(10.0, float(min(durations)))
    repeats = [max(1, round(d / base)) for d in durations]
    expanded = np.repeat(np.stack(frames), repeats, axis=0)
    return expanded, 1000.0 / base


def _video(path: Path) -> tuple[np.ndarray, float]:
    try:
        import av
    except ImportError:
        raise ClipError(
            f"{path.name}: reading {path.suffix} needs PyAV (pip install av); "
            "use an animated WebP or GIF, or a folder of frames"
        ) from None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 20)
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    return np.stack(frames), fps


def _folder(path: Path, fps: float) -> tuple[np.ndarray, float]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ClipError(f"{path}: no image files")
    frames = decode_images([p.read_bytes() for p in files])
    if len(frames) != len(files):
        raise ClipError(f"{path}: frames must all decode and share one size")
    return frames, fps


def read_clip(path: str | Path, *, fps: float | None = None) -> tuple[np.ndarray, float]:
    """Read a GIF, WebP (animated or still), APNG, MP4 (with PyAV) or a folder of frames (sorted by name).

    Returns (frames (T, H, W, 3) uint8, fps). `fps` overrides the clip's own rate (folders default to 20).
    """
    path = Path(path)
    if not path.exists():
        raise ClipError(f"{path}: no such file or folder")
    if path.is_dir():
        frames, own = _folder(path, fps or 20.0)
    elif path.suffix.lower() in VIDEO_SUFFIXES:
        frames, own = _video(path)
    else:
        try:
            frames, own = _animated(path)
        except (UnidentifiedImageError, OSError) as error:
            raise ClipError(f"{path}: not an image or animation ({error})") from None
    return frames, float(fps or own)
