"""Tile kinds and the per-theme tile atlas (16x16 tiles, several variants, two animation frames).

Atlas layout: `atlas[anim, kind * NV + variant]` is a (T, T, 3) uint8 tile; `alpha[kind * NV + variant]`
says which pixels are opaque (side view draws tiles over the sky; top-down tiles are fully opaque).
"""

from __future__ import annotations

import zlib

import numpy as np

from inference.corpus.paint import Canvas, darken, lighten, mix, rgb
from inference.corpus.spec import Theme

T = 16  # tile size in pixels
NV = 4  # variants per kind
ANIM = 2  # animation frames (liquids shimmer)

(AIR, GROUND, SOIL, BLOCK, OBST_SMALL, OBST_BASE, OBST_TOP, LIQUID, LIQUID_TOP, DECO, PAD, DEEP) = range(12)
N_KINDS = 12
SOLID_SIDE = frozenset({GROUND, SOIL, BLOCK, OBST_SMALL, OBST_BASE, OBST_TOP, PAD, DEEP})
SOLID_TOPDOWN = frozenset({BLOCK, OBST_SMALL, OBST_BASE, OBST_TOP, LIQUID, LIQUID_TOP})

Img = tuple[np.ndarray, np.ndarray]


def theme_rng(theme: Theme, salt: str) -> np.random.Generator:
    """A generator that depends only on the theme and a purpose (never on Python's salted hash)."""
    return np.random.default_rng(zlib.crc32(f"{theme.id}/{salt}".encode()))


def ground_texture(theme: Theme, rng: np.random.Generator, base: np.ndarray) -> Canvas:
    """A full 16x16 walkable-ground texture in the theme's ground style."""
    g = [rgb(h) for h in theme.ground]
    light, dark = mix(base, g[0], 0.7), mix(base, g[2], 0.7)
    c = Canvas(T, T, fill=base)
    style = theme.ground_style
    r = rng.random((T, T))
    if style in ("grass", "mud"):
        c.paint((r < 0.10) & (np.roll(r, 1, 0) < 0.5), dark)
        blades = r > 0.91
        c.paint(blades | np.roll(blades, -1, 0), light)
        if style == "mud":
            c.paint(c.ellipse(rng.uniform(4, 12), rng.uniform(4, 12), 3.5, 1.6), darken(base, 0.25))
    elif style in ("sand", "snow", "cloud"):
        wave = np.sin(c.xx * 0.5 + c.yy * 1.3 + rng.uniform(0, 6)) > 0.85
        c.paint(wave & (r < 0.6), dark if style == "sand" else mix(base, g[2], 0.4))
        c.paint(r > 0.96, light if style != "snow" else rgb("#ffffff"))
    elif style == "cobble":
        c.rgb[:] = darken(base, 0.35)
        for x0, y0, x1, y1 in ((1, 1, 8, 7), (9, 1, 15, 6), (1, 8, 6, 15), (7, 8, 15, 15), (9, 6, 15, 8)):
            j = rng.uniform(-0.08, 0.08)
            m = c.rect(x0, y0, x1, y1) & ~(c.rect(x0, y0, x0 + 1, y0 + 1) | c.rect(x1 - 1, y1 - 1, x1, y1))
            stone = mix(base, light, 0.2 + j) if rng.random() < 0.5 else mix(base, dark, 0.15 + j)
            c.tone(m, stone, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, light=mix(stone, light, 0.6))
    elif style == "panel":
        c.paint(c.rect(0, 0, T, 1) | c.rect(0, 0, 1, T), light)
        c.paint(c.rect(0, T - 1, T, T) | c.rect(T - 1, 0, T, T), dark)
        for x, y in ((2, 2), (13, 2), (2, 13), (13, 13)):
            c.paint(c.rect(x, y, x + 1, y + 1), dark)
        c.paint(c.rect(4, 7, 12, 8) & (r < 0.8), mix(base, dark, 0.5))
    elif style == "brick":
        c.rgb[:] = dark
        for row in range(4):
            off = 4 * (row % 2)
            for col in range(-1, 3):
                x0 = col * 8 + off
                c.paint(
                    c.rect(x0 + 1, row * 4 + 1, x0 + 8, row * 4 + 4), mix(base, light, rng.uniform(0, 0.3))
                )
    elif style == "candy":
        stripe = ((c.xx + c.yy).astype(int) // 4) % 2 == 0
        c.paint(stripe, mix(base, light, 0.35))
        cols = [rgb(h) for h in theme.deco + theme.collectible[:1]]
        for _ in range(4):
            x, y = rng.integers(1, 14, 2)
            horiz = rng.random() < 0.5
            c.paint(c.rect(x, y, x + 1 + horiz, y + 2 - horiz), cols[rng.integers(len(cols))])
    return c


def _obstacle(theme: Theme, tall: bool, rng: np.random.Generator) -> Img:
    """The theme's obstacle: a 16x32 sprite when `tall`, else a smaller 16x16 one."""
    main, dk, acc = (rgb(h) for h in theme.obstacle)
    h = 2 * T if tall else T
    c = Canvas(h, T)
    s = theme.obstacle_style
    bot = h - 0.5
    if s in ("tree", "palm", "deadtree"):
        if tall:
            trunk = c.rect(6, h * 0.45, 10, bot)
            c.tone(trunk, acc, 8, h * 0.7, 3)
            if s == "tree":
                blob = c.disk(8, 10, 7.6) | c.disk(4.5, 14, 4.5) | c.disk(11.5, 14, 4.5)
                c.tone(blob, main, 8, 10, 6, dark=dk)
                c.paint(blob & (rng.random(blob.shape) < 0.08), lighten(main, 0.35))
            elif s == "palm":
                for a in np.linspace(-2.6, -0.5, 4):
                    m = c.ellipse(8 + 5 * np.cos(a) * 1.2, 7 + 3.5 * np.sin(a), 5, 2.2)
                    c.tone(m, main, 8, 6, 5, dark=dk)
                c.tone(c.ellipse(3.5, 9, 3.5, 2) | c.ellipse(12.5, 9, 3.5, 2), main, 8, 8, 5, dark=dk)
                c.paint(c.disk(7, 10, 1.3) | c.disk(9.5, 10.5, 1.3), rgb("#7a4a1a"))
            else:
                br = (
                    c.poly([(7, 8), (8.5, 8), (4, 2), (3, 3)])
                    | c.poly([(8, 10), (9.5, 11), (14, 4), (13, 3)])
                    | c.rect(6.5, 4, 9, h * 0.5)
                )
                c.tone(br, main, 8, 10, 5, dark=dk)
                c.paint(c.ellipse(8, 4, 2.0, 1.4) & (rng.random(br.shape) < 0.7), acc)
        else:
            if s == "deadtree":  # mushrooms
                c.paint(c.rect(4.5, 10, 6.5, 15.5) | c.rect(10, 11, 12, 15.5), rgb("#e8e0c8"))
                cap = c.ellipse(5.5, 9.5, 4, 3) & (c.yy < 10.5)
                cap2 = c.ellipse(11, 11, 3, 2.4) & (c.yy < 11.5)
                c.tone(cap | cap2, acc, 7, 9, 4)
                c.paint((cap | cap2) & (rng.random(cap.shape) < 0.15), rgb("#ffffff"))
            else:
                blob = c.disk(8, 10.5, 5.5) | c.disk(4, 12.5, 3.5) | c.disk(12, 12.5, 3.5)
                c.tone(blob & (c.yy < 15.5), main, 8, 10, 5, dark=dk)
    elif s == "pine":
        if tall:
            c.tone(c.rect(6.5, h - 7, 9.5, bot), acc, 8, h - 4, 2)
            for k, (top, w) in enumerate(((1, 3.5), (7, 5.5), (13, 7.2))):
                m = c.poly([(8, top), (8 + w, top + 11), (8 - w, top + 11)])
                c.tone(m, main, 8 - k, top + 6, 5, dark=dk)
                c.paint(m & (c.yy < top + 2.5), rgb("#f4f8ff"))
        else:
            c.tone(c.poly([(8, 3), (13.5, 15.5), (2.5, 15.5)]), main, 8, 9, 5, dark=dk)
    elif s == "cactus":
        if tall:
            body = (
                c.rect(5.5, 3, 10.5, bot)
                | c.rect(1.5, 12, 4, 20)
                | c.rect(2.5, 19, 6, 22)
                | c.rect(12, 8, 14.5, 16)
                | c.rect(10, 15, 13.5, 18)
            )
            body &= ~(c.rect(5.5, 3, 6.5, 4) | c.rect(9.5, 3, 10.5, 4))
            c.tone(body, main, 8, 12, 5, dark=dk)
            c.paint(body & (c.xx.astype(int) % 2 == 0) & (c.yy.astype(int) % 4 == 1), lighten(main, 0.4))
            c.paint(c.disk(8, 3.2, 1.6), rgb("#ff6a9a"))
        else:
            m = c.ellipse(8, 11, 5, 4.5) & (c.yy < 15.5)
            c.tone(m, main, 8, 11, 4, dark=dk)
            c.paint(m & (c.xx.astype(int) % 3 == 0), lighten(main, 0.3))
            c.paint(c.disk(8, 6.8, 1.5), rgb("#ff6a9a"))
    elif s in ("rock", "crystal"):
        if s == "rock":
            if tall:
                m = c.poly([(8, 2), (13.5, bot), (2.5, bot)]) | c.ellipse(8, h - 5, 7, 5)
            else:
                m = (c.ellipse(8, 10.5, 7, 5) | c.ellipse(6, 8.5, 4, 4)) & (c.yy < 15.5)
            c.tone(m, main, 7, h * 0.6, 5, dark=dk)
            cr = m & (np.abs(c.xx - 8 - np.sin(c.yy * 0.9) * 1.5) < 0.6) & (c.yy > h * 0.45)
            c.paint(cr, acc)
        else:
            shards = [(8, 1 if tall else 5, 3.2), (4, 10 if tall else 9, 2.4), (12, 13 if tall else 10, 2.4)]
            for x, top, w in shards:
                m = c.poly([(x, top), (x + w, top + 3), (x + w, bot), (x - w, bot), (x - w, top + 3)])
                c.tone(m, main, x - 1, (top + h) / 2, w, light=lighten(acc, 0.4), dark=dk)
                c.paint(m & (c.xx < x) & (c.xx > x - 1), lighten(main, 0.5))
    elif s in ("building", "console", "pillar", "tombstone"):
        if s == "building" and tall:
            m = c.rect(1.5, 2, 14.5, bot)
            c.tone(m, dk, 8, 16, 8, light=lighten(dk, 0.2))
            wins = (c.xx.astype(int) % 4 == 3) & (c.yy.astype(int) % 4 == 2) & c.rect(3, 4, 14, h - 3)
            lit = rng.random(wins.shape) < 0.55
            c.paint(wins & lit, main)
            c.paint(wins & ~lit & (rng.random(wins.shape) < 0.4), acc)
            c.paint(c.rect(1.5, 2, 14.5, 3), acc)
        elif s == "console" and tall:
            m = c.rect(2.5, 6, 13.5, bot)
            c.tone(m, main, 8, 18, 6, dark=dk)
            c.paint(c.rect(4, 9, 12, 16), rgb("#0a1a12"))
            c.paint(c.rect(4, 9, 12, 16) & (c.yy.astype(int) % 2 == 0) & (rng.random((h, T)) < 0.6), acc)
            for k, col in enumerate(("#ff4a4a", "#ffd84a", "#3a9aff")):
                c.paint(c.rect(4 + 3 * k, 20, 6 + 3 * k, 22), rgb(col))
            c.paint(c.rect(7.5, 1, 8.5, 6), main)
            c.paint(c.disk(8, 1.5, 1.3), acc)
        elif s == "pillar" and tall:
            m = c.rect(3.5, 4, 12.5, bot - 2) | c.rect(1.5, 1, 14.5, 4) | c.rect(1.5, bot - 3, 14.5, bot)
            c.tone(m, main, 8, 16, 6, dark=dk)
            c.paint(c.rect(5.5, 5, 6.5, bot - 3) | c.rect(9.5, 5, 10.5, bot - 3), darken(main, 0.18))
            c.paint(c.poly([(5, 6), (11, 6), (11, 16), (8, 13), (5, 16)]), acc)
        elif s == "tombstone" and tall:  # bare spooky tree
            br = (
                c.rect(6.5, 8, 9.5, bot)
                | c.poly([(7, 10), (8.5, 11), (2, 3), (1, 4)])
                | c.poly([(8, 12), (9.5, 13), (15, 5), (14, 4)])
                | c.rect(7, 2, 8.5, 9)
            )
            c.tone(br, acc, 8, 14, 5, light=lighten(acc, 0.25))
        else:  # small: tombstone / crate / barrel
            if s == "tombstone":
                m = (c.rect(3.5, 6, 12.5, 15.5) | c.disk(8, 6.5, 4.5)) & (c.yy < 15.5)
                c.tone(m, main, 8, 10, 5, dark=dk)
                c.paint(c.rect(7.5, 5, 8.5, 11) | c.rect(6, 6.5, 10, 7.5), dk)
            else:
                m = c.rect(2.5, 4.5, 13.5, 15.5)
                c.tone(m, main if s != "building" else dk, 8, 10, 6, dark=dk)
                c.paint(c.rect(2.5, 9.5, 13.5, 10.5) | c.rect(7.5, 4.5, 8.5, 15.5), darken(main, 0.4))
                c.paint(c.rect(4, 6, 6, 8), acc)
    elif s in ("lollipop", "haybale", "balloon"):
        if s == "lollipop" and tall:
            c.paint(c.rect(7, 12, 9, bot), acc)
            ang = np.arctan2(c.yy - 8, c.xx - 8) + np.hypot(c.yy - 8, c.xx - 8) * 0.6
            m = c.disk(8, 8, 7)
            c.paint(m, main)
            c.paint(m & (np.sin(ang * 2) > 0.2), lighten(main, 0.6))
        elif s == "haybale" and tall:  # red barn silo
            m = c.rect(2.5, 8, 13.5, bot) | (c.ellipse(8, 8.5, 5.5, 6) & (c.yy < 8.5))
            c.tone(m, main, 8, 16, 6, dark=dk)
            c.paint(c.rect(2.5, 14, 13.5, 15) | c.rect(2.5, 22, 13.5, 23), acc)
            c.paint(c.rect(6, 25, 10, bot), darken(main, 0.45))
        elif s == "balloon" and tall:
            c.paint(c.rect(5, 19, 6, 25) | c.rect(10, 19, 11, 25), rgb("#5a3a1e"))
            m = c.ellipse(8, 9, 7, 8.5) & (c.yy < 18) | c.poly([(3, 14), (13, 14), (10, 19), (6, 19)])
            c.tone(m, main, 8, 9, 7, dark=dk)
            c.paint(m & (np.abs(c.xx - 8) < 1.5), acc)
            c.paint(m & (np.abs(np.abs(c.xx - 8) - 4.8) < 1.0), acc)
            c.tone(c.rect(5, 25, 11, 30), rgb("#a8743a"), 8, 27, 3)
        else:  # small: gumdrop / haybale / cloud puff
            b0, b1 = rgb(theme.block[0]), rgb(theme.block[1])
            if s == "lollipop":
                m = c.ellipse(8, 14, 6, 8) & (c.yy < 15.5)
                c.tone(m, rgb(theme.deco[0]), 8, 11, 5)
                c.paint(m & (rng.random(m.shape) < 0.12), rgb("#ffffff"))
            elif s == "haybale":
                m = c.rect(1.5, 5, 14.5, 15.5) & ~(c.rect(1.5, 5, 2.5, 6) | c.rect(13.5, 5, 14.5, 6))
                c.tone(m, b0, 8, 10, 6, dark=b1)
                c.paint(m & (c.yy.astype(int) % 3 == 0) & (rng.random(m.shape) < 0.7), b1)
            else:
                m = (c.disk(5, 11, 4) | c.disk(10, 10, 5) | c.disk(13, 12.5, 3)) & (c.yy < 15.5)
                c.tone(m, b0, 8, 10, 5, dark=b1)
    c.outline(darken(dk, 0.5))
    return c.image()


def _block(theme: Theme, rng: np.random.Generator) -> Canvas:
    b0, b1 = rgb(theme.block[0]), rgb(theme.block[1])
    c = Canvas(T, T, fill=b0)
    c.paint(c.rect(0, 0, T, 2) | c.rect(0, 0, 2, T), lighten(b0, 0.3))
    c.paint(c.rect(0, T - 2, T, T) | c.rect(T - 2, 0, T, T), b1)
    style = theme.ground_style
    if style == "panel":
        d = np.abs(c.xx - c.yy) < 0.8
        c.paint((d | (np.abs(c.xx + c.yy - T) < 0.8)) & c.rect(3, 3, 13, 13), b1)
    elif style in ("cloud", "candy"):
        c.paint(c.rect(3, 3, 13, 13) & (((c.xx + c.yy).astype(int) // 3) % 2 == 0), lighten(b0, 0.2))
    else:
        c.paint(c.rect(2, 7, 14, 8.5) | c.rect(7, 2, 8.5, 7) | c.rect(4, 8.5, 5.5, 14), darken(b0, 0.2))
        c.paint(rng.random((T, T)) < 0.05, darken(b0, 0.12))
    return c


def _deco(theme: Theme, v: int, rng: np.random.Generator) -> Img:
    """Small non-solid decoration, variant v (0, 1: plants/lights, 2: tuft, 3: pebbles)."""
    c = Canvas(T, T)
    d0, d1 = rgb(theme.deco[0]), rgb(theme.deco[1])
    g = rgb(theme.ground[2])
    if theme.ground_style == "panel" and v < 2:
        c.tone(c.rect(3.5, 9, 12.5, 15), rgb(theme.block[1]), 8, 12, 4)
        c.paint(c.rect(5, 10.5, 11, 11.5) | c.rect(5, 12.5, 11, 13.5), rgb("#101018"))
        c.paint(c.rect(6 + 2 * v, 7, 8 + 2 * v, 9), d0 if v == 0 else d1)
    elif v < 2:
        col = d0 if v == 0 else d1
        for x, top in ((5, 8 + rng.integers(0, 3)), (11, 10 + rng.integers(0, 3))):
            c.paint(c.rect(x - 0.5, top, x + 0.5, 15.5), mix(g, rgb("#2a6a2a"), 0.4))
            c.paint(c.disk(x, top, 1.9), col)
            c.paint(c.rect(x - 0.5, top - 0.5, x + 0.5, top + 0.5), rgb("#fff6a0"))
    elif v == 2:
        for k in range(5):
            x = 3 + 2.4 * k
            c.paint(c.poly([(x, 9 + (k % 2) * 2), (x + 1.4, 15.5), (x - 1.4, 15.5)]), mix(g, d0, 0.15))
    else:
        for _ in range(3):
            x, y = rng.uniform(3, 13), rng.uniform(11, 14)
            c.tone(c.ellipse(x, y, 2.0, 1.3), rgb(theme.block[0]), x, y, 1.5)
    c.outline(darken(g, 0.45))
    return c.image()


def _liquid(theme: Theme, anim: int, top: bool, side: bool, ground: np.ndarray) -> Img:
    base, hi = rgb(theme.liquid[0]), rgb(theme.liquid[1])
    c = Canvas(T, T, fill=base)
    row = c.yy.astype(int)
    wave = (np.sin(c.xx * 0.7 + row * 1.3 + anim * np.pi) > 0.55) & ((row + 2 * (anim % 2)) % 5 == 1)
    c.paint(wave, mix(base, hi, 0.6))
    if top:
        crest = 1.5 + np.sin(c.xx * 0.9 + anim * 2.5)
        if side:
            c.a &= c.yy > crest
            c.paint((c.yy > crest) & (c.yy < crest + 1.5), hi)
        else:
            c.paint(c.yy < 2.5, ground)
            c.paint((c.yy >= 2.5) & (c.yy < 3.5 + 0.6 * crest), hi)
    return c.image()


def _pad(theme: Theme, under: Canvas, side: bool) -> Img:
    """A speed pad: a dark plate with glowing chevrons, on the surface (side) or the ground (top-down)."""
    c = Canvas(T, T)
    c.rgb[:], c.a[:] = under.rgb, under.a
    y0, y1 = (0, 6) if side else (3, 13)
    plate = c.rect(1, y0, 15, y1)
    c.paint(plate, darken(rgb(theme.block[1]), 0.4))
    cy = (y0 + y1) / 2
    chev = ((c.xx + np.abs(c.yy - cy)) % 6 < 2.0) & c.rect(2, y0 + 1, 14, y1 - 1)
    c.paint(chev, rgb(theme.collectible[0]))
    return c.image()


def build_atlas(theme: Theme, side: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return (atlas (ANIM, N_KINDS*NV, T, T, 3) uint8, alpha (N_KINDS*NV, T, T) bool)."""
    rng = theme_rng(theme, "tiles")
    g = [rgb(h) for h in theme.ground]
    soil0, soil1 = rgb(theme.soil[0]), rgb(theme.soil[1])
    atlas = np.zeros((ANIM, N_KINDS * NV, T, T, 3), np.uint8)
    alpha = np.zeros((N_KINDS * NV, T, T), bool)
    grounds = [ground_texture(theme, rng, g[1]) for _ in range(NV)]

    def soil_tex(deep: bool = False) -> Canvas:
        base = mix(soil0, soil1, 0.55) if deep else soil0
        c = Canvas(T, T, fill=base)
        r = rng.random((T, T))
        c.paint(r < 0.12, darken(soil1, 0.25) if deep else soil1)
        c.paint(r > 0.97, lighten(base, 0.25))
        if deep:  # embedded stones and the odd glint of ore
            b0 = mix(rgb(theme.block[0]), base, 0.45)
            for _ in range(int(rng.integers(1, 3))):
                x, y = rng.uniform(3, 13, 2)
                c.tone(c.ellipse(x, y, rng.uniform(1.5, 3), rng.uniform(1.2, 2)), b0, x, y, 2)
            if rng.random() < 0.5:
                x, y = rng.integers(2, 14, 2)
                c.paint(c.rect(x, y, x + 1, y + 1), rgb(theme.collectible[0]))
        return c

    def put(kind: int, v: int, img: Img, anim: int | None = None) -> None:
        for a in range(ANIM) if anim is None else (anim,):
            atlas[a, kind * NV + v] = img[0]
        alpha[kind * NV + v] = img[1]

    def on_ground(v: int, img: Img) -> Img:
        """Top-down: composite a transparent sprite over a ground tile."""
        base = grounds[v].image()
        out = base[0].copy()
        out[img[1]] = img[0][img[1]]
        return out, np.ones((T, T), bool)

    tall = _obstacle(theme, True, rng)
    for v in range(NV):
        small = _obstacle(theme, False, rng)
        deco = _deco(theme, v, rng)
        blk = _block(theme, rng).image()
        if side:
            put(AIR, v, (np.zeros((T, T, 3), np.uint8), np.zeros((T, T), bool)))
            surf = soil_tex()
            edge = 3.5 + (np.sin(surf.xx * 1.7 + v) > 0.3) + (rng.random(T) < 0.3)[None, :]
            top = grounds[v].image()[0].astype(np.float32)
            surf.rgb[surf.yy < edge + 2] = top[surf.yy < edge + 2]
            surf.paint((surf.yy >= edge + 1.5) & (surf.yy < edge + 2.5), darken(g[2], 0.2))
            surf.paint(surf.yy < 1.5, g[0])
            if theme.ground_style in ("grass", "mud"):
                surf.a &= ~((surf.yy < 1.5) & (rng.random(T) < 0.4)[None, :])
            put(GROUND, v, surf.image())
            put(SOIL, v, soil_tex().image())
            put(DEEP, v, soil_tex(deep=True).image())
            put(PAD, v, _pad(theme, surf, True))
            put(OBST_SMALL, v, small)
            put(DECO, v, deco)
        else:
            put(AIR, v, grounds[v].image())
            alt = ground_texture(theme, rng, mix(g[1], g[2], 0.18)).image()
            put(GROUND, v, alt)
            path = soil_tex()
            path.paint(path.rect(0, 0, T, 1) & (rng.random((T, T)) < 0.5), mix(soil0, g[2], 0.5))
            put(SOIL, v, path.image())
            put(DEEP, v, path.image())  # unused top-down
            put(PAD, v, _pad(theme, grounds[v], False))
            put(OBST_SMALL, v, on_ground(v, small))
            put(DECO, v, on_ground(v, deco))
        put(BLOCK, v, blk)
        put(OBST_BASE, v, (tall[0][T:], tall[1][T:]) if side else on_ground(v, (tall[0][T:], tall[1][T:])))
        put(OBST_TOP, v, (tall[0][:T], tall[1][:T]) if side else on_ground(v, (tall[0][:T], tall[1][:T])))
        for a in range(ANIM):
            put(LIQUID, v, _liquid(theme, a + v, False, side, g[2]), a)
            put(LIQUID_TOP, v, _liquid(theme, a + v, True, side, mix(g[1], g[2], 0.5)), a)
    return atlas, alpha
