"""`Game`: one deterministic, endless, procedurally generated game driven by the held-button bitmask.

Contract:
- `Game(spec, size=(128, 128), tint=None)`; `reset()` and `step(buttons)` return an (H, W, 3) uint8 frame.
  `buttons` is an `inference.actions` bitmask (UP/DOWN/LEFT/RIGHT/JUMP); unknown bits are ignored.
- Same spec, size, tint and action sequence -> identical frames and labels, on any machine.
- `labels()` is a JSON-serialisable dict describing the current frame (player, camera, visible entities
  with screen bboxes, score, ...). `snapshot()` -> bytes; `Game.restore(bytes)` resumes exactly: the next
  frames of the restored game equal those of the original under the same actions.
- Top-down: 4-way walking, the camera stays centred on the avatar (the world scrolls 2 px/tick, 4 boosted).
  Side: a platformer (gravity; JUMP or UP jumps, DOWN falls faster), the camera follows horizontally 1:1.
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import Any

import numpy as np

from inference.actions import Button
from inference.corpus.art import LAYER_PAD, LAYER_W, get_assets
from inference.corpus.spec import THEMES, Theme, WorldSpec
from inference.corpus.tiles import PAD, T
from inference.corpus.world import SIDE_ROWS, World

SNAPSHOT_VERSION = 1
PLAYER_W, PLAYER_H = 10, 12
SPRITE_DX, SPRITE_DY = -2, -1  # sprite canvas offset from the player's bbox
WALK, BOOST = 2, 4  # px per tick
BOOST_TICKS = 50
INVULN_TICKS = 40
DAY_PERIOD = 600  # ticks per full day (30 s at 20 fps)
JUMP_VY, GRAVITY, MAX_FALL = -30, 2, 36  # quarter-pixels per tick (side view and top-down hop)
HOP_VZ = 18

_DIGITS = [
    "111101101101111",
    "010110010010111",
    "111001111100111",
    "111001111001111",
    "101101111001001",
    "111100111001111",
    "111100111101111",
    "111001010010010",
    "111101111101111",
    "111101111001111",
]
_FONT = np.array([[int(c) for c in d] for d in _DIGITS], bool).reshape(10, 5, 3)


@lru_cache(maxsize=8)
def _lamp(h: int, w: int) -> np.ndarray:
    """Radial lantern falloff on a (2h, 2w) canvas centred at (h, w)."""
    yy, xx = np.mgrid[0 : 2 * h, 0 : 2 * w]
    r = np.hypot(yy - h, xx - w) / (0.42 * min(h, w))
    return np.clip(1.0 - r, 0.0, 1.0).astype(np.float32) ** 1.3


@lru_cache(maxsize=24)
def _light_gain(h: int, w: int, dark64: int) -> np.ndarray:
    """Colour gain x256 (uint16) at darkness dark64/64 on a (2h, 2w, 3) canvas, lantern at (h, w).

    Slicing [h - py : 2h - py, w - px : 2w - px] centres the lantern on screen pixel (px, py).
    """
    d = dark64 / 64.0
    dusk, night = np.array([1.0, 0.8, 0.62], np.float32), np.array([0.38, 0.43, 0.66], np.float32)
    tint = 1.0 + (dusk - 1.0) * min(1.0, 2 * d) if d < 0.5 else dusk + (night - dusk) * (2 * d - 1)
    gain = tint[None, None, :] + (1.0 - tint)[None, None, :] * (_lamp(h, w) * min(1.0, 1.6 * d))[..., None]
    return np.round(gain * 256).astype(np.uint16)


def blit(frame: np.ndarray, sprite: tuple[np.ndarray, np.ndarray], x: int, y: int) -> None:
    """Draw `sprite` (rgb, alpha) with its top-left at screen (x, y), clipped to the frame."""
    rgb, a = sprite
    h, w = a.shape
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x0 < x1 and y0 < y1:
        np.copyto(
            frame[y0:y1, x0:x1],
            rgb[y0 - y : y1 - y, x0 - x : x1 - x],
            where=a[y0 - y : y1 - y, x0 - x : x1 - x, None],
        )


class Game:
    """A playable procedural world; see the module docstring for the contract."""

    def __init__(
        self, spec: WorldSpec, size: tuple[int, int] = (128, 128), tint: tuple[int, int, int] | None = None
    ) -> None:
        h, w = (int(v) for v in size)
        if h < 32 or w < 32:
            raise ValueError(f"frame size must be at least 32x32, got {size!r}")
        self.spec = spec
        self.size = (h, w)
        self.tint = None if tint is None else tuple(int(c) for c in tint)
        self.side = spec.camera == "side"
        self.assets = get_assets(spec.theme, spec.camera, self.size, self.tint)
        self.world = World(spec)
        # worlds open in the morning (dusk comes after ~5 s, night after ~10 s), the exact hour by seed
        self._day_offset = (spec.seed * 7919) % (DAY_PERIOD // 8)
        st = self.assets.particles
        rng = np.random.default_rng([spec.seed & 0xFFFFFFFF, 0x5EED])
        n = max(4, st.count * h * w // (128 * 128))
        x0, y0, ph = rng.uniform(0, w, n), rng.uniform(0, h, n), rng.uniform(0, 2 * np.pi, n)
        cls, col = rng.integers(0, len(st.shapes), n), rng.integers(0, len(st.colours), n)
        # one row per drawn pixel: (particle index, dy, dx), so drawing is a single scatter
        pix = np.array([(i, dy, dx) for i in range(n) for dy, dx in st.shapes[cls[i]]], np.int64)
        self._p = (x0, y0, ph, pix, st.colours[col[pix[:, 0]]])
        self._init_state()

    # --- state ---
    def _init_state(self) -> None:
        self.tick = 0
        if self.side:
            self.x = 4 * T + 3
            y = self.world.surface_row(4) * T - PLAYER_H
        else:
            self.x, y = 8 * T + 3, 8 * T + 2
        self.y_q = y * 4
        self.vy_q = self.z_q = self.vz_q = 0
        self.on_ground = self.side
        self.facing = "right" if self.side else "down"
        self.walk = 0
        self.score = self.hits = self.boost = self.invuln = 0
        self.knock = [0, 0, 0]  # dx, dy px per tick, ticks left
        self.collected: set[int] = set()
        self.sparkles: list[list[int]] = []  # [x, y, tick collected]
        self.trail: list[list[int]] = []  # recent [x, y] while boosted
        self.safe = [self.x, self.y_q]
        self.anchor_y = y
        self.last_action = 0
        self.cam_x = self.cam_y = 0
        self._update_camera(snap=True)

    @property
    def y(self) -> int:
        return self.y_q >> 2

    def reset(self) -> np.ndarray:
        """Back to the start of this world; returns the first frame."""
        self._init_state()
        return self.render()

    # --- simulation ---
    def step(self, buttons: int) -> np.ndarray:
        """Advance one tick holding `buttons` (an inference.actions bitmask); return the new frame."""
        b = int(buttons) & 31
        self.tick += 1
        self.last_action = b
        ox, oy = self.x, self.y
        if self.side:
            self._step_side(b)
        else:
            self._step_topdown(b)
        self.walk = self.walk + 1 if (self.x, self.y) != (ox, oy) else 0
        self._interact()
        self.boost = max(0, self.boost - 1)
        self.invuln = max(0, self.invuln - 1)
        self.trail = ([[ox, oy]] + self.trail)[:3] if self.boost else []
        self.sparkles = [s for s in self.sparkles if self.tick - s[2] < 9]
        self._update_camera()
        return self.render()

    def _move(self, dx: int, dy: int) -> tuple[bool, bool]:
        """Move the bbox by whole pixels, axis by axis, stopping at solid tiles; return (hit_x, hit_y)."""
        hits = [False, False]
        for axis, d in ((0, dx), (1, dy)):
            if d == 0:
                continue
            x, y = self.x, self.y
            if not self.world.rect_hits(x + d * (axis == 0), y + d * (axis == 1), PLAYER_W, PLAYER_H):
                x, y = x + d * (axis == 0), y + d * (axis == 1)
            else:
                s = 1 if d > 0 else -1
                for _ in range(abs(d)):
                    nx, ny = x + s * (axis == 0), y + s * (axis == 1)
                    if self.world.rect_hits(nx, ny, PLAYER_W, PLAYER_H):
                        hits[axis] = True
                        break
                    x, y = nx, ny
            self.x = x
            if axis == 1:
                self.y_q = y * 4
        return hits[0], hits[1]

    def _step_topdown(self, b: int) -> None:
        dx = bool(b & Button.RIGHT) - bool(b & Button.LEFT)
        dy = bool(b & Button.DOWN) - bool(b & Button.UP)
        if dx:
            self.facing = "right" if dx > 0 else "left"
        elif dy:
            self.facing = "down" if dy > 0 else "up"
        speed = BOOST if self.boost else WALK
        kx, ky = self._knock()
        self._move(dx * speed + kx, dy * speed + ky)
        if "gravity" in self.spec.mechanics:
            if self.z_q == 0 and b & Button.JUMP:
                self.vz_q = HOP_VZ
            if self.z_q > 0 or self.vz_q > 0:
                self.z_q = max(0, self.z_q + self.vz_q)
                self.vz_q = self.vz_q - GRAVITY if self.z_q > 0 else 0

    def _step_side(self, b: int) -> None:
        dx = bool(b & Button.RIGHT) - bool(b & Button.LEFT)
        if dx:
            self.facing = "right" if dx > 0 else "left"
        kx, _ = self._knock()
        self._move(dx * (BOOST if self.boost else WALK) + kx, 0)
        jump = bool(b & (Button.JUMP | Button.UP))
        if self.on_ground and jump:
            self.vy_q, self.on_ground = JUMP_VY, False
        if self.vy_q < -10 and not jump:
            self.vy_q = -10  # releasing jump early cuts the jump short
        self.vy_q = min(MAX_FALL, self.vy_q + GRAVITY + (GRAVITY if b & Button.DOWN else 0))
        target_q = self.y_q + self.vy_q
        _, hit = self._move(0, (target_q >> 2) - self.y)
        if hit:
            self.vy_q = 0  # _move left y_q on the last free pixel
        else:
            self.y_q = target_q
        self.on_ground = self.vy_q >= 0 and self.world.rect_hits(self.x, self.y + 1, PLAYER_W, PLAYER_H)
        if self.on_ground:
            self.vy_q, self.y_q = 0, self.y << 2
            feet = (self.y + PLAYER_H) // T
            if all(self.world.is_solid(tx, feet) for tx in (self.x // T, (self.x + PLAYER_W - 1) // T)):
                self.safe = [self.x, self.y_q]
        if self.y > SIDE_ROWS * T - 2 * T:  # fell into a pit
            self.x, self.y_q = self.safe
            self.vy_q, self.knock = 0, [0, 0, 0]
            self._hurt()

    def _knock(self) -> tuple[int, int]:
        if self.knock[2] <= 0:
            return 0, 0
        self.knock[2] -= 1
        return self.knock[0], self.knock[1]

    def _hurt(self) -> None:
        self.hits += 1
        self.score = max(0, self.score - 3)
        self.invuln = INVULN_TICKS

    def _interact(self) -> None:
        x, y = self.x, self.y
        if self.side:
            under = [self.world.kind_at(tx, (y + PLAYER_H) // T) for tx in (x // T, (x + PLAYER_W - 1) // T)]
            on_pad = self.on_ground and PAD in under
        else:
            on_pad = self.world.kind_at((x + PLAYER_W // 2) // T, (y + PLAYER_H // 2) // T) == PAD
        if on_pad:
            self.boost = BOOST_TICKS
        airborne = self.z_q > 0
        for e in self.world.entities_in(x, y, x + PLAYER_W, y + PLAYER_H, margin=64):
            ex, ey = e.pos(self.tick)
            inset = 3 if e.kind == "hazard" else 0
            if not (
                x < ex + e.w - inset
                and ex + inset < x + PLAYER_W
                and y < ey + e.h - inset
                and ey + inset < y + PLAYER_H
            ):
                continue
            if e.kind == "collectible" and e.eid not in self.collected and not airborne:
                self.collected.add(e.eid)
                self.score += 1
                self.sparkles.append([ex, ey, self.tick])
            elif e.kind == "hazard" and not self.invuln and not airborne:
                self._hurt()
                kdx = 3 if x + PLAYER_W / 2 >= ex + e.w / 2 else -3
                kdy = 0
                if not self.side and abs(y - ey) > abs(x - ex):
                    kdx, kdy = 0, (3 if y >= ey else -3)
                self.knock = [kdx, kdy, 8]
                if self.side:
                    self.vy_q, self.on_ground = -16, False

    def _update_camera(self, snap: bool = False) -> None:
        h, w = self.size
        self.cam_x = self.x + PLAYER_W // 2 - w // 2
        if not self.side:
            self.cam_y = self.y + PLAYER_H // 2 - h // 2
            return
        # Platformer camera: frame the ground the avatar last stood on (feet at 70% of the height), so a
        # jump visibly moves the avatar up the screen; follow only to keep it away from the edges.
        if self.on_ground:
            self.anchor_y = self.y
        target = self.anchor_y + PLAYER_H - int(h * 0.7)
        target = min(target, self.y - 12)
        target = max(target, self.y + PLAYER_H + 20 - h)
        target = min(max(target, 0), SIDE_ROWS * T - h)
        d = target - self.cam_y
        if snap:
            self.cam_y = target
        else:  # ease towards the target, at least 1 px per tick, never overshooting
            self.cam_y += (d + 3) // 4 if d > 0 else -((-d + 3) // 4)

    # --- rendering ---
    def daylight(self) -> float:
        """1.0 in full day, 0.0 at midnight (always 1.0 without the daynight mechanic)."""
        if "daynight" not in self.spec.mechanics:
            return 1.0
        phase = ((self.tick + self._day_offset) % DAY_PERIOD) / DAY_PERIOD
        light = 0.5 + 0.5 * np.cos(2 * np.pi * phase)
        d = np.clip((0.72 - light) / 0.55, 0.0, 1.0)
        return float(1.0 - d * d * (3 - 2 * d))

    def render(self) -> np.ndarray:
        """The current frame, (H, W, 3) uint8. Pure: rendering never changes the game state."""
        a, (h, w) = self.assets, self.size
        cx, cy = self.cam_x, self.cam_y
        tx0, ty0 = cx // T, cy // T
        ox, oy = cx - tx0 * T, cy - ty0 * T
        ntx, nty = (w + ox + T - 1) // T, (h + oy + T - 1) // T
        idx = self.world.window(tx0, ty0, nty, ntx)
        tiles = a.atlas[(self.tick // 12) % 2][idx].transpose(0, 2, 1, 3, 4).reshape(nty * T, ntx * T, 3)
        tiles = tiles[oy : oy + h, ox : ox + w]
        if self.side:
            frame = a.sky.copy()
            shift = (cy - (SIDE_ROWS * T - h) // 2) * 0.3
            for img, alpha, f in a.layers:
                x0 = int(cx * f) % LAYER_W
                r0 = LAYER_PAD + int(np.clip(shift * f, -LAYER_PAD, LAYER_PAD))
                np.copyto(frame, img[r0 : r0 + h, x0 : x0 + w], where=alpha[r0 : r0 + h, x0 : x0 + w])
            mask = a.alpha[idx].transpose(0, 2, 1, 3, 4).reshape(nty * T, ntx * T, 3)
            np.copyto(frame, tiles, where=mask[oy : oy + h, ox : ox + w])
        else:
            frame = np.ascontiguousarray(tiles)
        self._draw_entities(frame)
        self._draw_player(frame)
        if "weather" in self.spec.mechanics:
            self._draw_particles(frame)
        frame = self._light(frame)
        self._draw_hud(frame)
        return frame

    def _visible_entities(self) -> list[tuple[Any, int, int]]:
        h, w = self.size
        out = []
        for e in self.world.entities_in(self.cam_x, self.cam_y, self.cam_x + w, self.cam_y + h, margin=64):
            if e.kind == "collectible" and e.eid in self.collected:
                continue
            ex, ey = e.pos(self.tick)
            sx, sy = ex - self.cam_x, ey - self.cam_y
            if sx + e.w > 0 and sy + e.h > 0 and sx < w and sy < h:
                out.append((e, sx, sy))
        return out

    def _draw_entities(self, frame: np.ndarray) -> None:
        a = self.assets
        for e, sx, sy in self._visible_entities():
            if e.kind == "collectible":
                k = (self.tick // 6 + e.eid) % 4
                blit(frame, a.collectible[k], sx, sy - (1 if k in (1, 2) else 0))
            else:
                spr = a.hazard[(self.tick // 8 + e.eid) % 2]
                if e.axis == 0 and e.heading(self.tick) < 0:
                    spr = (spr[0][:, ::-1], spr[1][:, ::-1])
                blit(frame, spr, sx, sy)
        for x, y, t0 in self.sparkles:
            blit(frame, a.sparkle[min(2, (self.tick - t0) // 3)], x - 2 - self.cam_x, y - 2 - self.cam_y)

    def _player_sprite(self) -> tuple[np.ndarray, np.ndarray]:
        frames = self.assets.player[self.facing]
        step = (self.walk // 4) % 2
        if self.side:
            return frames[2] if not self.on_ground else frames[step if self.walk else 0]
        if self.facing in ("up", "down"):
            return frames[1 + step] if self.walk else frames[0]
        return frames[2 if self.z_q > 0 else (step if self.walk else 0)]

    def _draw_player(self, frame: np.ndarray) -> None:
        spr = self._player_sprite()
        sx, sy = self.x - self.cam_x + SPRITE_DX, self.y - self.cam_y + SPRITE_DY
        if not self.side:
            shadow = self.assets.shadow
            sh = frame[sy + 10 : sy + 15, sx + 1 : sx + 13] if sy >= -10 and sx >= -1 else None
            if sh is not None and sh.shape[:2] == shadow[1].shape:
                sh[shadow[1]] = (sh[shadow[1]] * 0.55).astype(np.uint8)
        for i, (tx, ty) in enumerate(self.trail[::-1]):
            ghost = (spr[0], spr[1] & ((np.indices(spr[1].shape).sum(0) + i) % 2 == 0))
            blit(frame, ghost, tx - self.cam_x + SPRITE_DX, ty - self.cam_y + SPRITE_DY)
        if self.invuln and (self.invuln // 3) % 2:
            return
        blit(frame, spr, sx, sy - (self.z_q >> 2))

    def _draw_particles(self, frame: np.ndarray) -> None:
        st = self.assets.particles
        h, w = self.size
        x0, y0, ph, pix, colours = self._p
        t = self.tick
        xs = ((x0 + st.vx * t + st.sway * np.sin(t * 0.07 + ph) - self.cam_x) % w).astype(np.int64)
        ys = ((y0 + st.vy * t - self.cam_y) % h).astype(np.int64)
        i = pix[:, 0]
        yy, xx = ys[i] + pix[:, 1], xs[i] + pix[:, 2]
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        if st.twinkle:
            ok &= (np.sin(t * 0.35 + ph * 3.0) > -0.3)[i]
        frame[yy[ok], xx[ok]] = colours[ok]

    def _light(self, frame: np.ndarray) -> np.ndarray:
        day = self.daylight()
        if day >= 0.999:
            return frame
        h, w = self.size
        pcx = self.x + PLAYER_W // 2 - self.cam_x
        pcy = self.y + PLAYER_H // 2 - self.cam_y - (self.z_q >> 2)
        px, py = int(np.clip(pcx, 0, w)), int(np.clip(pcy, 0, h))
        gain = _light_gain(h, w, round((1.0 - day) * 64))[h - py : 2 * h - py, w - px : 2 * w - px]
        return ((frame * gain) >> 8).astype(np.uint8)

    def _draw_hud(self, frame: np.ndarray) -> None:
        hud = self.assets.hud
        if "collectibles" in self.spec.mechanics:
            blit(frame, self.assets.collectible[0], 2, 2)
            for i, ch in enumerate(str(min(self.score, 99999))):
                glyph = _FONT[int(ch)]
                x = 14 + i * 4
                frame[5:10, x + 1 : x + 4][glyph] = hud[1]
                frame[4:9, x : x + 3][glyph] = hud[0]
        if self.boost:
            w = 2 + self.boost * 24 // BOOST_TICKS
            frame[self.size[0] - 6 : self.size[0] - 3, 3 : 3 + w] = hud[2]

    # --- introspection ---
    def sprite_boxes(self) -> list[tuple[int, int, int, int, int]]:
        """(id, x0, y0, x1, y1): the screen boxes, as drawn in the current frame, of the sprites that move
        on their own: the avatar (id -1, absent on the ticks it blinks invisible) and the visible
        hazards (their entity ids). Boxes may extend beyond the frame. Training reads them to teach the
        dynamics net where each sprite's pixels come from (`inference.training.sprites`)."""
        boxes = []
        for e, sx, sy in self._visible_entities():
            if e.kind == "hazard":
                ah, aw = self.assets.hazard[0][1].shape
                boxes.append((int(e.eid), int(sx), int(sy), int(sx + aw), int(sy + ah)))
        if not (self.invuln and (self.invuln // 3) % 2):
            ah, aw = self._player_sprite()[1].shape
            sx = self.x - self.cam_x + SPRITE_DX
            sy = self.y - self.cam_y + SPRITE_DY - (self.z_q >> 2)
            boxes.append((-1, int(sx), int(sy), int(sx + aw), int(sy + ah)))
        return boxes

    def labels(self) -> dict[str, Any]:
        """JSON-serialisable ground truth for the current frame."""
        px, py = self.x - self.cam_x, self.y - self.cam_y - (self.z_q >> 2)
        ents = [
            {"kind": e.kind, "id": e.eid, "bbox": [sx, sy, sx + e.w, sy + e.h]}
            for e, sx, sy in self._visible_entities()
        ]
        return {
            "tick": self.tick,
            "theme": self.spec.theme,
            "camera": self.spec.camera,
            "mechanics": sorted(self.spec.mechanics),
            "action": self.last_action,
            "player": {
                "x": self.x,
                "y": self.y,
                "w": PLAYER_W,
                "h": PLAYER_H,
                "z": self.z_q >> 2,
                "vy": self.vy_q / 4,
                "on_ground": bool(self.on_ground),
                "facing": self.facing,
                "boost": self.boost,
                "invulnerable": self.invuln,
                "bbox": [px, py, px + PLAYER_W, py + PLAYER_H],
            },
            "camera_pos": {"x": self.cam_x, "y": self.cam_y},
            "score": self.score,
            "hits": self.hits,
            "collected": len(self.collected),
            "daylight": round(self.daylight(), 4),
            "entities": ents,
        }

    # --- persistence ---
    _STATE = (
        "tick",
        "x",
        "y_q",
        "vy_q",
        "z_q",
        "vz_q",
        "on_ground",
        "facing",
        "walk",
        "score",
        "hits",
        "boost",
        "invuln",
        "knock",
        "sparkles",
        "trail",
        "safe",
        "last_action",
        "anchor_y",
        "cam_x",
        "cam_y",
    )

    def snapshot(self) -> bytes:
        """Serialise this exact moment (spec, size, tint and all mutable state) to compact bytes."""
        doc = {
            "v": SNAPSHOT_VERSION,
            "spec": self.spec.to_dict(),
            "size": list(self.size),
            "tint": None if self.tint is None else list(self.tint),
            "state": {k: getattr(self, k) for k in self._STATE} | {"collected": sorted(self.collected)},
        }
        return zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)

    @classmethod
    def restore(cls, data: bytes) -> Game:
        """Rebuild a game from `snapshot()` bytes; raises ValueError on anything malformed."""
        try:
            doc = json.loads(zlib.decompress(data))
            if doc.get("v") != SNAPSHOT_VERSION:
                raise ValueError(f"unsupported snapshot version {doc.get('v')!r}")
            game = cls(
                WorldSpec.from_dict(doc["spec"]),
                tuple(doc["size"]),
                None if doc["tint"] is None else tuple(doc["tint"]),
            )
            state = doc["state"]
            for k in cls._STATE:
                setattr(game, k, state[k])
            game.collected = set(state["collected"])
        except (zlib.error, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a valid game snapshot: {exc}") from exc
        return game

    @property
    def theme(self) -> Theme:
        return THEMES[self.spec.theme]
