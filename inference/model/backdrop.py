"""Backdrop memory: the map hidden behind sprites that stay still on screen while the map scrolls.

Why: the camera follows the avatar, so in top-down worlds the avatar (and in side view the sun) stays
put while the map moves under it. The map pixels emerging at the sprite's trailing edge are copied, by
the motion field, from inside the sprite's cells: the sprite's edge is dragged along as a trail, a line
drawn across the map behind the avatar on every walk. Those pixels are not new map, though: a few ticks
ago they lay beside the sprite, on screen. The backdrop keeps them. It is a frame-sized image per
session that holds the current frame wherever the content moves with the map, and, under a sprite, the
map that was last seen there, moved along with the map's motion. Emerging pixels are copied from it:
exact, and free (two warps and a median filter, no token pass).

The map's motion under a sprite is the motion field with the sprite's cells voted out: a per-cell
median over a `window`-cell neighbourhood (the avatar covers at most 4x4 of the 32x32 cells; a 7x7
window outvotes it). A cell is a sprite's where its own motion differs from that by more than the
tolerance.

At the start (or after a snapshot without a backdrop: `fresh`) the backdrop is the frame itself, sprites
included, and nothing in it counts as seen; pixels under a sprite become seen as the map moves in from
beside it, so the first walk of a session still trails for a sprite's width. The sprite cells found
while the map moved are kept while it stands still (`update`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def background_flow(flow: torch.Tensor, window: int = 7) -> torch.Tensor:
    """(B, 2, h, w) cell motion field -> the map's motion: each vector the median of its window."""
    b, c, h, w = flow.shape
    x = F.pad(flow, (window // 2,) * 4, mode="replicate")
    cols = x.unfold(2, window, 1).unfold(3, window, 1).reshape(b, c, h, w, window * window)
    return cols.median(dim=-1).values


def sprite_cells(flow: torch.Tensor, background: torch.Tensor, tolerance: float) -> torch.Tensor:
    """(B, 1, h, w) bool: cells whose motion differs from the map's by more than `tolerance` px."""
    return (flow - background).abs().amax(1, keepdim=True) > tolerance


def fresh(frame: torch.Tensor, patch: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A new backdrop for latent frames (B, C, h, w): the frame itself, no sprite cells, nothing seen
    (an all-unseen backdrop is how `update` knows it is new)."""
    b, _, h, w = frame.shape
    cells = torch.zeros(b, 1, h, w, dtype=torch.bool, device=frame.device)
    return frame, cells, torch.zeros(b, 1, h * patch, w * patch, dtype=torch.bool, device=frame.device)


def emerging(model, backdrop: torch.Tensor, seen: torch.Tensor, flow: torch.Tensor):
    """The backdrop (B, C, h, w latent) moved by the tick's motion field, and where it holds map that was
    really seen (B, 1, H, W bool): for a pixel emerging from behind a sprite, the map that was hidden
    there (its source lies in the sprite's cells, where the backdrop holds map, not sprite)."""
    return model.warp(backdrop, flow), model.warp_pixels(seen.float(), flow, mode="nearest") > 0.5


def update(
    model,
    backdrop: torch.Tensor,
    hidden_before: torch.Tensor,
    seen: torch.Tensor,
    flow: torch.Tensor,
    motion: torch.Tensor,
    frame: torch.Tensor,
    tolerance: float,
    maps: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The next tick's backdrop, sprite cells and seen pixels: `frame` (the new latent, B, C, h, w) where
    content moves with the map, the old backdrop moved with the map's motion under sprite cells (B, 1,
    h, w bool); a pixel is seen (B, 1, H, W bool) where it came from the frame, or was moved in from a
    seen one. `flow` is the motion field the tick applied (whole pixels, with `carry_flow`), `motion` the
    one the net predicted: sprites are told apart on it, so a layer scrolling 0.5 px per tick, whose
    cells step by 0 or 1 px on different ticks, is not taken for sprites. `maps` are the two fields'
    `background_flow`s (motion's, flow's) if the caller has computed them already.

    Until the map has moved out from under a sprite, the backdrop there is not seen: a fresh one is the
    frame, sprite included, and copying it would stamp a ghost copy of the sprite on the map, so those
    pixels are copied as before instead. While the map stands still (the player stopped) nothing tells
    a sprite from the map, so the sprite cells found while it moved (`hidden_before`) stay sprite cells
    and keep the map last seen behind them."""
    # one median pass for both fields: the predicted motion (to find sprites) and the applied one
    if maps is None:
        maps = background_flow(torch.cat([motion, flow], 1)).split(2, dim=1)
    map_motion, background = maps
    still = map_motion.abs().amax(1, keepdim=True) <= 0.25
    hidden = sprite_cells(motion, map_motion, tolerance) | (hidden_before & still)
    p = model.cfg.patch
    hidden_px = F.interpolate(hidden.float(), scale_factor=p, mode="nearest") > 0
    # a fresh backdrop (nothing seen yet) is the frame: seen, except under the sprites found now
    new = ~seen.flatten(1).any(1)[:, None, None, None]
    seen = torch.where(new, ~hidden_px, seen)
    moved_seen = model.warp_pixels(seen.float(), background, mode="nearest") > 0.5
    seen = torch.where(hidden_px, moved_seen & ~model.revealed_pixels(background), torch.ones_like(hidden_px))
    return torch.where(hidden, model.warp(backdrop, background), frame), hidden, seen
