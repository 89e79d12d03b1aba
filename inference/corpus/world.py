"""The endless procedural world: deterministic chunks of tiles and entities generated from the seed.

A chunk is CHUNK x CHUNK tiles in top-down view and CHUNK columns x SIDE_ROWS rows in side view (the
side world is endless horizontally only). A chunk depends only on (spec, chunk coordinates), never on
what was generated before, so chunks can be evicted and regenerated at will and snapshots need not
store them. Hazard positions are pure functions of the tick.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from inference.corpus.paint import splitmix
from inference.corpus.spec import THEMES, WorldSpec
from inference.corpus.tiles import (
    AIR,
    BLOCK,
    DECO,
    DEEP,
    GROUND,
    LIQUID,
    LIQUID_TOP,
    NV,
    OBST_BASE,
    OBST_SMALL,
    OBST_TOP,
    PAD,
    SOIL,
    SOLID_SIDE,
    SOLID_TOPDOWN,
    T,
)

CHUNK = 16
SIDE_ROWS = 24
MAX_CACHED_CHUNKS = 48
_MASK64 = (1 << 64) - 1
_FLYERS = frozenset({"bat", "bee", "ghost", "drone"})


@dataclass(frozen=True)
class Entity:
    """A collectible or hazard. (x, y) is the top-left in world px (a hazard's patrol centre)."""

    eid: int
    kind: str  # "collectible" | "hazard"
    x: float
    y: float
    w: int
    h: int
    axis: int = 0  # hazards: 0 patrols along x, 1 along y
    span: float = 0.0  # patrol half-length in px
    period: int = 90  # ticks for a full patrol loop
    phase: float = 0.0
    bob: float = 0.0  # vertical sine bob (flyers)

    def pos(self, tick: int) -> tuple[int, int]:
        """Top-left in world px at `tick` (collectibles never move; bobbing is drawn, not simulated)."""
        if self.kind != "hazard":
            return int(self.x), int(self.y)
        u = (tick / self.period + self.phase) % 1.0
        tri = 4.0 * abs(u - 0.5) - 1.0  # -1 .. 1 .. -1
        off = self.span * tri
        bob = self.bob * np.sin(2 * np.pi * (tick / 37.0 + self.phase))
        if self.axis == 0:
            return int(self.x + off), int(self.y + bob)
        return int(self.x + bob), int(self.y + off)

    def heading(self, tick: int) -> int:
        """+1 when moving towards +axis, -1 otherwise (for flipping sprites)."""
        return 1 if (tick / self.period + self.phase) % 1.0 < 0.5 else -1


@dataclass
class Chunk:
    kind: np.ndarray  # (rows, CHUNK) uint8 tile kinds
    idx: np.ndarray  # (rows, CHUNK) int16 atlas index = kind * NV + variant
    entities: list[Entity]


def _hash2(seed: int, salt: int, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) per integer lattice point, a pure function of (seed, salt, ix, iy)."""
    with np.errstate(over="ignore"):
        key = (
            ix.astype(np.int64).astype(np.uint64) * np.uint64(0x9E3779B1)
            ^ iy.astype(np.int64).astype(np.uint64) * np.uint64(0x85EBCA77C2B2AE63)
            ^ np.uint64(((seed * 0x2545F4914F6CDD1D) ^ (salt << 17)) & _MASK64)
        )
    return (splitmix(key) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def value_noise(seed: int, salt: int, gx: np.ndarray, gy: np.ndarray, scale: float) -> np.ndarray:
    """Smooth value noise in [0, 1] over global tile coordinates (continuous across chunks)."""
    fx, fy = gx / scale, gy / scale
    ix, iy = np.floor(fx), np.floor(fy)
    tx, ty = fx - ix, fy - iy
    tx, ty = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)
    v00, v10 = _hash2(seed, salt, ix, iy), _hash2(seed, salt, ix + 1, iy)
    v01, v11 = _hash2(seed, salt, ix, iy + 1), _hash2(seed, salt, ix + 1, iy + 1)
    return (v00 * (1 - tx) + v10 * tx) * (1 - ty) + (v01 * (1 - tx) + v11 * tx) * ty


def fbm(seed: int, salt: int, gx: np.ndarray, gy: np.ndarray, scale: float) -> np.ndarray:
    return 0.65 * value_noise(seed, salt, gx, gy, scale) + 0.35 * value_noise(
        seed, salt + 1, gx, gy, scale / 2.7
    )


class World:
    """Lazily generated, bounded-cache chunk store for one spec."""

    def __init__(self, spec: WorldSpec) -> None:
        self.spec = spec
        self.side = spec.camera == "side"
        self.rows = SIDE_ROWS if self.side else CHUNK
        self.solid = SOLID_SIDE if self.side else SOLID_TOPDOWN
        self._flyer = THEMES[spec.theme].hazard_shape in _FLYERS
        self._chunks: OrderedDict[tuple[int, int], Chunk] = OrderedDict()
        self._solid_lut = np.zeros(256, bool)
        self._solid_lut[list(self.solid)] = True

    # --- access ---
    def chunk(self, cx: int, cy: int) -> Chunk:
        key = (cx, 0 if self.side else cy)
        ch = self._chunks.get(key)
        if ch is None:
            ch = self._gen_side(cx) if self.side else self._gen_topdown(cx, cy)
            self._chunks[key] = ch
            if len(self._chunks) > MAX_CACHED_CHUNKS:
                self._chunks.popitem(last=False)
        return ch

    def kind_at(self, tx: int, ty: int) -> int:
        if self.side and not 0 <= ty < SIDE_ROWS:
            return AIR
        ch = self.chunk(tx // CHUNK, ty // CHUNK)
        return int(ch.kind[ty % self.rows if self.side else ty % CHUNK, tx % CHUNK])

    def is_solid(self, tx: int, ty: int) -> bool:
        if self.side and ty < 0:
            return True  # the sky has a lid, so nobody jumps out of the world
        return bool(self._solid_lut[self.kind_at(tx, ty)])

    def rect_hits(self, x: int, y: int, w: int, h: int) -> bool:
        """Does the pixel rectangle [x, x+w) x [y, y+h) overlap a solid tile?"""
        for ty in range(y // T, (y + h - 1) // T + 1):
            for tx in range(x // T, (x + w - 1) // T + 1):
                if self.is_solid(tx, ty):
                    return True
        return False

    def window(self, tx0: int, ty0: int, nty: int, ntx: int) -> np.ndarray:
        """Atlas indices of the tile rectangle starting at (tx0, ty0), shape (nty, ntx)."""
        out = np.zeros((nty, ntx), np.int16)  # AIR variant 0 outside the side world
        ty = ty0
        while ty < ty0 + nty:
            if self.side and not 0 <= ty < SIDE_ROWS:
                ty += 1
                continue
            if self.side:
                r0, r1 = ty, min(ty0 + nty, SIDE_ROWS)
                cy_rows = slice(r0, r1)
            else:
                r0, r1 = ty, min(ty0 + nty, (ty // CHUNK + 1) * CHUNK)
                cy_rows = slice(r0 % CHUNK, r0 % CHUNK + (r1 - r0))
            tx = tx0
            while tx < tx0 + ntx:
                c1 = min(tx0 + ntx, (tx // CHUNK + 1) * CHUNK)
                ch = self.chunk(tx // CHUNK, ty // CHUNK)
                out[r0 - ty0 : r1 - ty0, tx - tx0 : c1 - tx0] = ch.idx[
                    cy_rows, tx % CHUNK : tx % CHUNK + (c1 - tx)
                ]
                tx = c1
            ty = r1
        return out

    def entities_in(self, x0: int, y0: int, x1: int, y1: int, margin: int = 64) -> list[Entity]:
        """Entities of every chunk overlapping the px rectangle grown by `margin` (patrols reach out)."""
        span = CHUNK * T
        cys = [0] if self.side else range((y0 - margin) // span, (y1 + margin) // span + 1)
        out: list[Entity] = []
        for cy in cys:
            for cx in range((x0 - margin) // span, (x1 + margin) // span + 1):
                out.extend(self.chunk(cx, cy).entities)
        return out

    # --- generation ---
    def _rng(self, cx: int, cy: int) -> np.random.Generator:
        s = self.spec.seed & _MASK64
        return np.random.default_rng(
            [s & 0xFFFFFFFF, s >> 32, (cx + (1 << 31)) & 0xFFFFFFFF, (cy + (1 << 31)) & 0xFFFFFFFF]
        )

    def _eid(self, cx: int, cy: int, i: int) -> int:
        return (((cx & 0xFFFFF) << 40) | ((cy & 0xFFFFF) << 20) | i) & ((1 << 62) - 1)

    def _finish(self, kind: np.ndarray, rng: np.random.Generator, ents: list[Entity]) -> Chunk:
        var = rng.integers(0, NV, kind.shape)
        return Chunk(kind=kind, idx=(kind.astype(np.int16) * NV + var).astype(np.int16), entities=ents)

    def _gen_topdown(self, cx: int, cy: int) -> Chunk:
        seed, mech = self.spec.seed, self.spec.mechanics
        rng = self._rng(cx, cy)
        # one extra row above (shorelines look up) and one extra row/column after (paths look ahead)
        gy_x, gx_x = np.mgrid[cy * CHUNK - 1 : (cy + 1) * CHUNK + 1, cx * CHUNK : (cx + 1) * CHUNK + 1]
        gy, gx = gy_x[:-1, :-1], gx_x[:-1, :-1]
        high = fbm(seed, 30, gx_x, gy_x, 13.0) > 0.5
        path = (high[:-1, :-1] != high[:-1, 1:]) | (high[:-1, :-1] != high[1:, :-1])  # 1-tile contour lines
        liquid = (fbm(seed, 10, gx, gy, 9.0) < THEMES[self.spec.theme].liquid_level) & ~path
        spawn = (gx - 8) ** 2 + (gy - 8) ** 2 <= 12
        liquid &= ~spawn
        kind = np.full((CHUNK, CHUNK), AIR, np.uint8)
        kind[value_noise(seed, 40, gx, gy, 4.0)[1:] > 0.62] = GROUND
        kind[path[1:]] = SOIL
        kind[liquid[1:]] = LIQUID
        kind[liquid[1:] & ~liquid[:-1]] = LIQUID_TOP
        r = rng.random((5, CHUNK, CHUNK))
        sp = spawn[1:]
        free = ((kind == AIR) | (kind == GROUND)) & ~sp
        forest = fbm(seed, 20, gx, gy, 6.0)[1:]
        obst = free & (((forest > 0.6) & (r[0] < 0.5)) | (r[0] < 0.02))
        kind[obst] = OBST_SMALL
        above_free = np.zeros_like(obst)
        above_free[1:] = free[:-1] & ~obst[:-1]
        tall = obst & above_free & (r[1] < 0.65)
        kind[tall] = OBST_BASE
        kind[:-1][tall[1:]] = OBST_TOP
        free = ((kind == AIR) | (kind == GROUND)) & ~sp
        kind[free & (r[2] < 0.015)] = BLOCK
        free = ((kind == AIR) | (kind == GROUND)) & ~sp
        kind[free & (r[3] < 0.10)] = DECO
        if "speed" in mech:
            kind[((kind == SOIL) & (r[4] < 0.12)) | (free & (r[4] < 0.006))] = PAD
        walk = ~self._solid_lut[kind]
        ents: list[Entity] = []
        if "collectibles" in mech:
            cells = np.argwhere(walk & ~sp)
            for i, (ty, tx) in enumerate(cells[rng.permutation(len(cells))[: rng.integers(3, 8)]]):
                ents.append(
                    Entity(
                        self._eid(cx, cy, i),
                        "collectible",
                        (cx * CHUNK + tx) * T + 3,
                        (cy * CHUNK + ty) * T + 3,
                        10,
                        10,
                    )
                )
        if "hazards" in mech:
            far = ((gx[1:] - 8) ** 2 + (gy[1:] - 8) ** 2) > 64
            cells = np.argwhere(walk & far)
            for i, (ty, tx) in enumerate(cells[rng.permutation(len(cells))[: rng.integers(1, 3)]]):
                axis = int(rng.integers(2))
                line = walk[ty, :] if axis == 0 else walk[:, tx]
                pos = tx if axis == 0 else ty
                lo = pos
                while lo > 0 and line[lo - 1]:
                    lo -= 1
                hi = pos
                while hi < CHUNK - 1 and line[hi + 1]:
                    hi += 1
                centre = (lo + hi) / 2
                span = max(8.0, (hi - lo) * T / 2)
                bx = (cx * CHUNK + (centre if axis == 0 else tx)) * T + 1
                by = (cy * CHUNK + (centre if axis == 1 else ty)) * T + 1
                ents.append(
                    Entity(
                        self._eid(cx, cy, 100 + i),
                        "hazard",
                        bx,
                        by,
                        14,
                        14,
                        axis=axis,
                        span=min(span, 56.0),
                        period=int(rng.integers(70, 140)),
                        phase=float(rng.random()),
                        bob=1.5 if self._flyer else 0.0,
                    )
                )
        return self._finish(kind, rng, ents)

    def _gen_side(self, cx: int) -> Chunk:
        mech = self.spec.mechanics
        rng = self._rng(cx, 0)
        gx = np.arange(cx * CHUNK, (cx + 1) * CHUNK)
        top = self._side_heights(gx)
        near_spawn = cx in (-1, 0)
        pit = np.zeros(CHUNK, bool)
        if not near_spawn and rng.random() < 0.55:
            p = int(rng.integers(3, 11))
            pit[p : p + int(rng.integers(2, 4))] = True
        kind = np.full((SIDE_ROWS, CHUNK), AIR, np.uint8)
        rows = np.arange(SIDE_ROWS)[:, None]
        solid_col = ~pit[None, :]
        kind[(rows > top[None, :]) & solid_col] = SOIL
        kind[(rows > top[None, :] + 2) & solid_col] = DEEP
        kind[(rows == top[None, :]) & solid_col] = GROUND
        kind[SIDE_ROWS - 2, pit] = LIQUID_TOP
        kind[SIDE_ROWS - 1, pit] = LIQUID
        edge = pit | np.roll(pit, 1) | np.roll(pit, -1)
        flat = np.r_[top[1:] == top[:-1], False] & np.r_[False, top[1:] == top[:-1]]
        r = rng.random((6, CHUNK))
        spawn_zone = (gx >= -2) & (gx <= 8)
        for c in range(CHUNK):
            t = top[c]
            if edge[c] or spawn_zone[c]:
                continue
            if r[0, c] < 0.13 and flat[c]:
                if r[1, c] < 0.5:
                    kind[t - 1, c] = OBST_SMALL
                else:
                    kind[t - 1, c], kind[t - 2, c] = OBST_BASE, OBST_TOP
            elif r[2, c] < 0.3:
                kind[t - 1, c] = DECO
            if "speed" in mech and flat[c] and r[3, c] < 0.1:
                kind[t, c] = PAD
        ents: list[Entity] = []
        n_ent = 0
        for _ in range(int(rng.integers(0, 3))):
            length = int(rng.integers(2, 5))
            s = int(rng.integers(1, CHUNK - length))
            row = int(top[s : s + length].min()) - int(rng.integers(3, 5))
            if row < 3 or (kind[row, s : s + length] != AIR).any():
                continue
            kind[row, s : s + length] = BLOCK
            if "collectibles" in mech:
                for k in range(length):
                    if rng.random() < 0.6:
                        ents.append(
                            Entity(
                                self._eid(cx, 0, n_ent),
                                "collectible",
                                (gx[s + k]) * T + 3,
                                (row - 1) * T + 3,
                                10,
                                10,
                            )
                        )
                        n_ent += 1
        if "collectibles" in mech:
            for _ in range(int(rng.integers(1, 3))):
                c = int(rng.integers(1, CHUNK - 3))
                base = (min(int(top[c : c + 3].min()), SIDE_ROWS - 4) - 2) * T
                for k in range(3):
                    y = base - (8 if k == 1 else 0) + 3
                    if not near_spawn or gx[c + k] > 10:
                        ents.append(
                            Entity(self._eid(cx, 0, n_ent), "collectible", gx[c + k] * T + 3, y, 10, 10)
                        )
                    n_ent += 1
        if "hazards" in mech and not near_spawn:
            for i in range(int(rng.integers(1, 3))):
                if self._flyer:
                    c = int(rng.integers(2, CHUNK - 2))
                    y = (int(top[max(c - 2, 0) : c + 3].min()) - 3) * T
                    ents.append(
                        Entity(
                            self._eid(cx, 0, 100 + i),
                            "hazard",
                            gx[c] * T,
                            y,
                            14,
                            14,
                            axis=0,
                            span=float(rng.integers(16, 48)),
                            period=int(rng.integers(80, 150)),
                            phase=float(rng.random()),
                            bob=6.0,
                        )
                    )
                    continue
                ok = [
                    c
                    for c in range(1, CHUNK - 1)
                    if not edge[c - 1 : c + 2].any()
                    and top[c - 1] == top[c] == top[c + 1]
                    and (kind[top[c] - 1, c - 1 : c + 2] != OBST_SMALL).all()
                    and (kind[top[c] - 1, c - 1 : c + 2] != OBST_BASE).all()
                ]
                if ok:
                    c = ok[int(rng.integers(len(ok)))]
                    ents.append(
                        Entity(
                            self._eid(cx, 0, 100 + i),
                            "hazard",
                            gx[c] * T + 1,
                            top[c] * T - 14,
                            14,
                            14,
                            axis=0,
                            span=15.0,
                            period=int(rng.integers(60, 110)),
                            phase=float(rng.random()),
                        )
                    )
        return self._finish(kind, rng, ents)

    def _side_heights(self, gx: np.ndarray) -> np.ndarray:
        """Ground surface row per column: smooth noise, flattened around the spawn (columns 0..8)."""

        def raw(x: np.ndarray) -> np.ndarray:
            return SIDE_ROWS - 6 - fbm(self.spec.seed, 50, x, np.zeros_like(x), 14.0) * 9

        h = raw(gx.astype(np.float64))
        spawn = raw(np.array([4.0]))[0]
        dist = np.maximum(0, np.maximum(-gx, gx - 8))  # 0 inside the spawn zone
        w = np.clip(1.0 - dist / 8.0, 0.0, 1.0)
        return np.round(h * (1 - w) + spawn * w).astype(int)

    def surface_row(self, tx: int) -> int:
        """Side view: the row of the ground surface in column tx (SIDE_ROWS over a pit)."""
        kinds = self.chunk(tx // CHUNK, 0).kind[:, tx % CHUNK]
        solid = np.flatnonzero(self._solid_lut[kinds] & (kinds != BLOCK))
        return int(solid[0]) if len(solid) else SIDE_ROWS
