"""WCAG 2.3.1 Three Flashes or Below Threshold: the general flash and red flash tests.

Definitions followed (WCAG 2.2, "general flash and red flash thresholds"):
- relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of linearised sRGB (0..1);
- a general flash is a pair of opposing changes in L of 0.1 or more where the darker state is below 0.8;
- a red flash is a pair of opposing transitions involving a saturated red: R/(R+G+B) >= 0.8 and a change
  of more than 20 in max(0, (R - G - B) * 320), R, G, B linear;
- content fails when there are more than three general or more than three red flashes within any one
  second and the flashing area occurring concurrently exceeds 25% of any 10 degree visual field.

How: each frame is averaged (in linear light) over a 16 x 16 grid of cells. Per cell a hysteresis tracker
counts transitions: after a fall it follows the minimum and counts a rise once L climbs 0.1 above it (the
darker state, that minimum, below 0.8); after a rise it follows the maximum and counts a fall symmetrically.
A cell flashes "more than three times" in a one-second window when it has seven or more transitions there
(three and a half flashes; a flash is two transitions). The flashing area at a moment is the share of cells
doing so in the window ending then; it is measured over every square of cells that spans the 10 degree
field (`field_fraction` of the frame width; 1.0 = the whole frame, right for a phone held at arm's length),
and fails above 25%.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from moderation.scanners import register
from moderation.scanners.base import BLOCK, ScanHit, spans

GRID = 16
LUMINANCE_DELTA = 0.1
DARKER_BELOW = 0.8
RED_DELTA = 20.0
RED_SATURATION = 0.8
MAX_FLASHES = 3
AREA_LIMIT = 0.25

_srgb = np.arange(256, dtype=np.float64) / 255.0
LINEAR = np.where(_srgb <= 0.04045, _srgb / 12.92, ((_srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_cells(frames: np.ndarray, grid: int = GRID) -> np.ndarray:
    """Mean linear R, G, B per cell: (T, grid, grid, 3) float32 (frames cropped to a multiple of grid)."""
    frames = np.asarray(frames, np.uint8)
    t, h, w = frames.shape[:3]
    ch, cw = max(1, h // grid), max(1, w // grid)
    gh, gw = min(grid, h), min(grid, w)
    linear = LINEAR[frames[:, : gh * ch, : gw * cw, :3]]
    return linear.reshape(t, gh, ch, gw, cw, 3).mean(axis=(2, 4))


def relative_luminance(rgb_linear: np.ndarray) -> np.ndarray:
    return rgb_linear[..., 0] * 0.2126 + rgb_linear[..., 1] * 0.7152 + rgb_linear[..., 2] * 0.0722


def count_transitions(
    values: np.ndarray,
    *,
    delta: float,
    strict: bool = False,
    low_ok: np.ndarray | None = None,
    high_ok: np.ndarray | None = None,
) -> np.ndarray:
    """Transitions of each series in `values` (T, N): a (T, N) bool array, True where one completes.

    A rise counts when the value exceeds the running minimum since the last fall by `delta` (or more than
    delta with strict=True); a fall likewise from the running maximum. `low_ok[t]`/`high_ok[t]` (T, N) say
    whether the state at frame t may serve as the darker / brighter end of a transition (the darker-below-0.8
    rule, the saturated-red rule); the ends are taken at the running extreme and the current frame.
    """
    values = np.asarray(values, np.float32)
    t_count, n = values.shape
    low_ok = np.ones_like(values, bool) if low_ok is None else low_ok
    high_ok = np.ones_like(values, bool) if high_ok is None else high_ok
    out = np.zeros((t_count, n), bool)
    direction = np.zeros(n, np.int8)  # 0 none yet, +1 last counted a rise, -1 a fall
    lo, lo_ok = values[0].copy(), low_ok[0].copy()
    hi, hi_ok = values[0].copy(), high_ok[0].copy()
    for t in range(1, t_count):
        v = values[t]
        rise_amount, fall_amount = v - lo, hi - v
        big_rise = rise_amount > delta if strict else rise_amount >= delta
        big_fall = fall_amount > delta if strict else fall_amount >= delta
        rise = (direction != 1) & big_rise & lo_ok & high_ok[t]
        fall = (direction != -1) & big_fall & hi_ok & low_ok[t] & ~rise
        out[t] = rise | fall
        direction = np.where(rise, 1, np.where(fall, -1, direction)).astype(np.int8)
        # After a rise follow the maximum (from here); after a fall the minimum; before any, both.
        new_hi = rise | (v > hi)
        hi = np.where(new_hi, v, hi)
        hi_ok = np.where(new_hi, high_ok[t], hi_ok)
        new_lo = fall | (v < lo)
        lo = np.where(new_lo, v, lo)
        lo_ok = np.where(new_lo, low_ok[t], lo_ok)
        # A counted rise restarts the search for the next fall from the current value, and vice versa.
        lo = np.where(rise, v, lo)
        lo_ok = np.where(rise, low_ok[t], lo_ok)
        hi = np.where(fall, v, hi)
        hi_ok = np.where(fall, high_ok[t], hi_ok)
    return out


def _window_counts(transitions: np.ndarray, window: int) -> np.ndarray:
    """Transitions of each cell within the `window` frames ending at each frame: (T, ...) int."""
    cumulative = np.cumsum(transitions, axis=0, dtype=np.int32)
    shifted = np.zeros_like(cumulative)
    shifted[window:] = cumulative[:-window]
    return cumulative - shifted


def _max_field_area(failing: np.ndarray, field_cells: int) -> np.ndarray:
    """Largest share of failing cells within any field_cells x field_cells square, per frame: (T,)."""
    t, gh, gw = failing.shape
    k_h, k_w = min(field_cells, gh), min(field_cells, gw)
    integral = np.zeros((t, gh + 1, gw + 1), np.int32)
    integral[:, 1:, 1:] = failing.astype(np.int32).cumsum(1).cumsum(2)
    sums = (
        integral[:, k_h:, k_w:]
        - integral[:, :-k_h, k_w:]
        - integral[:, k_h:, :-k_w]
        + integral[:, :-k_h, :-k_w]
    )
    return sums.reshape(t, -1).max(axis=1) / float(k_h * k_w)


@register
class PhotosensitivityScanner:
    """General and red flashes above the WCAG 2.3.1 thresholds (see the module docstring)."""

    name = "photosensitivity"

    def __init__(self, field_fraction: float | None = None):
        self._field_fraction = field_fraction

    @property
    def field_fraction(self) -> float:
        if self._field_fraction is not None:
            return self._field_fraction
        try:
            from moderation.conf import setting

            return float(setting("MODERATION_FLASH_FIELD_FRACTION"))
        except Exception:  # settings not configured (plain-Python use)
            return 1.0

    def measure(self, frames: np.ndarray, fps: float) -> dict[str, np.ndarray]:
        """Per frame: the flashing area share (max over 10-degree fields) and the most flashes of any cell
        in the one-second window ending there, for the general and the red test."""
        cells = linear_cells(frames)
        t, gh, gw, _ = cells.shape
        flat = cells.reshape(t, gh * gw, 3)
        luminance = relative_luminance(flat)
        general = count_transitions(luminance, delta=LUMINANCE_DELTA, low_ok=luminance < DARKER_BELOW)
        total = flat.sum(axis=2)
        saturated = flat[..., 0] >= RED_SATURATION * np.maximum(total, 1e-6)
        red_value = np.maximum(0.0, flat[..., 0] - flat[..., 1] - flat[..., 2]) * 320.0
        red = count_transitions(red_value, delta=RED_DELTA, strict=True, high_ok=saturated & (total > 0))
        window = max(1, round(fps))
        field_cells = max(1, round(gw * self.field_fraction))
        result = {}
        for kind, transitions in (("general_flash", general), ("red_flash", red)):
            counts = _window_counts(transitions, window).reshape(t, gh, gw)
            failing = counts > 2 * MAX_FLASHES  # seven or more transitions: more than three flashes
            result[kind] = _max_field_area(failing, field_cells)
            result[f"{kind}_rate"] = counts.reshape(t, -1).max(axis=1) / 2.0
        return result

    def scan(self, frames: np.ndarray, fps: float, *, actions: Sequence[int] | None = None) -> list[ScanHit]:
        if len(frames) < 2:
            return []
        measured = self.measure(frames, fps)
        window = max(1, round(fps))
        hits = []
        for kind in ("general_flash", "red_flash"):
            area = measured[kind]
            for end_start, end_stop in spans(area > AREA_LIMIT):
                start = max(0, end_start - window + 1)  # the failing one-second window began here
                peak_area = float(area[end_start : end_stop + 1].max())
                peak_rate = float(measured[f"{kind}_rate"][end_start : end_stop + 1].max())
                label = "general" if kind == "general_flash" else "red"
                detail = (
                    f"{peak_rate:.1f} {label} flashes in one second over {peak_area:.0%} of a 10° field "
                    "(limit: 3 flashes, 25% of the field)"
                )
                hits.append(
                    ScanHit.over_frames(self.name, kind, BLOCK, start, end_stop, fps, peak_rate, detail)
                )
        return hits
