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
    """Move the canvas with the view's motion field (B, 2, h, w), extended into the margin from the
    nearest view cell and rounded to whole pixels, so margin content is copied exactly, never resampled
    (a margin cell may wait several ticks before it scrolls in; repeated sub-pixel moves would blur
    it). Local, not one global camera move: over featureless sky the motion field is arbitrary, and a
    global estimate can stall the margin while the ground beside it scrolls. Pixels whose source lies
    beyond the canvas, or on an undrawn pixel, become invalid."""
    flow = F.pad(flow, (m,) * 4, mode="replicate").round()
    moved = model.warp(canvas, flow)
    src_valid = model.warp_pixels(valid.float(), flow, mode="nearest") > 0.5
    inside = ~model.revealed_pixels(flow)
    return moved, src_valid & inside


def _sides(h: int, w: int, m: int, device) -> list[tuple[torch.Tensor, int, int]]:
    """The four margin strips of an (h + 2m, w + 2m) canvas (corners excluded), each as (cell mask, y, x):
    the top-left cell of an (h, w) window of the canvas that holds the strip at its own edge and the view
    beside it. The token net sees each strip exactly as it was trained to fill one: an edge strip of a
    view-sized grid, with the position embedding of that edge."""
    hh, ww = h + 2 * m, w + 2 * m
    ys = torch.arange(hh, device=device)[:, None].expand(hh, ww)
    xs = torch.arange(ww, device=device)[None, :].expand(hh, ww)
    rows = (ys >= m) & (ys < m + h)
    cols = (xs >= m) & (xs < m + w)
    return [
        (rows & (xs < m), m, 0),
        (rows & (xs >= m + w), m, 2 * m),
        (cols & (ys < m), 0, m),
        (cols & (ys >= m + h), 2 * m, m),
    ]


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
    """Draw margin strips from tokens once a whole cell of one has gone undrawn (each cell of it with
    any undrawn pixel is then drawn whole: it is off screen, so nothing visible changes). The corners
    are not kept: a diagonal move reveals their few pixels, drawn on the spot. Returns (canvas, valid)."""
    cfg = model.cfg
    p = cfg.patch
    h, w = canvas.shape[-2] - 2 * m, canvas.shape[-1] - 2 * m
    invalid = ~valid
    any_bad = F.max_pool2d(invalid.float(), p)[:, 0] > 0  # (B, hh, ww)
    all_bad = -F.max_pool2d(-invalid.float(), p)[:, 0] > 0
    cond = None
    out_c, out_v = canvas, valid
    for side, wy, wx in _sides(h, w, m, canvas.device):
        # sessions whose strips crop to the same box are drawn in one batched pass
        groups: dict[tuple[int, int, int, int], list[int]] = {}
        for i in (all_bad & side).flatten(1).any(1).nonzero().flatten().tolist():
            region = (any_bad[i] & side)[wy : wy + h, wx : wx + w]
            groups.setdefault(crop_around(region, cfg.reveal_margin), []).append(i)
        for (y0, y1, x0, x1), idx in groups.items():
            if cond is None:
                cond = model.token_cond(text, mech)
                out_c, out_v = canvas.clone(), valid.clone()
            ys, xs = slice(wy + y0, wy + y1), slice(wx + x0, wx + x1)
            region = (any_bad[idx] & side)[:, ys, xs]
            crop = out_c[idx, :, ys, xs]
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
            )
            out_c[idx, :, ys, xs] = torch.where(region[:, None], detokenize(tokens, model.codebook), crop)
            px = F.interpolate(region[:, None].float(), scale_factor=p, mode="nearest") > 0
            out_v[idx, :, ys.start * p : ys.stop * p, xs.start * p : xs.stop * p] |= px
    return out_c, out_v
