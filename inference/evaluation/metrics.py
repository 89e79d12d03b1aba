"""Frame metrics used by the evaluation: PSNR, global view shift, collapse detectors."""

from __future__ import annotations

import numpy as np

#: PSNR of identical frames (and the most any frame scores), in dB
PSNR_CAP = 60.0


def psnr(a: np.ndarray, b: np.ndarray, cap: float = PSNR_CAP) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    if mse <= 1e-10:
        return cap
    return min(cap, 10.0 * np.log10(255.0**2 / mse))


def _gray(f: np.ndarray) -> np.ndarray:
    return f.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def estimate_shift(
    prev: np.ndarray, cur: np.ndarray, max_shift: int = 12, margin: int = 16
) -> tuple[int, int, float]:
    """Integer (dx, dy) such that cur[y, x] ~= prev[y + dy, x + dx] (content moved by (-dx, -dy),
    i.e. the view moved by (+dx, +dy)); plus the matching error. Brute force on a central crop."""
    a, b = _gray(prev), _gray(cur)
    h, w = a.shape
    m = max(margin, max_shift)
    crop = b[m : h - m, m : w - m]
    best = (0, 0, float("inf"))
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            ref = a[m + dy : h - m + dy, m + dx : w - m + dx]
            err = float(np.mean(np.abs(ref - crop)))
            if err < best[2] - 1e-6 or (
                abs(err - best[2]) <= 1e-6 and abs(dx) + abs(dy) < abs(best[0]) + abs(best[1])
            ):
                best = (dx, dy, err)
    return best


def sharpness(f: np.ndarray) -> float:
    """Mean absolute gradient magnitude of the grey image (texture / edge energy)."""
    g = _gray(f)
    return float(np.mean(np.abs(np.diff(g, axis=0))) + np.mean(np.abs(np.diff(g, axis=1))))


def is_blank(f: np.ndarray) -> bool:
    """A frame with (almost) no structure: tiny spread of values."""
    return float(f.astype(np.float32).std()) < 4.0


def noise_score(f: np.ndarray) -> float:
    """High-frequency energy: mean |Laplacian| of grey; noise frames score far above rendered frames."""
    g = _gray(f)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(np.mean(np.abs(lap)))


def structure(f: np.ndarray) -> float:
    """min(mean |d/dx|, mean |d/dy|) of grey: near 0 for blank frames AND for frames smeared into
    stripes along one axis (the typical way a regression world model dissolves)."""
    g = _gray(f)
    return float(min(np.mean(np.abs(np.diff(g, axis=0))), np.mean(np.abs(np.diff(g, axis=1)))))
