"""Where a rollout's error lies: sprite boxes, the camera-revealed strip, the rest."""

from __future__ import annotations

import numpy as np
import pytest

from inference.evaluation.error_split import error_split, region_masks
from inference.training.data import EpisodeSet

EMPTY = (-2, 0, 0, 0, 0)


def _episodes(n=3, size=16, length=3):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (n, length + 1, size, size, 3), dtype=np.uint8)
    cams = np.zeros((n, length + 1, 2), np.int32)
    sprites = np.full((n, length + 1, 2, 5), -2, np.int32)
    sprites[:, :, 0] = (-1, 4, 4, 8, 8)  # the avatar, standing still on screen
    specs = [{"camera": "side", "theme": "forest"}] * n
    return EpisodeSet(frames, np.zeros((n, length), np.int64), ["p"] * n, np.zeros((n, 384), np.float32),
                      np.zeros((n, 6), np.float32), specs, cams, sprites)  # fmt: skip


def test_region_masks_are_disjoint_and_cover_the_frame():
    boxes = np.array([(-1, 10, 2, 20, 9), EMPTY, (7, -3, -3, 2, 2)])
    m = region_masks(np.array([-3, 2]), boxes, (12, 24))
    total = m["sprites"].astype(int) + m["revealed"] + m["rest"]
    assert (total == 1).all()
    assert m["revealed"][:, :3].all() and m["revealed"][-2:, :].all() and not m["revealed"][:10, 3:].any()
    assert (
        m["sprites"][2:9, 10:20].all() and m["sprites"].sum() == 7 * 10
    )  # the clipped box lies in the strip


def test_each_error_lands_in_its_part_and_an_exact_frame_has_none():
    eps = _episodes()
    eps.cams[1, 3] = (2, 0)  # episode 1: the camera moved 2 px right since the last true frame (index 2)
    gen = eps.frames[:, 3:4].copy()  # an exact 1-step rollout from 3 context frames ...
    gen[0, 0, 5, 5] ^= 0xFF  # ... but episode 0 is wrong inside the avatar's box
    gen[1, 0, :, -2:] ^= 0xFF  # and episode 1 in the revealed columns
    out = error_split(eps, gen, step=1, context=3)
    e0, e1, e2 = out["episodes"]
    assert e0["share"] == {"sprites": 1.0, "revealed": 0.0, "rest": 0.0} and e0["psnr"] < 60
    assert e1["share"] == {"sprites": 0.0, "revealed": 1.0, "rest": 0.0}
    assert e2["share"] == {"sprites": 0.0, "revealed": 0.0, "rest": 0.0} and e2["psnr"] == 60.0
    assert out["mean_share"]["sprites"] == pytest.approx(1 / 3, abs=1e-3)
    # removing episode 0's sprite error would lift it to the cap: its gain is capped there
    assert out["mean_psnr_gain_if_removed"]["sprites"] == pytest.approx((60 - e0["psnr"]) / 3, abs=0.01)


def test_error_split_refuses_what_it_cannot_judge():
    eps = _episodes()
    gen = eps.frames[:, 3:4]
    with pytest.raises(ValueError, match="step must be"):
        error_split(eps, gen, step=2, context=3)
    eps.cams = None
    with pytest.raises(ValueError, match="cameras and sprite boxes"):
        error_split(eps, gen, step=1, context=3)
