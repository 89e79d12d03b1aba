"""The world model: a next-frame dynamics network and a masked-token generator for new content.

Frame latent: a fixed, lossless space-to-depth of the RGB frame (128x128x3 -> 32x32x48 for patch 4),
scaled to [-1, 1]. It costs nothing to encode or decode, never blurs, and lets the whole compute
budget go to the dynamics. A session's state is its last `context` latents.

Dynamics: z_{t+1} = warp(z_t, flow) + delta, (flow, delta) = UNet([z_{t-3..t}, action planes],
cond(action, prompt, mechanics, sigma)), one forward pass per tick. `sigma` is the context-noise level (trained over a range, served at
`config.serve_sigma`), which makes the net robust to its own imperfect frames during long rollouts.

New content (text to world, the strip of map a moving camera reveals, the map emerging from behind a
sprite that stays still on screen) is drawn from discrete tokens by a masked-token generator
(`inference.model.tokens`): a regression net would draw the average of all possible contents, a blur
that spreads through a long rollout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from inference.actions import NUM_ACTIONS, NUM_BUTTONS
from inference.model import backdrop, trails
from inference.model import margin as lookahead
from inference.model.config import ModelConfig
from inference.model.networks import CondUNet, FourierEmbedding
from inference.model.tokens import TokenNet, crop_around, detokenize, fill, tokenize


@dataclass
class TickState:
    """What a batch of sessions carries from one serving tick to the next besides its context frames
    (batch-first tensors; None = start fresh): the look-ahead margin (canvas latent (B, C, h+2m, w+2m),
    pixel validity (B, 1, H+2mp, W+2mp)), the motion field's sub-pixel remainder (B, 2, h, w) and the
    backdrop memory (latent (B, C, h, w), sprite cells (B, 1, h, w) bool, seen pixels (B, 1, H, W)
    bool; `inference.model.backdrop.fresh` starts one) and, with `sprite_memory`, the last frame's
    sprite pixels (B, 1, H, W) bool, `inference.model.trails.carry_sprites`)."""

    margin: tuple[torch.Tensor, torch.Tensor] | None = None
    carry: torch.Tensor | None = None
    backdrop: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
    sprite: torch.Tensor | None = None


class Conditioner(nn.Module):
    """prompt embedding + mechanics multi-hot (+ optional action) + scalar -> one cond vector."""

    def __init__(self, cfg: ModelConfig, with_action: bool):
        super().__init__()
        d = cfg.cond_dim
        self.text = nn.Linear(cfg.text_dim, d)
        self.mech = nn.Linear(max(1, len(cfg.mechanics)), d, bias=False)
        self.action = nn.Embedding(NUM_ACTIONS, d) if with_action else None
        self.scalar = FourierEmbedding(d)
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d), nn.SiLU())

    def forward(self, text, mech, scalar, action=None):
        h = self.text(text) + self.mech(mech) + self.scalar(scalar)
        if self.action is not None:
            h = h + self.action(action)
        return self.mlp(h)


#: initial logit of "this pixel moves with its own cell" (sigmoid 0.88): a fresh layer head, or one
#: grown onto a one-layer net's weights (`train.warm_start`), serves exactly like a one-layer net
LAYER_PRIOR = 2.0


def action_planes(action: torch.Tensor, size: int) -> torch.Tensor:
    """(B,) int bitmask -> (B, NUM_BUTTONS, size, size) constant planes of the held buttons (+-1)."""
    bits = torch.stack([(action >> i) & 1 for i in range(NUM_BUTTONS)], dim=1).float() * 2 - 1
    return bits[:, :, None, None].expand(-1, -1, size, size)


class WorldModel(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        lc = cfg.latent_channels
        self.dyn_cond = Conditioner(cfg, with_action=True)
        layers = cfg.patch * cfg.patch if cfg.pixel_layers else 0
        self.dyn = CondUNet(
            cfg.context * lc + NUM_BUTTONS, lc + 2 + layers, cfg.channels, cfg.blocks, cfg.cond_dim
        )
        if layers:  # prior: every pixel moves with its own cell, as a one-layer net's do
            nn.init.constant_(self.dyn.head.bias[lc + 2 :], LAYER_PRIOR)
        self.first_cond = Conditioner(cfg, with_action=False)
        self.tokens = TokenNet(
            cfg.codebook_size,
            cfg.latent_size,
            cfg.token_embed,
            cfg.token_channels,
            cfg.token_blocks,
            cfg.cond_dim,
        )
        #: k-means centroids of latent cells (set by training before the token net learns)
        self.register_buffer("codebook", torch.zeros(cfg.codebook_size, lc))

    # --- latent <-> frames -------------------------------------------------------------------------
    def frames_to_latent(self, frames: torch.Tensor) -> torch.Tensor:
        """(..., H, W, 3) uint8 -> (..., C, h, w) float in [-1, 1]."""
        lead = frames.shape[:-3]
        x = frames.reshape(-1, *frames.shape[-3:]).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        z = F.pixel_unshuffle(x, self.cfg.patch)
        return z.reshape(*lead, *z.shape[1:])

    def latent_to_frames(self, z: torch.Tensor) -> torch.Tensor:
        """(..., C, h, w) -> (..., H, W, 3) uint8 tensor (on z's device)."""
        lead = z.shape[:-3]
        x = F.pixel_shuffle(z.reshape(-1, *z.shape[-3:]), self.cfg.patch)
        x = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1)
        return x.reshape(*lead, *x.shape[1:])

    def mechanics_vector(self, mechanics) -> np.ndarray:
        names = list(self.cfg.mechanics)
        v = np.zeros(max(1, len(names)), np.float32)
        for m in mechanics:
            if m in names:
                v[names.index(m)] = 1.0
        return v

    # --- dynamics ----------------------------------------------------------------------------------
    def predict(
        self,
        ctx: torch.Tensor,
        action: torch.Tensor,
        text: torch.Tensor,
        mech: torch.Tensor,
        sigma: torch.Tensor | float | None = None,
        return_flow: bool = False,
        return_layer: bool = False,
    ):
        """ctx (B, T, C, h, w) latents (oldest first) -> next latent (B, C, h, w) [, flow (B, 2, h, w)]
        [, layer logits (B, 1, H, W) or None, with `return_layer`].

        next = warp(last frame, flow) + delta: the net predicts a per-cell motion field in pixels (where
        each output pixel comes from in the last frame) plus a residual for what the warp cannot
        explain (newly revealed edges, sprites, particles, light).
        If sigma is a tensor, ctx is assumed to already carry that noise level (training); if it is a
        float/None the serving level is used and no noise is added (deterministic serving).
        At serving time (eval mode) motion vectors within `snap_flow` of a whole pixel are rounded;
        `step` also moves the rest in whole pixels, carrying the remainder (`serve_flow`).
        """
        delta, flow, layer = self.dynamics(ctx, action, text, mech, sigma)
        last = ctx[:, -1]
        if self.training and layer is not None:  # a soft blend of the two layers' warps, to learn from
            # latent channels are (colour, sub-pixel): one weight per sub-pixel, tiled over the colours
            own = torch.sigmoid(F.pixel_unshuffle(layer, self.cfg.patch)).repeat(1, 3, 1, 1)
            mapped = self.warp(last, backdrop.background_flow(flow))
            pred = own * self.warp(last, flow) + (1 - own) * mapped + delta
        else:
            if not self.training:
                flow = self.serve_flow(flow)[0]
            pred = self.warp(last, self.pixel_flow(flow, layer)) + delta
        out = (pred, flow) if return_flow else (pred,)
        out = (*out, layer) if return_layer else out
        return out if len(out) > 1 else pred

    def dynamics(self, ctx, action, text, mech, sigma=None):
        """The dynamics net's raw output: residual (B, C, h, w), motion field in pixels (B, 2, h, w), and
        with `pixel_layers` the per-pixel logit of "moves with its own cell, not with the map" (B, 1,
        H, W; None without)."""
        b = ctx.shape[0]
        if sigma is None:
            sigma = self.cfg.serve_sigma
        if not torch.is_tensor(sigma):
            sigma = torch.full((b,), float(sigma), device=ctx.device)
        cond = self.dyn_cond(text, mech, torch.log(sigma + 1e-3), action)
        x = torch.cat([ctx.flatten(1, 2), action_planes(action, ctx.shape[-1])], dim=1)
        out = self.dyn(x, cond)
        lc = self.cfg.latent_channels
        layer = F.pixel_shuffle(out[:, lc + 2 :], self.cfg.patch) if self.cfg.pixel_layers else None
        return out[:, :lc], out[:, lc : lc + 2] * self.cfg.flow_scale, layer

    def pixel_flow(
        self,
        flow: torch.Tensor,
        layer: torch.Tensor | None,
        map_flow: torch.Tensor | None = None,
        own: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The motion of every pixel (B, 2, H, W) from a cell motion field (B, 2, h, w) and the layer
        logits `dynamics` returned: a pixel whose logit is > 0 (or, given, whose `own` (B, 1, H, W) bool
        is set: `trails.carry_sprites`) moves with its own cell, the others with the map (`map_flow`, by
        default `backdrop.background_flow(flow)`). Without layers (None), the cell field itself, which
        every function taking a motion field reads as the same per-pixel field."""
        if layer is None:
            return flow
        p = self.cfg.patch
        map_flow = backdrop.background_flow(flow) if map_flow is None else map_flow
        own_flow = F.interpolate(flow, scale_factor=p, mode="nearest")
        own = layer > 0 if own is None else own
        return torch.where(own, own_flow, F.interpolate(map_flow, scale_factor=p, mode="nearest"))

    def serve_flow(
        self, flow: torch.Tensor, carry: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Serving-time motion field: vectors within `snap_flow` of a whole pixel are rounded (camera
        moves are integral here). With a `carry` (B, 2, h, w; the remainder left by the previous tick,
        or zeros) the other vectors move in whole pixels too and their fractional part is carried to
        the next tick (error diffusion), the way a game draws a layer scrolling 0.6 px per tick: 1 px
        on most ticks, 0 on some, never resampled. Bilinear resampling at a fractional flow is a blur,
        and applied every tick it wears texture (sky, sea, sand, cave walls) flat within a minute or
        two; always rounding instead (`snap_flow` 0.5) stalls or tears what moves 0.5 px per tick.
        Returns (flow, the carry for the next tick: None without one; 0 where the vector was snapped)."""
        tol = min(float(self.cfg.snap_flow), 0.5)  # True == 0.5: always round
        r = flow.round()
        snapped = (flow - r).abs() <= tol if tol > 0 else torch.zeros_like(flow, dtype=torch.bool)
        if carry is None:
            return torch.where(snapped, r, flow), None
        total = flow + carry
        moved = torch.where(snapped, r, total.round())
        return moved, torch.where(snapped, torch.zeros_like(total), total - moved)

    def warp(self, z: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        """Resample latent frame z (B, C, h, w) by a per-cell pixel flow (B, 2, h, w), in pixel space."""
        p = self.cfg.patch
        return F.pixel_unshuffle(self.warp_pixels(F.pixel_shuffle(z, p), flow), p)

    def warp_pixels(self, x: torch.Tensor, flow: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
        """Resample a pixel image x (B, c, H, W) by a per-cell pixel flow (B, 2, H/patch, W/patch), or a
        per-pixel one (B, 2, H, W): output pixel (y, x) comes from (y + fy, x + fx); sources beyond the
        border take the border value."""
        b, _, hh, ww = x.shape
        f = F.interpolate(flow, size=(hh, ww), mode="nearest") if flow.shape[-1] != ww else flow
        ys = torch.arange(hh, device=x.device, dtype=x.dtype)
        xs = torch.arange(ww, device=x.device, dtype=x.dtype)
        gx = (xs[None, None, :] + 0.5 + f[:, 0]) / ww * 2 - 1
        gy = (ys[None, :, None] + 0.5 + f[:, 1]) / hh * 2 - 1
        grid = torch.stack([gx, gy], dim=-1)
        return F.grid_sample(x, grid, mode=mode, padding_mode="border", align_corners=False)

    # --- tokens: text to world and revealed edges -------------------------------------------------
    def token_cond(self, text: torch.Tensor, mech: torch.Tensor) -> torch.Tensor:
        return self.first_cond(text, mech, torch.zeros(text.shape[0], device=text.device))

    @torch.no_grad()
    def generate_first(
        self,
        text: torch.Tensor,
        mech: torch.Tensor,
        generators: list[torch.Generator] | None = None,
        steps: int | None = None,
    ) -> torch.Tensor:
        """Text to world: every cell masked, filled by iterative masked decoding -> latent (B, C, h, w).

        Conditioned on prompt + mechanics only (classifier-free guidance `first_guidance`); the
        generator makes it reproducible per world seed.
        """
        b, n = text.shape[0], self.cfg.latent_size
        dev = text.device
        tokens = torch.zeros(b, n, n, dtype=torch.long, device=dev)
        mask = torch.ones(b, n, n, dtype=torch.bool, device=dev)
        cond = self.token_cond(text, mech)
        uncond = self.token_cond(torch.zeros_like(text), torch.zeros_like(mech))
        tokens = fill(
            self.tokens,
            tokens,
            mask,
            cond,
            steps or self.cfg.first_steps,
            self.cfg.first_temperature,
            generators,
            uncond=uncond,
            guidance=self.cfg.first_guidance,
            top_k=self.cfg.first_top_k,
            choice_noise=self.cfg.first_choice_noise,
        )
        return detokenize(tokens, self.codebook)

    def _sources(self, flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, 2, h, w) cell flow, or a view's (B, 2, H, W) pixel flow (`pixel_flow`) -> per output pixel:
        its flow (B, 2, H, W) and the x, y (B, H, W) in the last frame its content is copied from (pixel
        centres at +0.5)."""
        p = self.cfg.patch
        per_pixel = flow.shape[-1] == self.cfg.frame_size
        f = flow if per_pixel or p == 1 else F.interpolate(flow, scale_factor=p, mode="nearest")
        hh, ww = f.shape[-2:]
        xs = torch.arange(ww, device=flow.device, dtype=flow.dtype) + 0.5
        ys = torch.arange(hh, device=flow.device, dtype=flow.dtype) + 0.5
        return f, xs[None, None, :] + f[:, 0], ys[None, :, None] + f[:, 1]

    def revealed_pixels(self, flow: torch.Tensor) -> torch.Tensor:
        """(B, 2, h, w) cell flow (or pixel flow) -> (B, 1, H, W) bool: output pixels whose source lies
        outside the last frame, i.e. the map the moving camera has just revealed (nothing on screen
        shows them yet)."""
        f, sx, sy = self._sources(flow)
        hh, ww = f.shape[-2:]
        return ((sx < 0) | (sx > ww) | (sy < 0) | (sy > hh))[:, None]

    def disoccluded_pixels(self, flow: torch.Tensor, tolerance: float) -> torch.Tensor:
        """(B, 2, h, w) cell flow (or pixel flow) -> (B, 1, H, W) bool: output pixels whose source (in the
        last frame) lies inside the frame but on a pixel whose own motion differs from theirs by more
        than `tolerance` pixels (either axis). Such a pixel belongs to a layer that moves (the scrolling
        ground) while its source belongs to one that does not (a sprite held still on screen): the map
        emerging from behind the sprite, which no recent frame shows. Copying it would drag the sprite's
        edge along as a trail (the avatar drawing lines across the map, the sun smeared across the sky)."""
        f, sx, sy = self._sources(flow)
        b, _, hh, ww = f.shape
        inside = (sx >= 0) & (sx <= ww) & (sy >= 0) & (sy <= hh)
        px = sx.floor().long().clamp(0, ww - 1)
        py = sy.floor().long().clamp(0, hh - 1)
        idx = (py * ww + px).flatten(1)  # (B, H*W): the pixel each output pixel copies from
        src = f.flatten(2).gather(2, idx[:, None, :].expand(-1, 2, -1)).reshape(b, 2, hh, ww)
        return (inside & ((src - f).abs().amax(1) > tolerance))[:, None]

    @torch.no_grad()
    def redraw_revealed(
        self,
        pred: torch.Tensor,
        flow: torch.Tensor,
        text: torch.Tensor,
        mech: torch.Tensor,
        generators: list[torch.Generator] | None = None,
        rev: torch.Tensor | None = None,
        steps: int | None = None,
        band: int | None = None,
    ) -> torch.Tensor:
        """Replace the just-revealed pixels of `pred` (or the pixels `rev` marks) with content drawn by
        the token net (`steps` decoding steps, default `reveal_steps`; context band `band` cells,
        default `reveal_margin`).

        Cells touching revealed pixels are masked and filled given the cells around them (a band of
        `reveal_margin` cells, tokenised from `pred`) + prompt; only the revealed pixels themselves are
        replaced, so content already on screen is never re-drawn (no flicker at the edge).
        """
        rev = self.revealed_pixels(flow) if rev is None else rev
        if not bool(rev.any()):
            return pred
        p = self.cfg.patch
        cells = F.max_pool2d(rev.float(), p)[:, 0] > 0  # (B, h, w)
        cond = self.token_cond(text, mech)
        drawn = pred.clone()
        for i in range(pred.shape[0]):  # per session: each fills only a band around its own new edge
            if not bool(cells[i].any()):
                continue
            y0, y1, x0, x1 = crop_around(cells[i], self.cfg.reveal_margin if band is None else band)
            crop = pred[i : i + 1, :, y0:y1, x0:x1]
            tokens = fill(
                self.tokens,
                tokenize(crop, self.codebook),
                cells[i : i + 1, y0:y1, x0:x1],
                cond[i : i + 1],
                self.cfg.reveal_steps if steps is None else steps,
                self.cfg.reveal_temperature,
                None if generators is None else [generators[i]],
                origin=(y0, x0),
                top_k=self.cfg.reveal_top_k,
            )
            drawn[i, :, y0:y1, x0:x1] = detokenize(tokens, self.codebook)[0]
        x = torch.where(rev, F.pixel_shuffle(drawn, p), F.pixel_shuffle(pred, p))
        return F.pixel_unshuffle(x, p)

    @torch.no_grad()
    def step(
        self,
        ctx: torch.Tensor,
        action: torch.Tensor,
        text: torch.Tensor,
        mech: torch.Tensor,
        generators: list[torch.Generator] | None = None,
        state: TickState | None = None,
    ) -> tuple[torch.Tensor, TickState]:
        """Serving tick: predict the next latent (B, C, h, w) and the `TickState` to pass to the next tick
        (`state` = the one the previous tick returned; None, or None fields, start fresh).

        - The motion field moves whole pixels, its fraction carried to the next tick (`carry_flow`).
        - Pixels the camera reveals come from the look-ahead margin (`inference.model.margin`), else
          (margin off, a jump wider than it, corners) are drawn from tokens at once.
        - Pixels emerging from behind a sprite held still on screen (`disoccluded_pixels`) are copied
          from the backdrop memory (`inference.model.backdrop`, `backdrop_tolerance`), or drawn from
          tokens (`occlusion_tolerance`, the costlier option), instead of trailing the sprite.
        """
        cfg, state = self.cfg, state or TickState()
        # what moves differently from what is judged on the predicted motion, not on its whole-pixel
        # rendering: two cells of one layer moving 0.5 px per tick step 0 and 1 px on different ticks
        delta, motion, layer = self.dynamics(ctx, action, text, mech)
        if cfg.residual_floor > 0:  # latents span [-1, 1]: one grey level is 2/255
            delta = delta.masked_fill(delta.abs() < cfg.residual_floor * 2 / 255, 0.0)
        carry = None
        if cfg.carry_flow:
            carry = state.carry if state.carry is not None else torch.zeros_like(motion)
        flow, carry = self.serve_flow(motion, carry)
        # the map's motion (predicted and applied), one median pass for the pixel layers and backdrop
        maps = (None, None)
        if layer is not None or cfg.backdrop_tolerance > 0 or cfg.trail_tolerance > 0:
            maps = backdrop.background_flow(torch.cat([motion, flow], 1)).split(2, dim=1)
        p = cfg.patch
        # the sprites' pixels carried from the last tick (`trails.carry_sprites`), when on
        own = held = vacated = None
        if cfg.sprite_memory and cfg.trail_tolerance > 0 and layer is not None:
            held = state.sprite  # none yet: a new session, or a snapshot from before the memory
            if held is None:
                held = torch.zeros_like(layer, dtype=torch.bool)
            own, held, vacated = trails.carry_sprites(
                held,
                F.interpolate(flow, scale_factor=p, mode="nearest"),
                F.interpolate(maps[1], scale_factor=p, mode="nearest"),
                trails.sprite_cell_pixels(motion, maps[0], cfg.trail_tolerance, p),
                layer,
                p,
            )
        # per pixel with `pixel_layers` (the cell fields stay for the margin, carry and backdrop)
        applied = self.pixel_flow(flow, layer, maps[1], own)
        predicted = self.pixel_flow(motion, layer, maps[0], own)
        pred = (self.warp(ctx[:, -1], applied) + delta).clamp(-1, 1)
        rev = self.revealed_pixels(applied)
        # what sprites moving on screen leave behind (`trails`), and the sprites' own pixels
        trail = sprite = None
        if held is not None:
            sprite, trail = held, vacated & ~rev
        elif cfg.trail_tolerance > 0:
            sprite = trails.sprite_pixels(motion, maps[0], layer, cfg.trail_tolerance, p)
            trail = trails.left_behind(applied, sprite) & ~rev
        back = None
        if cfg.backdrop_tolerance > 0:
            back, hidden_before, back_seen = state.backdrop or backdrop.fresh(ctx[:, -1], p)
            if cfg.occlusion_tolerance <= 0:  # tokens, when on, draw these pixels instead
                behind, known = backdrop.emerging(self, back, back_seen, applied)
                emerge = self.disoccluded_pixels(predicted, cfg.backdrop_tolerance) & ~rev
                if trail is not None:
                    emerge, trail = emerge | trail, trail & ~known  # the backdrop first, where it can
                # copied only where the backdrop has seen the map: else a trail, not a ghost of the sprite
                behind_px = F.pixel_shuffle(behind, p)
                pred = F.pixel_unshuffle(torch.where(emerge & known, behind_px, F.pixel_shuffle(pred, p)), p)
        if trail is not None and bool(trail.any()):  # the rest: the nearest map pixel of the row
            pred = F.pixel_unshuffle(
                trails.fill_from_row(F.pixel_shuffle(pred, p), trail, ~(trail | sprite | rev)), p
            )
        m = cfg.reveal_lookahead
        margin = None
        if m <= 0:
            z = self.redraw_revealed(pred, applied, text, mech, generators)
        else:
            canvas, valid = state.margin if state.margin is not None else lookahead.blank(ctx[:, -1], m, p)
            canvas, valid = lookahead.paste(canvas, valid, ctx[:, -1], m, p)
            canvas, valid = lookahead.refill(self, canvas, valid, text, mech, m, generators)
            canvas, valid = lookahead.shift(self, canvas, valid, flow, m)
            seen, seen_valid = lookahead.view_of(canvas, valid, m, p)
            draw = rev & ~seen_valid  # revealed but not in the margin (a jump wider than it, corners)
            light = not bool(draw.any())  # only disocclusion slivers: the cheap decoding settings suffice
            if cfg.occlusion_tolerance > 0:
                draw = draw | (self.disoccluded_pixels(predicted, cfg.occlusion_tolerance) & ~rev)
            if bool(draw.any()):  # one token pass per session for both kinds of new pixels
                steps, band = (cfg.occlusion_steps, cfg.occlusion_band) if light else (None, None)
                pred = self.redraw_revealed(pred, applied, text, mech, generators, draw, steps, band)
            x = torch.where(rev & seen_valid, F.pixel_shuffle(seen, p), F.pixel_shuffle(pred, p))
            z = F.pixel_unshuffle(x, p)
            margin = lookahead.paste(canvas, valid, z, m, p)
        if back is not None:
            back = backdrop.update(
                self, back, hidden_before, back_seen, flow, motion, z, cfg.backdrop_tolerance, maps
            )
        return z, TickState(margin, carry, back, held)

    def param_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def save_worldmodel(model: WorldModel, path: str | Path, meta: dict | None = None, half: bool = True) -> None:
    """Save config + weights (fp16 by default to keep the shipped file small)."""
    sd = {k: (v.half() if half and v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save({"config": model.cfg.to_dict(), "state_dict": sd, "meta": meta or {}}, str(path))


def load_state(path: str | Path) -> dict:
    """The float32 state dict of a weights file written by `save_worldmodel`."""
    blob = torch.load(str(path), map_location="cpu", weights_only=False)
    return {k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()}


def load_worldmodel(path: str | Path, device: str | torch.device = "cpu") -> WorldModel:
    blob = torch.load(str(path), map_location="cpu", weights_only=False)
    model = WorldModel(ModelConfig.from_dict(blob["config"]))
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()}
    )
    model.meta = blob.get("meta", {})
    return model.to(device).eval()
