"""Sprites: the avatar, collectibles, hazards and effects, painted once per theme.

Every sprite is an (rgb uint8 (h, w, 3), alpha bool (h, w)) pair; animations are lists of those.
"""

from __future__ import annotations

import numpy as np

from inference.corpus.paint import Canvas, darken, lighten, rgb
from inference.corpus.spec import Theme

Sprite = tuple[np.ndarray, np.ndarray]

_HEAD = ["....hhhh....", "...hhhhhh..."]
_BODY = ["....ssss....", "...rrrrrr...", "..rrrrrrrr..", "..srrrrrrs..", "...pppppp..."]
_FACE = {
    "right": ["..hhsssss...", "..hssseses..", "...ssssss..."],
    "down": ["..hhsssshh..", "..hsessesh..", "...ssssss..."],
    "up": ["..hhhhhhhh..", "..hhhhhhhh..", "...hhhhhh..."],
}
_LEGS = {
    "stand": ["...pp..pp...", "...pp..pp...", "..kkk..kkk.."],
    "walk": ["..pp....pp..", ".pp......pp.", ".kk......kk."],
    "jump": ["..pp...pp...", "..kk....pp..", "........kk.."],
    "step_a": ["...pp..pp...", "...kk..pp...", ".......kk..."],
    "step_b": ["...pp..pp...", "...pp..kk...", "...kk......."],
}
_HERO = {"h": "#5a3218", "s": "#f5c8a0", "e": "#1a1a1a", "p": "#2a3a8a", "k": "#3a2a20"}
_SHIRTS = ["#e8402a", "#2a7ae8", "#f0c020", "#f4f4f4", "#a04ae8", "#20c0a0"]


def _template(rows: list[str], colours: dict[str, str]) -> Sprite:
    c = Canvas(len(rows) + 2, len(rows[0]) + 2)
    for y, row in enumerate(rows):
        assert len(row) == 12, row
        for x, ch in enumerate(row):
            if ch != ".":
                c.paint(c.rect(x + 1, y + 1, x + 2, y + 2), rgb(colours[ch]))
    c.outline(rgb("#1a1420"))
    return c.image()


def _shirt_for(theme: Theme) -> str:
    """The shirt colour that stands out most against the theme's ground, obstacles and hazards."""
    refs = [rgb(theme.ground[1]), rgb(theme.obstacle[0]), rgb(theme.hazard[0]), rgb(theme.soil[0])]
    return max(_SHIRTS, key=lambda s: min(float(np.abs(rgb(s) - r).sum()) for r in refs))


def player_frames(theme: Theme) -> dict[str, list[Sprite]]:
    """Avatar frames by facing: 'right'/'left' -> [stand, walk, jump]; 'up'/'down' -> [stand, step_a, step_b]."""
    colours = dict(_HERO, r=_shirt_for(theme))
    out: dict[str, list[Sprite]] = {}
    right = [
        _template(_HEAD + _FACE["right"] + _BODY[1:] + _LEGS[k], colours) for k in ("stand", "walk", "jump")
    ]
    out["right"] = right
    out["left"] = [(np.ascontiguousarray(r[:, ::-1]), np.ascontiguousarray(a[:, ::-1])) for r, a in right]
    for facing in ("up", "down"):
        legs = ["stand", "step_a", "step_b"]
        out[facing] = [_template(_HEAD + _FACE[facing] + _BODY[1:] + _LEGS[k], colours) for k in legs]
    return out


def collectible_frames(theme: Theme) -> list[Sprite]:
    """Four frames (spin / twinkle) of the theme's pickup, 10x10."""
    base, hi = rgb(theme.collectible[0]), rgb(theme.collectible[1])
    edge = darken(base, 0.55)
    frames = []
    for f in range(4):
        c = Canvas(10, 10)
        shape = theme.collectible_shape
        if shape == "coin":
            rx = [4.2, 3.0, 1.2, 3.0][f]
            m = c.ellipse(5, 5, rx, 4.2)
            c.tone(m, base, 5, 5, 4, light=hi)
            if rx > 2:
                c.paint(c.rect(4.6, 3, 5.4, 7) & m, darken(base, 0.25))
        elif shape == "gem":
            m = c.poly([(5, 1), (9, 4.5), (5, 9.2), (1, 4.5)])
            c.tone(m, base, 5, 5, 3, light=hi)
            c.paint(c.poly([(5, 1), (7, 4.5), (5, 4.5), (3, 4.5)]) & m, hi)
        elif shape == "star":
            pts = [
                (5 + r * np.sin(a), 5.4 - r * np.cos(a))
                for k in range(10)
                for r, a in [((4.6, 2.0)[k % 2], k * np.pi / 5)]
            ]
            m = np.zeros((10, 10), bool)
            for k in range(0, 10, 2):  # union of five triangles and the centre pentagon
                m |= c.poly([pts[k], pts[(k + 1) % 10], (5, 5.4), pts[(k - 1) % 10]])
            c.tone(m, base, 5, 5, 3, light=hi)
        elif shape == "fruit":
            m = c.disk(5, 5.8, 3.8)
            c.tone(m, base, 5, 5.8, 3.5, light=hi)
            c.paint(c.rect(4.5, 0.5, 5.5, 3), rgb("#6a4a2a"))
            c.paint(c.ellipse(7, 1.8, 1.8, 1.0), rgb("#4ab83a"))
        else:  # orb
            m = c.disk(5, 5, 3.6 + 0.4 * (f % 2))
            c.tone(m, base, 5, 5, 3, light=hi)
            c.paint(c.rect(3.5, 3, 4.5, 4.5), rgb("#ffffff"))
        c.outline(edge)
        if f == 1 and shape != "coin":
            c.paint(c.rect(0, 0, 1, 1) | c.rect(8.5, 8.5, 10, 10), hi)
        frames.append(c.image())
    return frames


def hazard_frames(theme: Theme) -> list[Sprite]:
    """Two animation frames of the theme's hazard creature, 14x14."""
    base, dk = rgb(theme.hazard[0]), rgb(theme.hazard[1])
    eye_w, eye_b = rgb("#ffffff"), rgb("#101010")
    frames = []
    for f in range(2):
        c = Canvas(14, 14)
        shape = theme.hazard_shape
        if shape == "slime":
            ry = 4.5 if f == 0 else 3.6
            rx = 5.5 if f == 0 else 6.3
            m = c.ellipse(7, 12.5 - ry, rx, ry) & (c.yy < 12.5)
            c.tone(m, base, 7, 8, 4)
            eyes = [(5, 12.5 - ry - 0.5), (9, 12.5 - ry - 0.5)]
        elif shape in ("bat", "bee"):
            body = c.ellipse(7, 7.5, 3.2, 3.2 if shape == "bat" else 2.6)
            wing_y = 4.0 if f == 0 else 9.0
            wings = c.poly([(3.5, 6.5), (0.5, wing_y), (3.5, 9)]) | c.poly(
                [(10.5, 6.5), (10.5, 9), (13.5, wing_y)]
            )
            wcol = dk if shape == "bat" else lighten(rgb("#c8e8ff"), 0.3)
            c.paint(wings, wcol)
            c.tone(body, base, 7, 7.5, 3)
            if shape == "bee":
                c.paint(body & ((c.xx.astype(int) % 3) == 0), dk)
            eyes = [(6, 6.5), (8.5, 6.5)]
        elif shape == "spikeball":
            ang = np.arctan2(c.yy - 7, c.xx - 7) + f * np.pi / 8
            rad = 4.2 + 2.2 * (np.cos(ang * 8) > 0.3)
            m = np.hypot(c.xx - 7, c.yy - 7) <= rad
            c.paint(m, dk)
            c.tone(c.disk(7, 7, 4.4), base, 7, 7, 4)
            eyes = [(5.5, 6.5), (8.5, 6.5)]
        elif shape == "ghost":
            wave = 1.0 * np.sin(c.xx * 1.4 + f * np.pi)
            m = (c.disk(7, 6, 5) | c.rect(2, 6, 12, 11.5 + wave)) & (c.yy < 12.5 + wave)
            c.tone(m, base, 7, 6, 4)
            eyes = [(5.3, 6), (8.7, 6)]
        elif shape == "drone":
            m = c.rect(2.5, 5, 11.5, 11.5)
            c.tone(m, base, 7, 8, 4)
            prop = c.rect(1 + 3 * f, 2, 13 - 3 * f, 3) | c.rect(6.5, 2.5, 7.5, 5)
            c.paint(prop, rgb("#c8c8d0"))
            c.paint(c.disk(7, 8.2, 2.0), rgb("#fff04a" if f else "#ffffff"))
            eyes = []
        else:  # crab
            m = c.ellipse(7, 9, 4.8, 3.2)
            c.tone(m, base, 7, 9, 4)
            cy = 4.0 if f == 0 else 5.5
            c.paint(c.disk(2, cy, 1.8) | c.disk(12, cy, 1.8), base)
            c.paint(
                c.rect(2, 12, 3, 13.5)
                | c.rect(11, 12, 12, 13.5)
                | c.rect(5, 12, 6, 13.5)
                | c.rect(8, 12, 9, 13.5),
                dk,
            )
            eyes = [(5.5, 6.0), (8.5, 6.0)]
        for ex, ey in eyes:
            c.paint(c.rect(ex - 1, ey - 1, ex + 1, ey + 1), eye_w)
            c.paint(c.rect(ex, ey - 0.5, ex + 1, ey + 1), eye_b)
        c.outline(darken(dk, 0.5))
        frames.append(c.image())
    return frames


def sparkle_frames(colour: str) -> list[Sprite]:
    """Three frames of the burst shown where a pickup was collected."""
    out = []
    col = lighten(rgb(colour), 0.4)
    for f in range(3):
        c = Canvas(15, 15)
        r = 2.5 + 2.5 * f
        for k in range(8):
            a = k * np.pi / 4 + f * 0.3
            x, y = 7.5 + r * np.cos(a), 7.5 + r * np.sin(a)
            c.paint(c.rect(x - 0.5, y - 0.5, x + 0.5 + (f < 2), y + 0.5 + (f < 2)), col)
        out.append(c.image())
    return out


def shadow_sprite() -> Sprite:
    c = Canvas(5, 12)
    c.paint(c.ellipse(6, 2.5, 5.5, 2.2), np.zeros(3, np.float32))
    return c.image()
