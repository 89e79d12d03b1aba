"""Per-theme precomputed art: tile atlas, sprites, side-view sky and parallax layers, particle styles.

`get_assets(theme_id, camera, size, tint)` is cached process-wide, so starting a session costs a dict
lookup after the first one of its kind. Nothing here runs per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from inference.corpus import sprites as sp
from inference.corpus.paint import Canvas, darken, lighten, mix, periodic_noise, rgb
from inference.corpus.spec import THEMES, Theme
from inference.corpus.tiles import build_atlas, theme_rng

LAYER_W = 256  # parallax layers wrap around this width
LAYER_PAD = 16  # rows of vertical slack so layers can shift with the camera


@dataclass(frozen=True)
class ParticleStyle:
    """Screen-wrapped weather particles; positions are pure functions of (tick, camera)."""

    count: int
    vx: float
    vy: float
    sway: float  # horizontal sine wobble amplitude in px
    colours: np.ndarray  # (k, 3) uint8
    shapes: tuple[tuple[tuple[int, int], ...], ...]  # per size class: (dy, dx) pixel offsets
    twinkle: bool = False


def _particles(theme: Theme) -> ParticleStyle:
    p = rgb(theme.particle)
    kind = theme.particle_kind
    dot, pair, square = ((0, 0),), ((0, 0), (0, 1)), ((0, 0), (0, 1), (1, 0), (1, 1))
    cols = [p, lighten(p, 0.4)]
    if kind == "rain":
        args = dict(
            count=70,
            vx=-1.2,
            vy=6.5,
            sway=0.0,
            shapes=(((0, 0), (1, 0), (2, 0)), ((0, 0), (1, 0), (2, 0), (3, 0))),
        )
    elif kind == "snow":
        args = dict(count=70, vx=-0.3, vy=0.9, sway=3.0, shapes=(dot, square, pair))
    elif kind == "embers":
        cols = [p, rgb("#ffe05a"), rgb("#ff5a1a")]
        args = dict(count=45, vx=0.4, vy=-1.1, sway=2.5, shapes=(dot, pair), twinkle=True)
    elif kind == "leaves":
        cols = [p, rgb(theme.deco[0]), rgb(theme.deco[1]), rgb(theme.obstacle[0])]
        args = dict(count=32, vx=1.1, vy=1.0, sway=5.0, shapes=(pair, square, ((0, 0), (1, 1), (0, 1))))
    elif kind == "sand":
        args = dict(count=80, vx=4.0, vy=0.5, sway=1.0, shapes=(dot, pair))
    elif kind == "sprinkles":
        cols = [rgb(h) for h in ("#ffffff", "#ff5a8a", "#5ad8ff", "#ffe25a", "#7ad87a")]
        args = dict(count=55, vx=0.3, vy=1.6, sway=1.5, shapes=(((0, 0), (1, 0)), pair))
    elif kind == "bubbles":
        args = dict(count=30, vx=0.0, vy=-0.9, sway=2.0, shapes=(((-1, 0), (1, 0), (0, -1), (0, 1)), dot))
    elif kind == "spores":
        cols = [p, lighten(p, 0.6)]
        args = dict(count=36, vx=0.3, vy=-0.35, sway=4.0, shapes=(dot, square), twinkle=True)
    else:  # sparks
        args = dict(
            count=40,
            vx=0.0,
            vy=0.6,
            sway=0.8,
            shapes=(dot, ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))),
            twinkle=True,
        )
    return ParticleStyle(colours=np.array(cols, np.uint8), **args)


def _sky(theme: Theme, h: int, w: int) -> np.ndarray:
    top, horizon = rgb(theme.sky[0]), rgb(theme.sky[1])
    t = np.clip(np.arange(h, dtype=np.float32) / (0.8 * h), 0, 1)[:, None]
    grad = top[None, :] * (1 - t) + horizon[None, :] * t
    c = Canvas(h, w)
    c.rgb[:] = grad[:, None, :]
    c.a[:] = True
    rng = theme_rng(theme, "sky")
    dark_sky = top.mean() < 90
    if theme.skyline in ("cave",):
        pass
    elif dark_sky:
        stars = (rng.random((h, w)) < 0.012) & (c.yy < 0.6 * h)
        c.paint(stars, mix(top, rgb("#ffffff"), 0.75))
        c.paint(c.disk(w * 0.78, h * 0.2, 8.5), rgb("#f4f0d8"))
        c.paint(c.disk(w * 0.75, h * 0.18, 2.0) | c.disk(w * 0.81, h * 0.24, 1.4), rgb("#d8d2b8"))
    else:
        c.paint(c.disk(w * 0.8, h * 0.17, 10.5), mix(horizon, rgb("#fff8d0"), 0.5))
        c.paint(c.disk(w * 0.8, h * 0.17, 8.5), rgb("#fff6b0"))
    return c.image()[0]


def _layer(theme: Theme, which: str, h: int) -> tuple[np.ndarray, np.ndarray]:
    """One seamless parallax silhouette layer ('far' or 'mid') of shape (h + 2*LAYER_PAD, LAYER_W)."""
    lh, w = h + 2 * LAYER_PAD, LAYER_W
    rng = theme_rng(theme, "layer/" + which)
    col = rgb(theme.far if which == "far" else theme.mid)
    c = Canvas(lh, w)
    near = which == "mid"
    base = LAYER_PAD + h * (0.72 if near else 0.55)
    x = c.xx[0]
    s = theme.skyline
    if s in ("hills", "dunes", "canopy", "towers"):
        amp = h * (0.12 if near else 0.18)
        ridge = base - amp * periodic_noise(rng, w, 6 if near else 4)
        if s == "dunes":
            ridge = base - amp * np.abs(np.sin(x * np.pi / (64 if near else 128) + rng.uniform(0, 3)))
        m = c.yy > ridge[None, :]
        if s in ("canopy",) or (s == "hills" and near):
            for cx in rng.uniform(0, w, 22 if near else 30):
                r = rng.uniform(4, 9)
                cy = ridge[int(cx) % w] - r * 0.3
                for dx in (-w, 0, w):
                    m |= c.disk(cx + dx, cy, r)
        if s == "towers" and not near:
            m = c.yy > base + 6
            for tx in range(8, w, 64):
                m |= c.rect(tx, base - 30, tx + 16, lh) & ~((c.yy < base - 27) & (c.xx.astype(int) % 4 < 2))
                m |= c.rect(tx + 16, base - 6, tx + 48, lh) & ~(
                    (c.yy < base - 3) & (c.xx.astype(int) % 6 < 3)
                )
                m |= c.poly([(tx + 8, base - 42), (tx + 17, base - 30), (tx - 1, base - 30)])
        c.paint(m, col)
        if s == "dunes":
            c.paint(m & (c.yy < ridge[None, :] + 2), lighten(col, 0.2))
        if s == "towers" and not near:
            win = m & (c.yy.astype(int) % 9 == 0) & (c.xx.astype(int) % 64 == 15) & (c.yy < base - 10)
            c.paint(win, rgb("#ffd86a"))
    elif s == "mountains":
        ridge = np.full(w, np.inf, np.float32)
        for _ in range(5 if near else 4):
            px, ph, pw = rng.uniform(0, w), rng.uniform(0.15, 0.35) * h, rng.uniform(30, 60)
            for dx in (-w, 0, w):
                ridge = np.minimum(ridge, base - ph + np.abs(x - px - dx) * ph / pw)
        ridge = np.minimum(ridge, base)
        m = c.yy > ridge[None, :]
        c.paint(m, col)
        if near:
            for tx in rng.uniform(0, w, 26):
                th = rng.uniform(8, 16)
                for dx in (-w, 0, w):
                    c.paint(
                        c.poly([(tx + dx, base - th), (tx + dx + 4, base + 2), (tx + dx - 4, base + 2)]),
                        darken(col, 0.3),
                    )
        else:
            c.paint(m & (c.yy < ridge[None, :] + 5) & (ridge[None, :] < base - 12), rgb("#f4f8ff"))
    elif s == "city":
        x0 = 0
        while x0 < w:
            bw = int(rng.integers(10, 22))
            bh = rng.uniform(0.15, 0.45 if near else 0.4) * h + (12 if not near else 0)
            top = base - bh
            m = c.rect(x0, top, min(x0 + bw - (1 if near else 0), w), lh)
            c.paint(m, col)
            wins = m & (c.xx.astype(int) % 3 == 1) & (c.yy.astype(int) % 4 == 1) & (c.yy > top + 2)
            lit = rng.random((lh, w)) < (0.35 if near else 0.2)
            wc = rgb(theme.deco[int(rng.integers(2))])
            c.paint(wins & lit, mix(col, wc, 0.8 if near else 0.5))
            x0 += bw
    elif s == "cave":
        top = LAYER_PAD + h * 0.1 + h * 0.08 * periodic_noise(rng, w, 12)
        bottom = base + h * 0.1 + h * 0.1 * periodic_noise(rng, w, 9)
        m = (c.yy < top[None, :]) | (c.yy > bottom[None, :])
        for tx in rng.uniform(0, w, 14 if near else 20):
            ln, wd = rng.uniform(10, 30 if near else 22), rng.uniform(3, 7)
            t0 = top[int(tx) % w] - 1
            for dx in (-w, 0, w):
                m |= c.poly([(tx + dx - wd, t0), (tx + dx + wd, t0), (tx + dx, t0 + ln)])
        if near:
            m &= ~(c.yy > bottom[None, :])
        c.paint(m, col)
        c.paint(m & (rng.random((lh, w)) < 0.02), rgb(theme.deco[0]))
    elif s == "stars":
        if near:
            cx, cy, r = w * 0.3, LAYER_PAD + h * 0.35, h * 0.16
            m = c.disk(cx, cy, r)
            c.tone(m, col, cx, cy, r, light=lighten(col, 0.35))
            c.paint(m & (np.sin(c.yy * 0.7) > 0.6), darken(col, 0.15))
            c.paint(c.ellipse(cx, cy, r * 1.7, 2.0) & ~c.disk(cx, cy - 1, r), lighten(col, 0.45))
        else:
            st = rng.random((lh, w))
            c.paint(st < 0.01, rgb("#ffffff"))
            c.paint((st > 0.993), rgb("#9ab8ff"))
    elif s == "sea":
        if near:
            m = (c.yy > base + 4) & (np.sin(c.xx * 0.25 + c.yy) > -0.2)
            c.paint(m, col)
            c.paint(m & (np.sin(c.xx * 0.5 + c.yy * 3) > 0.92), rgb("#ffffff"))
        else:
            c.paint(c.yy > base, col)
            c.paint((c.yy > base) & (np.sin(c.xx * 0.3 + c.yy * 2.1) > 0.95), rgb("#e8f8ff"))
            for ix in (40, 170):
                isl = c.ellipse(ix, base, 18, 5) & (c.yy <= base)
                c.paint(isl, darken(rgb(theme.obstacle[0]), 0.2))
    else:  # clouds
        for _ in range(7 if near else 9):
            cx, cy = (
                rng.uniform(0, w),
                LAYER_PAD + h * rng.uniform(0.45 if near else 0.2, 0.9 if near else 0.6),
            )
            for k in range(4):
                r = rng.uniform(5, 11 if near else 8)
                for dx in (-w, 0, w):
                    c.tone(
                        c.disk(cx + dx + k * 7 - 10, cy - (k % 2) * 3, r),
                        col,
                        cx + dx,
                        cy,
                        10,
                        light=lighten(col, 0.5),
                        dark=darken(col, 0.1),
                    )
        if near:
            c.paint(c.yy > base + 16, col)
    return c.image()


def _tint_gain(tint: tuple[int, int, int] | None) -> np.ndarray | None:
    """Per-channel gain that pulls colours towards `tint` while keeping brightness (None = no tint)."""
    if tint is None:
        return None
    t = np.asarray(tint, np.float32)
    gain = t / max(float(t.mean()), 1.0)
    return np.clip(1.0 + 0.45 * (gain - 1.0), 0.6, 1.5)


def _apply(img: np.ndarray, gain: np.ndarray | None) -> np.ndarray:
    if gain is None:
        return img
    return np.clip(img.astype(np.float32) * gain, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Assets:
    """Everything a `Game` draws, for one (theme, camera, size, tint)."""

    atlas: np.ndarray  # (ANIM, N_KINDS*NV, T, T, 3) uint8
    alpha: np.ndarray  # (N_KINDS*NV, T, T, 3) bool; 3 channels so compositing needs no broadcasting
    sky: np.ndarray | None  # (H, W, 3) side view only
    # side view parallax: (rgb, alpha (same shape), parallax factor); the LAYER_W-periodic images are
    # repeated to at least LAYER_W + W columns so any window is a plain slice
    layers: tuple[tuple[np.ndarray, np.ndarray, float], ...]
    player: dict[str, list[sp.Sprite]]
    collectible: list[sp.Sprite]
    hazard: list[sp.Sprite]
    sparkle: list[sp.Sprite]
    shadow: sp.Sprite
    particles: ParticleStyle
    hud: np.ndarray  # (3, 3) uint8: text, shadow, accent


@lru_cache(maxsize=64)
def get_assets(
    theme_id: str, camera: str, size: tuple[int, int], tint: tuple[int, int, int] | None = None
) -> Assets:
    """Build (once per process and key) the art for a theme, camera and frame size."""
    theme = THEMES[theme_id]
    side = camera == "side"
    h, w = size
    gain = _tint_gain(tint)
    atlas, alpha = build_atlas(theme, side)
    sky = _apply(_sky(theme, h, w), gain) if side else None
    layers: tuple[tuple[np.ndarray, np.ndarray, float], ...] = ()
    if side:
        reps = -(-(LAYER_W + w) // LAYER_W)
        layers = tuple(
            (np.tile(_apply(img, gain), (1, reps, 1)), np.tile(a[..., None], (1, reps, 3)), f)
            for (img, a), f in ((_layer(theme, "far", h), 0.25), (_layer(theme, "mid", h), 0.5))
        )
    tinted = [(_apply(r, gain), a) for r, a in (*sp.collectible_frames(theme), *sp.hazard_frames(theme))]
    hud = np.array([rgb("#ffffff"), rgb("#101018"), rgb(theme.collectible[0])], np.uint8)
    return Assets(
        atlas=_apply(atlas, gain),
        alpha=np.repeat(alpha[..., None], 3, axis=3),
        sky=sky,
        layers=layers,
        player=sp.player_frames(theme),
        collectible=tinted[:4],
        hazard=tinted[4:],
        sparkle=sp.sparkle_frames(theme.collectible[0]),
        shadow=sp.shadow_sprite(),
        particles=_particles(theme),
        hud=hud,
    )
