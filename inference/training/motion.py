"""Where a training frame's content does not move with the camera, and how it moves instead.

The corpus records the camera position of every frame, which explains most of a frame: the map moves
with it. What it does not explain (the avatar and hazards moving on screen, particles, the HUD,
parallax layers, the sun) is a few percent of the cells, and it is exactly what a photometric loss
alone learns worst: where a sprite's next position is uncertain, erasing the sprite costs less than
drawing it a pixel off (the "double penalty"), so the net learnt to pull the side-view avatar apart
into the sky around it within one tick. `camera_unexplained` finds those cells, so the loss can weigh
them up; `coarse_error` compares frames blurred at sprite scale, where a sprite drawn a pixel or two
off is nearly right and an erased one is wholly wrong.

All tensors are frame latents (space-to-depth cells, `WorldModel.frames_to_latent`) in [-1, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: a pixel differs when it is off by more than this (of 255)
PIXEL_TOLERANCE = 8


def _pixels(z: torch.Tensor, patch: int) -> torch.Tensor:
    return F.pixel_shuffle(z, patch)


@torch.no_grad()
def camera_unexplained(model, z: torch.Tensor, moves: torch.Tensor, ctx_n: int) -> torch.Tensor:
    """(B, K, 1, h, w) float: 1 on latent cells of each target frame z[:, ctx_n + i] that the true camera
    move does not explain, i.e. where the frame differs (by more than PIXEL_TOLERANCE in some pixel)
    from the frame before it shifted by the camera displacement `moves` (B, K, 2) pixels; 0 elsewhere,
    and 0 on cells the camera reveals (their content is new map: the margin draws it at serving time,
    not the dynamics net)."""
    b, k = moves.shape[:2]
    prev = z[:, ctx_n - 1 : ctx_n - 1 + k].flatten(0, 1)
    target = z[:, ctx_n : ctx_n + k].flatten(0, 1)
    h, w = prev.shape[-2:]
    flow = moves.flatten(0, 1)[:, :, None, None].expand(-1, -1, h, w)
    p = model.cfg.patch
    shifted = F.pixel_unshuffle(model.warp_pixels(_pixels(prev, p), flow, mode="nearest"), p)
    off = (shifted - target).abs().amax(dim=1, keepdim=True) > PIXEL_TOLERANCE / 127.5
    revealed = F.max_pool2d(model.revealed_pixels(flow).float(), p) > 0  # any pixel of the cell
    return (off & ~revealed).float().reshape(b, k, 1, h, w)


def coarse_error(
    pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor, patch: int, scales=(4, 8)
) -> torch.Tensor:
    """Mean L1 error of pred vs target latents (B, C, h, w) blurred by a box of `scale` x `scale` cells
    (16 and 32 pixels) sliding a cell at a time, summed over scales; each window weighted by the largest
    of `weight` (B, 1, h, w) in it, normalised by the weights' mean. A sprite drawn 2 px off costs a
    fifth of erasing it here (per pixel: two thirds), 5 px off two thirds (per pixel: more than erasing)."""
    px, pt = _pixels(pred, patch), _pixels(target, patch)
    total = pred.new_zeros(())
    for s in scales:
        k = patch * s
        err = (
            (F.avg_pool2d(px, k, stride=patch) - F.avg_pool2d(pt, k, stride=patch))
            .abs()
            .mean(1, keepdim=True)
        )
        w = F.max_pool2d(weight, s, stride=1)
        total = total + (err * w).mean() / w.mean()
    return total
