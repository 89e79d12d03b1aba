"""Tiny numpy pixel-art painting kit used to precompute tiles and sprites (never per frame).

A `Canvas` is float RGB plus a boolean alpha. Shapes are masks on a pixel-centre grid; `tone` paints a
mask in three quantised shades lit from the top left, `outline` adds a one-pixel dark rim.
"""

from __future__ import annotations

import numpy as np


def rgb(hex_colour: str) -> np.ndarray:
    """'#rrggbb' -> float32 array (3,) in 0..255."""
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)


def mix(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + (b - a) * t


def lighten(c: np.ndarray, t: float = 0.35) -> np.ndarray:
    return mix(c, np.full(3, 255.0, np.float32), t)


def darken(c: np.ndarray, t: float = 0.35) -> np.ndarray:
    return c * (1.0 - t)


class Canvas:
    """An RGBA drawing surface; `yy`, `xx` are pixel-centre coordinates."""

    def __init__(self, h: int, w: int, fill: np.ndarray | None = None) -> None:
        self.h, self.w = h, w
        self.rgb = np.zeros((h, w, 3), np.float32)
        self.a = np.zeros((h, w), bool)
        self.yy, self.xx = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
        if fill is not None:
            self.rgb[:] = fill
            self.a[:] = True

    def paint(self, mask: np.ndarray, colour: np.ndarray) -> None:
        self.rgb[mask] = colour
        self.a |= mask

    def tone(
        self,
        mask: np.ndarray,
        base: np.ndarray,
        cx: float,
        cy: float,
        r: float,
        light: np.ndarray | None = None,
        dark: np.ndarray | None = None,
    ) -> None:
        """Paint `mask` in three shades of `base`, lit from the top left of the centre (cx, cy)."""
        light = lighten(base, 0.3) if light is None else light
        dark = darken(base, 0.3) if dark is None else dark
        s = -((self.xx - cx) * 0.7 + (self.yy - cy) * 0.9) / max(r, 1e-3)
        self.paint(mask, base)
        self.rgb[mask & (s > 0.45)] = light
        self.rgb[mask & (s < -0.55)] = dark

    def outline(self, colour: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Draw a 4-neighbour rim around `mask` (default: everything painted so far)."""
        m = self.a if mask is None else mask
        d = np.zeros_like(m)
        d[1:] |= m[:-1]
        d[:-1] |= m[1:]
        d[:, 1:] |= m[:, :-1]
        d[:, :-1] |= m[:, 1:]
        self.paint(d & ~m, colour)

    # --- shapes (masks) ---
    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return ((self.xx - cx) / rx) ** 2 + ((self.yy - cy) / ry) ** 2 <= 1.0

    def disk(self, cx: float, cy: float, r: float) -> np.ndarray:
        return self.ellipse(cx, cy, r, r)

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Pixels with x0 <= x < x1 and y0 <= y < y1 (integer-ish bounds)."""
        return (self.xx >= x0) & (self.xx < x1) & (self.yy >= y0) & (self.yy < y1)

    def poly(self, pts: list[tuple[float, float]]) -> np.ndarray:
        """Convex polygon from its vertices in order (either winding)."""
        pos = np.ones((self.h, self.w), bool)
        neg = np.ones((self.h, self.w), bool)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
            cross = (x1 - x0) * (self.yy - y0) - (y1 - y0) * (self.xx - x0)
            pos &= cross >= -0.01
            neg &= cross <= 0.01
        return pos | neg

    def image(self) -> tuple[np.ndarray, np.ndarray]:
        return np.clip(self.rgb, 0, 255).astype(np.uint8), self.a.copy()


def over(
    base: tuple[np.ndarray, np.ndarray], top: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Composite RGBA image `top` over `base` (same size)."""
    out = base[0].copy()
    out[top[1]] = top[0][top[1]]
    return out, base[1] | top[1]


def periodic_noise(rng: np.random.Generator, width: int, knots: int) -> np.ndarray:
    """Smooth 1D noise in [0, 1] that wraps around `width` (for seamless parallax layers)."""
    vals = rng.random(knots)
    x = np.arange(width) * knots / width
    i = np.floor(x).astype(int)
    f = x - i
    f = f * f * (3 - 2 * f)
    return vals[i % knots] * (1 - f) + vals[(i + 1) % knots] * f


def splitmix(x: np.ndarray) -> np.ndarray:
    """Vectorised splitmix64 finaliser: uint64 -> well-mixed uint64."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x += np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x
