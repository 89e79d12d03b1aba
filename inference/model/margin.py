"""Look-ahead margin: the map just beyond the view's edges, drawn whole cells at a time before the
camera reveals it.

Why: a camera moving 1-2 px per tick reveals a sliver of a 4-px cell each tick. Drawing that sliver
from a fresh token sample every tick stitches each cell column together from several unrelated
samples, and the seams turn into streaks that the next ticks copy along (a sky dissolving into
horizontal lines within a minute). With a margin, every cell is sampled once, whole, given the view
beside it; scrolling then copies it into view pixel by pixel exactly like on-screen content, and the
token net runs only when a whole margin cell has scrolled in (every few ticks, not every tick).

The canvas is the view grown by `m` cells on every side, in latent cells: (B, C, h + 2m, w + 2m), with
a pixel validity mask (B, 1, H + 2mp, W + 2mp). The view part always equals the session's last frame.
A margin pixel is invalid until drawn, and becomes invalid again when its content would have to come
from beyond the canvas.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from inference.model.tokens import crop_around, detokenize, fill, tokenize


def blank(last: torch.Tensor, m: int, patch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A canvas around `last` (B, C, h, w) whose margin is still undrawn (invalid)."""
    b, c, h, w = last.shape
    canvas = F.pad(last, (m,) * 4)
    valid = torch.zeros(b, 1, (h + 2 * m) * patch, (w + 2 * m) * patch, dtype=torch.bool, device=last.device)
    valid[..., m * patch : (m + h) * patch, m * patch : (m + w) * patch] = True
    return canvas, valid


def paste(canvas: torch.Tensor, valid: torch.Tensor, view: torch.Tensor, m: int, patch: int):
    """Write `view` (B, C, h, w) into the canvas centre and mark it valid (returns new tensors)."""
    h, w = view.shape[-2:]
    canvas = canvas.clone()
    canvas[..., m : m + h, m : m + w] = view
    valid = valid.clone()
    valid[..., m * patch : (m + h) * patch, m * patch : (m + w) * patch] = True
    return canvas, valid


def view_of(canvas: torch.Tensor, valid: torch.Tensor, m: int, patch: int):
    """The view part of a canvas: latent (B, C, h, w) and pixel validity (B, 1, H, W)."""
    h, w = canvas.shape[-2] - 2 * m, canvas.shape[-1] - 2 * m
    return (
        canvas[..., m : m + h, m : m + w],
        valid[..., m * patch : (m + h) * patch, m * patch : (m + w) * patch],
    )


def shift(model, canvas: torch.Tensor, valid: torch.Tensor, flow: torch.Tensor, m: int):
    """Move the canvas with the camera: the median of the view's motion field (B, 2, h, w), rounded to
    whole pixels, so margin content is copied exactly, never resampled (a margin cell may wait several
    ticks before it scrolls in; repeated sub-pixel moves would blur it). Pixels whose source lies beyond
    the canvas, or on an undrawn pixel, become invalid."""
    b, _, hh, ww = canvas.shape
    camera = flow.flatten(2).median(-1).values.round()  # (B, 2)
    flow = camera[:, :, None, None].expand(b, 2, hh, ww)
    moved = model.warp(canvas, flow)
    src_valid = model.warp_pixels(valid.float(), flow, mode="nearest") > 0.5
    inside = ~model.revealed_pixels(flow)
    return moved, src_valid & inside


def _sides(h: int, w: int, m: int, device) -> list[torch.Tensor]:
    """Cell masks of the four margin strips of an (h + 2m, w + 2m) canvas: left and right columns
    (corners included), then top and bottom rows; filled in this order, later strips see earlier ones."""
    hh, ww = h + 2 * m, w + 2 * m
    ys = torch.arange(hh, device=device)[:, None].expand(hh, ww)
    xs = torch.arange(ww, device=device)[None, :].expand(hh, ww)
    mid = (xs >= m) & (xs < m + w)
    return [xs < m, xs >= m + w, (ys < m) & mid, (ys >= m + h) & mid]


@torch.no_grad()
def refill(
    model,
    canvas: torch.Tensor,
    valid: torch.Tensor,
    text: torch.Tensor,
    mech: torch.Tensor,
    m: int,
    generators: list[torch.Generator] | None = None,
):
    """Draw margin cells from tokens once a whole cell has gone undrawn (each cell with any undrawn pixel
    is then drawn whole: it is off screen, so nothing visible changes). Returns (canvas, valid)."""
    cfg = model.cfg
    p = cfg.patch
    invalid = ~valid
    any_bad = F.max_pool2d(invalid.float(), p)[:, 0] > 0  # (B, hh, ww)
    all_bad = -F.max_pool2d(-invalid.float(), p)[:, 0] > 0
    need = all_bad.flatten(1).any(1)
    if not bool(need.any()):
        return canvas, valid
    h, w = canvas.shape[-2] - 2 * m, canvas.shape[-1] - 2 * m
    sides = _sides(h, w, m, canvas.device)
    cond = model.token_cond(text, mech)
    canvas, valid = canvas.clone(), valid.clone()
    rows = need.nonzero().flatten().tolist()
    for side in sides:
        # sessions whose strips crop to the same box are drawn in one batched pass
        groups: dict[tuple[int, int, int, int], list[int]] = {}
        for i in rows:
            region = any_bad[i] & side
            if bool(region.any()):
                groups.setdefault(crop_around(region, cfg.reveal_margin), []).append(i)
        for (y0, y1, x0, x1), idx in groups.items():
            region = (any_bad[idx] & side)[:, y0:y1, x0:x1]
            crop = canvas[idx, :, y0:y1, x0:x1]
            tokens = fill(
                model.tokens,
                tokenize(crop, model.codebook),
                region,
                cond[idx],
                cfg.reveal_steps,
                cfg.reveal_temperature,
                None if generators is None else [generators[i] for i in idx],
                origin=(y0, x0),
                top_k=cfg.reveal_top_k,
                pad=m,
            )
            canvas[idx, :, y0:y1, x0:x1] = torch.where(
                region[:, None], detokenize(tokens, model.codebook), crop
            )
            px = F.interpolate(region[:, None].float(), scale_factor=p, mode="nearest") > 0
            valid[idx, :, y0 * p : y1 * p, x0 * p : x1 * p] |= px
    return canvas, valid
