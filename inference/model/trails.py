"""Pixels a moving sprite leaves behind, and what to show there instead of its stale copy.

A sprite moves on screen by its own motion (the pixels of its cells that the layer head gives their
own cell's vector). The pixels it occupied in the last frame and no longer covers are copied, by the
map's motion, from where the sprite was: a stale copy of it, the trail a jumping avatar drew below itself
(with the map standing still, `WorldModel.disoccluded_pixels` sees nothing there: the map pixel's
source moves exactly like the pixel itself). Here they are found from where the sprite's pixels come
from: an output pixel that is not the sprite's but copies a pixel the sprite's pixels were copied from.
The backdrop supplies the map behind it where it has seen it; elsewhere the nearest map pixel of the same
row stands in (skies and ground are horizontal bands, and a sprite is narrower than a tile row's run of
texture), which beats a trail: the map behind a sprite was never on screen, so any content is a guess.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from inference.model.backdrop import sprite_cells


def sprite_pixels(
    motion: torch.Tensor, map_motion: torch.Tensor, layer: torch.Tensor | None, tolerance: float, patch: int
) -> torch.Tensor:
    """(B, 1, H, W) bool: the pixels that move as a sprite this tick: in a cell whose predicted motion
    (B, 2, h, w) differs from the map's by more than `tolerance` px, and (with pixel layers) the layer
    logits (B, 1, H, W) give them their own cell's motion."""
    cells = sprite_cells(motion, map_motion, tolerance)
    px = F.interpolate(cells.float(), scale_factor=patch, mode="nearest") > 0
    return px if layer is None else px & (layer > 0)


def left_behind(flow: torch.Tensor, sprite: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) bool: output pixels that are not the sprite's (`sprite`, B, 1, H, W) but copy, under
    the per-pixel whole-pixel motion `flow` (B, 2, H, W), a last-frame pixel that some sprite pixel
    copies too: the sprite has moved on, so that content is a stale copy of it. A cell motion field
    (B, 2, h, w; weights without pixel layers) stands for the per-pixel field it gives every pixel."""
    if flow.shape[-1] != sprite.shape[-1]:
        flow = F.interpolate(flow, size=sprite.shape[-2:], mode="nearest")
    b, _, hh, ww = flow.shape
    xs = torch.arange(ww, device=flow.device)[None, None, :]
    ys = torch.arange(hh, device=flow.device)[None, :, None]
    sx = (xs + flow[:, 0].round().long()).clamp(0, ww - 1)
    sy = (ys + flow[:, 1].round().long()).clamp(0, hh - 1)
    src = (sy * ww + sx).flatten(1)  # (B, H*W): the last-frame pixel each output pixel copies
    taken = torch.zeros(b, hh * ww, device=flow.device)
    taken.scatter_add_(1, src, sprite.flatten(1).float())
    return (taken.gather(1, src) > 0).reshape(b, 1, hh, ww) & ~sprite


def fill_from_row(x: torch.Tensor, hole: torch.Tensor, usable: torch.Tensor, reach: int = 16) -> torch.Tensor:
    """x (B, c, H, W) with `hole` pixels (B, 1, H, W bool) replaced by the nearest `usable` pixel of the
    same row within `reach` px (left or right, the nearer first; left on ties); holes with none stay."""
    out, todo = x.clone(), hole.clone()
    for k in range(1, reach + 1):
        if not bool(todo.any()):
            break
        for shift in (k, -k):  # the pixel k to the left (rolled right by k), then k to the right
            src_ok = torch.roll(usable, shift, dims=-1)
            if shift > 0:
                src_ok[..., :shift] = False
            else:
                src_ok[..., shift:] = False
            take = todo & src_ok
            out = torch.where(take, torch.roll(x, shift, dims=-1), out)
            todo = todo & ~take
    return out
