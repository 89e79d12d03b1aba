"""Synthetic clips for scanner tests (numpy frames, 128 x 128 RGB)."""

import numpy as np

FPS = 20


def flashing(
    hz: float,
    *,
    seconds: float = 3,
    bright=(255, 255, 255),
    dark=(0, 0, 0),
    area: float = 1.0,
    fps: int = FPS,
) -> np.ndarray:
    """A square covering `area` of the frame alternating bright/dark: 2 x hz transitions a second."""
    frames = np.zeros((int(seconds * fps), 128, 128, 3), np.uint8)
    frames[:] = dark
    side = int(128 * np.sqrt(area))
    for t in range(len(frames)):
        if int(t * 2 * hz / fps) % 2 == 0:
            frames[t, :side, :side] = bright
    return frames


def calm(seconds: float = 3, fps: int = FPS) -> np.ndarray:
    """A slowly panning gradient with a moving sprite: changes every frame, never flashes."""
    y, x = np.mgrid[0:128, 0:128]
    frames = []
    for t in range(int(seconds * fps)):
        frame = np.stack([(x + t) % 256, (y * 2) % 256, np.full_like(x, 90)], axis=-1).astype(np.uint8)
        frame[60:70, (t * 2) % 118 : (t * 2) % 118 + 10] = (250, 220, 40)
        frames.append(frame)
    return np.stack(frames)
