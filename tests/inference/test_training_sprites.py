"""Sprite supervision: recorded sprite boxes -> motion targets that really move the sprite; the loss."""

from __future__ import annotations

import numpy as np
import torch

from inference.corpus import WorldSpec
from inference.corpus.game import Game
from inference.training.data import SPRITE_SLOTS, WindowSampler, record_episodes, toy_episodes
from inference.training.sprites import MAX_OFFSET, sprite_layers, sprite_loss, sprite_targets
from inference.training.train import TrainConfig, build_model, dynamics_loss

EMPTY = [-2, -2, -2, -2, -2]


def _boxes(*frames):
    """frames: lists of (id, x0, y0, x1, y1) -> (1, len(frames), SPRITE_SLOTS, 5) tensor."""
    rows = [[list(b) for b in f] + [EMPTY] * (SPRITE_SLOTS - len(f)) for f in frames]
    return torch.tensor([rows], dtype=torch.int32)


def test_targets_point_each_sprite_pixel_back_to_where_it_was():
    boxes = _boxes([(-1, 10, 20, 24, 34), (7, 60, 60, 70, 70)], [(-1, 14, 18, 28, 32), (7, 61, 60, 71, 70)])
    offset, own, cells = sprite_targets(boxes, 128, 4)
    assert offset.shape == (1, 1, 2, 128, 128) and own.shape == (1, 1, 1, 128, 128)
    assert cells.shape == (1, 1, 1, 32, 32)
    assert own[0, 0, 0, 18:32, 14:28].all() and own[0, 0, 0].sum() == 14 * 14 + 10 * 10
    assert (offset[0, 0, 0, 18:32, 14:28] == -4).all() and (offset[0, 0, 1, 18:32, 14:28] == 2).all()
    assert (offset[0, 0, 0, 60:70, 61:71] == -1).all() and (offset[0, 0, 1, 60:70, 61:71] == 0).all()
    assert cells[0, 0, 0, 4:8, 3:7].all() and not cells[0, 0, 0, 0, 0]


def test_targets_skip_new_sprites_and_jumps_and_let_the_avatar_win_overlaps():
    far = MAX_OFFSET + 1
    boxes = _boxes(
        [(-1, 40, 40, 54, 54), (3, 0, 0, 10, 10), (5, 44, 40, 54, 50)],
        [(-1, 42, 40, 56, 54), (3, far, 0, far + 10, 10), (5, 44, 40, 54, 50), (9, 90, 90, 99, 99)],
    )
    offset, own, _ = sprite_targets(boxes, 128, 4)
    assert not own[0, 0, 0, :, far:].any() or own[0, 0, 0, :10, far:].sum() == 0  # the jump is skipped
    assert not own[0, 0, 0, 90:99, 90:99].any()  # sprite 9 was not in the frame before
    assert (offset[0, 0, 0, 40:50, 44:54] == -2).all()  # the avatar (moved 2 px) over hazard 5 (still)


def _sky_with_sprite(top):
    """A 128x128 latent frame: flat sky, a 6x6 dark sprite at rows top..top+5, cols 20..25."""
    model = build_model(TrainConfig.smoke_config())
    f = torch.full((1, 128, 128, 3), 200, dtype=torch.uint8)
    f[0, top : top + 6, 20:26] = 10
    return model, model.frames_to_latent(f)


def test_sprite_layers_keep_only_the_pixels_the_sprite_offset_explains():
    model, before = _sky_with_sprite(30)
    _, after = _sky_with_sprite(24)
    boxes = _boxes([(-1, 18, 28, 28, 38)], [(-1, 18, 22, 28, 32)])  # 10x10 canvas, sprite in its middle
    offset, own, _ = (t[:, 0] for t in sprite_targets(boxes, 128, 4))
    label, known, cells = sprite_layers(model, before, after, offset, own, torch.zeros(1, 2))
    assert label[0, 0, 24:30, 20:26].eq(1).all()  # the sprite, not its canvas, ...
    # ... and the canvas rows it uncovered (30, 31): copied with the sprite's offset they show the sky
    # from below, copied with the map's they would show the sprite's stale bottom
    assert label[0, 0, 30:32, 20:26].eq(1).all() and label.sum() == 48
    assert known[0, 0, 24:30, 20:26].all() and known[0, 0, 0, 0]  # far from every box: the map
    # canvas pixels over the sky, which the camera (still) explains as well as the sprite: unsure
    assert not known[0, 0, 22, 18]
    assert cells[0, 0, 6:8, 5:7].all() and cells.sum() == 4  # cells 6..7 x 5..6 hold the sprite


def test_sprite_loss_is_zero_at_the_target_and_pulls_the_field_towards_it():
    model, before = _sky_with_sprite(30)
    _, after = _sky_with_sprite(24)
    boxes = _boxes([(-1, 20, 30, 26, 36)], [(-1, 20, 24, 26, 30)])
    offset, own, _ = (t[:, 0] for t in sprite_targets(boxes, 128, 4))
    label, known, cells = sprite_layers(model, before, after, offset, own, torch.zeros(1, 2))
    flow = torch.zeros(1, 2, 32, 32, requires_grad=True)
    logits = torch.where(label > 0, 20.0, -20.0)
    right = torch.zeros(1, 2, 32, 32)
    right[:, 1] = 6.0
    assert sprite_loss(right, logits, offset, label, known, cells, 4) < 1e-3
    loss = sprite_loss(flow, None, offset, label, known, cells, 4)
    loss.backward()
    assert loss > 0 and flow.grad[0, 1][cells[0, 0]].lt(0).all()  # raise the y motion of sprite cells
    assert flow.grad[0][:, ~cells[0, 0]].abs().sum() == 0
    assert sprite_loss(right, -logits, offset, label, known, cells, 4) > 5  # layers the wrong way round
    none = torch.zeros_like(cells)
    assert sprite_loss(flow, None, offset, label * 0, known, none, 4) == 0


def test_game_sprite_boxes_follow_the_drawn_avatar():
    game = Game(WorldSpec("desert", ("gravity",), "side", 5), size=(128, 128))
    before = game.reset()
    (ident, x0, y0, x1, y1), *_ = game.sprite_boxes()
    assert ident == -1 and (x1 - x0, y1 - y0) == (14, 14)
    after = game.step(16)  # jump: the avatar rises, the camera stays
    (_, nx0, ny0, nx1, ny1), *_ = game.sprite_boxes()
    assert ny0 < y0 and nx0 == x0
    # the sprite is where the boxes say: the frame changed only within the old and the new box
    changed = np.argwhere(np.abs(after.astype(int) - before).max(-1) > 0)
    assert len(changed) > 50
    assert changed[:, 0].min() >= ny0 and changed[:, 0].max() < y1
    assert changed[:, 1].min() >= x0 and changed[:, 1].max() < x1


def test_recorded_and_toy_episodes_carry_sprite_boxes_and_the_sampler_serves_them():
    eps = record_episodes("train", 2, 6, seed=3, progress=False)
    assert eps.sprites.shape == (2, 7, SPRITE_SLOTS, 5)
    assert (eps.sprites[:, :, 0, 0] == -1).mean() > 0.5  # the avatar, in (nearly) every frame
    toy = toy_episodes(2, 6)
    assert (toy.sprites[:, :, 0] == [-1, 56, 56, 72, 72]).all()
    sampler = WindowSampler(toy, 4, 2)
    *_, boxes = sampler.sample(3, torch.Generator().manual_seed(0), horizon=2, with_sprites=True)
    assert boxes.shape == (3, 3, SPRITE_SLOTS, 5)
    assert len(sampler.sample(3, torch.Generator().manual_seed(0), horizon=2)) == 5


def test_sprite_weight_adds_the_supervision_to_the_dynamics_loss():
    eps = toy_episodes(2, 10, seed=7)
    cfg = TrainConfig.smoke_config(pixel_layers=True)
    model = build_model(cfg)
    sampler = WindowSampler(eps, model.cfg.context, horizon=2)
    frames, actions, text, mech, moves, boxes = sampler.sample(
        6, torch.Generator().manual_seed(1), horizon=2, with_sprites=True
    )

    def loss(weight):
        cfg.sprite_weight = weight
        g = torch.Generator().manual_seed(2)
        return dynamics_loss(model, frames, actions, text, mech, g, cfg, moves, boxes)[0]

    assert loss(1.0) > loss(0.0)
    assert torch.isclose(
        loss(0.0),
        dynamics_loss(model, frames, actions, text, mech, torch.Generator().manual_seed(2), cfg, moves)[0],
    )
