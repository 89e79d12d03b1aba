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
    px = sprite_cell_pixels(motion, map_motion, tolerance, patch)
    return px if layer is None else px & (layer > 0)


def left_behind(flow: torch.Tensor, sprite: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) bool: output pixels that are not the sprite's (`sprite`, B, 1, H, W) but copy, under
    the per-pixel whole-pixel motion `flow` (B, 2, H, W), a last-frame pixel that some sprite pixel
    copies too: the sprite has moved on, so that content is a stale copy of it. A cell motion field
    (B, 2, h, w; weights without pixel layers) stands for the per-pixel field it gives every pixel."""
    if flow.shape[-1] != sprite.shape[-1]:
        flow = F.interpolate(flow, size=sprite.shape[-2:], mode="nearest")
    b, _, hh, ww = flow.shape
    src, _ = source_index(flow)
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


def sprite_cell_pixels(motion: torch.Tensor, map_motion: torch.Tensor, tolerance: float, patch: int):
    """(B, 1, H, W) bool: the pixels of cells whose predicted motion (B, 2, h, w) differs from the map's
    by more than `tolerance` px (`backdrop.sprite_cells`, per pixel)."""
    return F.interpolate(sprite_cells(motion, map_motion, tolerance).float(), scale_factor=patch) > 0


def source_index(flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pixel whole-pixel flow (B, 2, H, W; output (y, x) copies (y + fy, x + fx)) -> the flat index
    (B, H*W) of the last-frame pixel each output pixel copies (clamped to the border, as the warp's
    sampling is) and whether that source lies inside the frame (B, H*W bool)."""
    hh, ww = flow.shape[-2:]
    xs = torch.arange(ww, device=flow.device)[None, None, :] + flow[:, 0].round().long()
    ys = torch.arange(hh, device=flow.device)[None, :, None] + flow[:, 1].round().long()
    inside = (xs >= 0) & (xs < ww) & (ys >= 0) & (ys < hh)
    return (ys.clamp(0, hh - 1) * ww + xs.clamp(0, ww - 1)).flatten(1), inside.flatten(1)


def copies_of(mask: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) bool: output pixels whose source under the per-pixel whole-pixel flow (B, 2, H, W) is
    a `mask` pixel of the last frame; sources off the frame are not."""
    src, inside = source_index(flow)
    return (mask.flatten(1).gather(1, src) & inside).reshape(mask.shape)


def carry_sprites(
    held: torch.Tensor,
    own_flow: torch.Tensor,
    map_flow: torch.Tensor,
    cells: torch.Tensor,
    layer: torch.Tensor,
    patch: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The sprite layer of the next frame, carried from the last one's instead of re-read every tick.

    held (B, 1, H, W) bool: the last frame's sprite pixels (none = nothing tracked yet); own_flow and
    map_flow (B, 2, H, W): each output pixel's whole-pixel motion with its own cell and with the map;
    cells (B, 1, H, W) bool: the pixels of cells moving off the map (`sprite_cell_pixels`); layer
    (B, 1, H, W): the layer head's logits (> 0: moves with its own cell).

    Returns (own, held for the next tick, vacated), each (B, 1, H, W) bool:
    - own: output pixels that move with their own cell. In a cell whose own motion copies held pixels,
      exactly those (the sprite moves as the shape it had: the layer head, read afresh every tick, let
      its edge pixels fall to the map, so a jumping sprite wore thin or stretched); in other sprite
      cells (a sprite not tracked yet), the layer head's choice; elsewhere too (cells that move with
      the map, where the choice is moot).
    - held: the own pixels of sprite cells, plus held pixels carried by the map's motion where no cell
      moves off it and the layer head agrees (a sprite standing still stays tracked).
    - vacated: output pixels that are not held but copy, by the map's motion, a held pixel: where the
      sprite was, a stale copy of it (a trail)."""
    carried = copies_of(held, own_flow) & cells
    tracked = F.interpolate(F.max_pool2d(carried.float(), patch), scale_factor=patch) > 0
    in_cells = carried | (cells & ~tracked & (layer > 0))
    own = torch.where(cells, in_cells, layer > 0)
    under_map = copies_of(held, map_flow)
    stay = under_map & ~cells & (layer > 0)
    nxt = in_cells | stay
    return own, nxt, under_map & ~nxt
