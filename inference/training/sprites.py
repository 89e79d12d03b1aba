"""Where a sprite's pixels come from: direct supervision of the motion field on sprites.

The photometric loss teaches the motion field through a bilinear warp, whose gradient only sees a
pixel or so around each source: a sprite that jumps 5-7 px in a tick is far outside it, and the net
learnt a smooth bump of motion centred on the sprite instead of one rigid vector (its top moved, its
feet stayed: the avatar stretched into a trail). The corpus records the box of every sprite that moves
on its own (avatar, hazards; `Game.sprite_boxes`) in every frame, so the motion of its cells is known
exactly: the offset from its box in the next frame back to its box in this one. `sprite_targets` turns
boxes into per-pixel offsets; `sprite_layers` finds which pixels of a box are the sprite's (the offset
reproduces them, the camera move does not) and so which cells move with it; `sprite_loss` is the L1 on
the motion field of those cells plus the layer logits' cross-entropy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from inference.training.motion import PIXEL_TOLERANCE

#: a box offset larger than this between two frames is a respawn or knock-back jump, not motion
MAX_OFFSET = 16


def sprite_targets(
    boxes: torch.Tensor, size: int, patch: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """boxes (B, k+1, S, 5) int rows (id, x0, y0, x1, y1) of frames t..t+k (id -2 = empty slot) ->

    - offset (B, k, 2, H, W) float: for a pixel inside a sprite's box in frame t+i+1 (i < k), where that
      pixel was in frame t+i (x, y offset in pixels, the motion field's convention); 0 elsewhere;
    - own (B, k, 1, H, W) bool: the pixels inside such a box (a sprite present in both frames, moved
      by at most MAX_OFFSET); the avatar wins where boxes overlap (it is drawn on top);
    - cells (B, k, 1, H/patch, W/patch) bool: the cells holding any of those pixels."""
    b, k1, s, _ = boxes.shape
    k = k1 - 1
    offset = torch.zeros(b, k, 2, size, size)
    own = torch.zeros(b, k, 1, size, size, dtype=torch.bool)
    bx = boxes.tolist()
    for bi in range(b):
        for i in range(k):
            before = {row[0]: row for row in bx[bi][i] if row[0] != -2}
            # reversed: slot 0 (the avatar) is written last, on top
            for ident, x0, y0, x1, y1 in reversed(bx[bi][i + 1]):
                if ident == -2 or ident not in before:
                    continue
                dx, dy = before[ident][1] - x0, before[ident][2] - y0
                if max(abs(dx), abs(dy)) > MAX_OFFSET:
                    continue
                cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, size), min(y1, size)
                if cx0 >= cx1 or cy0 >= cy1:
                    continue
                offset[bi, i, 0, cy0:cy1, cx0:cx1] = dx
                offset[bi, i, 1, cy0:cy1, cx0:cx1] = dy
                own[bi, i, 0, cy0:cy1, cx0:cx1] = True
    cells = F.max_pool2d(own.flatten(0, 1).float(), patch).reshape(b, k, 1, size // patch, size // patch) > 0
    return offset, own, cells


@torch.no_grad()
def sprite_layers(
    model,
    prev: torch.Tensor,
    target: torch.Tensor,
    offset: torch.Tensor,
    own: torch.Tensor,
    move: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Which pixels of a box are the sprite's: a box is the sprite's canvas, and its transparent pixels
    show the map, which moves with the map, not the sprite (taught as the sprite's, the map beside a
    walking avatar was dragged along as a ghost). prev/target (B, C, h, w) latents of frames t and t+1;
    offset/own one step of `sprite_targets`; move (B, 2) the camera's displacement ->

    - label (B, 1, H, W): 1 where the pixel is the sprite's (inside its box, reproduced by the sprite's
      offset and not by the camera's), 0 elsewhere;
    - known (B, 1, H, W) bool: where the label is sure: the sprite's pixels, and the pixels the camera
      move explains and the offset does not (inside a box) or that lie outside every box;
    - cells (B, 1, h, w) bool: the cells holding a sprite pixel (their motion is supervised)."""
    p = model.cfg.patch
    before, after = F.pixel_shuffle(prev, p), F.pixel_shuffle(target, p)
    tol = PIXEL_TOLERANCE / 127.5
    via_sprite = (model.warp_pixels(before, offset, mode="nearest") - after).abs().amax(
        1, keepdim=True
    ) <= tol
    cam = move[:, :, None, None].expand(-1, -1, *after.shape[-2:])
    via_map = (model.warp_pixels(before, cam, mode="nearest") - after).abs().amax(1, keepdim=True) <= tol
    sprite = own & via_sprite & ~via_map
    known = sprite | ~own | (via_map & ~via_sprite)
    cells = F.max_pool2d(sprite.float(), p) > 0
    return sprite.float(), known, cells


def sprite_loss(
    flow: torch.Tensor,
    layer: torch.Tensor | None,
    offset: torch.Tensor,
    label: torch.Tensor,
    known: torch.Tensor,
    cells: torch.Tensor,
    patch: int,
) -> torch.Tensor:
    """One step's supervision: flow (B, 2, h, w) predicted cell motion in pixels, layer (B, 1, H, W)
    logits of "moves with its own cell" (None without pixel layers); offset one step of
    `sprite_targets`, label/known/cells of `sprite_layers`. L1 (pixels) between each sprite cell's
    motion and the mean offset of the sprite pixels in it, averaged over sprite cells; plus, with
    layers, the binary cross-entropy of the layer logits over the known pixels of sprite cells (the
    sprite's pixels move with their cell, the map's with the map). 0 when the batch shows no sprite."""
    n_cells = cells.sum()
    if n_cells == 0:
        return flow.new_zeros(())
    area = F.avg_pool2d(label, patch)  # share of each cell covered by sprite pixels
    target = F.avg_pool2d(offset * label, patch) / area.clamp(min=1e-6)
    m = cells.float()
    loss = ((flow - target).abs() * m).sum() / (2 * n_cells)
    if layer is not None:
        w = F.interpolate(m, scale_factor=patch, mode="nearest") * known.float()
        bce = F.binary_cross_entropy_with_logits(layer, label, reduction="none")
        loss = loss + (bce * w).sum() / w.sum().clamp(min=1.0)
    return loss
