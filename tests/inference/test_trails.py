"""What a sprite moving over a still map leaves behind is found and filled, not copied as a trail."""

from __future__ import annotations

import torch

from inference.model import TickState, WorldModel
from inference.model.config import ModelConfig
from inference.model.trails import carry_sprites, copies_of, fill_from_row, left_behind, sprite_pixels


def _jump(size=32, top=12, rise=4):
    """A 6x6 sprite at rows top..top+5, cols 10..15, moving up by `rise` over a still map: the per-pixel
    motion of its new pixels (rows top-rise..top+5-rise) points `rise` px down, the rest is 0."""
    flow = torch.zeros(1, 2, size, size)
    sprite = torch.zeros(1, 1, size, size, dtype=torch.bool)
    sprite[..., top - rise : top + 6 - rise, 10:16] = True
    flow[:, 1][sprite[:, 0]] = rise
    return flow, sprite


def test_left_behind_is_exactly_the_part_of_the_old_box_the_sprite_left():
    flow, sprite = _jump()
    left = left_behind(flow, sprite)[0, 0]
    want = torch.zeros(32, 32, dtype=torch.bool)
    want[14:18, 10:16] = True  # old rows 12..17 minus new rows 8..13
    assert torch.equal(left, want)


def test_nothing_is_left_behind_when_everything_moves_with_the_map():
    flow = torch.full((1, 2, 32, 32), 2.0)
    assert not left_behind(flow, torch.zeros(1, 1, 32, 32, dtype=torch.bool)).any()
    # a sprite moving with the map (a walk the camera follows in top-down view) leaves nothing either
    sprite = torch.zeros(1, 1, 32, 32, dtype=torch.bool)
    sprite[..., 8:14, 10:16] = True
    assert not left_behind(flow, sprite).any()


def test_fill_takes_the_nearest_usable_pixel_of_the_row():
    x = torch.arange(16.0).repeat(1, 1, 4, 1)  # value = column
    hole = torch.zeros(1, 1, 4, 16, dtype=torch.bool)
    hole[..., 1, 5:8] = True
    usable = ~hole
    usable[..., 1, 8] = False  # the sprite: not a source either
    out = fill_from_row(x, hole, usable)
    assert out[0, 0, 1, 5:8].tolist() == [4.0, 4.0, 9.0]  # 7 is 2 px from 9, 3 px from 4
    assert torch.equal(out[~hole.expand_as(x)], x[~hole.expand_as(x)])
    nowhere = fill_from_row(x, hole, torch.zeros_like(hole), reach=3)
    assert torch.equal(nowhere, x)  # no usable pixel within reach: left as it was


def test_sprite_pixels_are_off_map_cells_and_own_layer_pixels():
    motion = torch.zeros(1, 2, 8, 8)
    motion[:, 1, 2:4, 2:4] = 3.0
    px = sprite_pixels(motion, torch.zeros_like(motion), None, 0.75, 4)
    assert px.shape == (1, 1, 32, 32) and px.sum() == 16 * 4
    layer = torch.full((1, 1, 32, 32), -1.0)
    layer[..., 8:10, 8:16] = 1.0
    assert sprite_pixels(motion, torch.zeros_like(motion), layer, 0.75, 4).sum() == 2 * 8


def test_serving_with_trail_fill_erases_the_stale_sprite_over_a_still_sky():
    """The model's step, with the net's output replaced by a rigid jump: the sprite rises 4 px over a
    flat sky and the pixels it left show sky, not the sprite (without the fill: its bottom 4 rows)."""
    cfg = ModelConfig.tiny()
    cfg.pixel_layers = True
    model = WorldModel(cfg).eval()
    frame = torch.full((1, 128, 128, 3), 200, dtype=torch.uint8)
    frame[0, 60:72, 40:52] = torch.tensor(
        [20, 30, 200], dtype=torch.uint8
    )  # the sprite, cells 15..17 x 10..12
    ctx = model.frames_to_latent(frame)[:, None].repeat(1, cfg.context, 1, 1, 1)
    motion = torch.zeros(1, 2, 32, 32)
    motion[:, 1, 14:18, 10:13] = 4.0  # its cells and the one above it move 4 px up (source 4 px below)
    layer = torch.full((1, 1, 128, 128), -5.0)
    layer[..., 56:68, 40:52] = 5.0  # the sprite's new pixels take their cell's motion

    def net(*_a, **_k):
        return torch.zeros(1, cfg.latent_channels, 32, 32), motion, layer

    model.dynamics = net
    act, text, mech = torch.zeros(1, dtype=torch.long), torch.zeros(1, cfg.text_dim), torch.zeros(1, 1)
    out = {}
    for tol in (0.0, 0.75):
        model.cfg.trail_tolerance = tol
        z, _ = model.step(ctx, act, text, mech)
        out[tol] = model.latent_to_frames(z)[0].int()
    for img in out.values():
        assert (img[56:68, 40:52] == torch.tensor([20, 30, 200])).all()  # the sprite, 4 px higher
    assert (out[0.0][68:72, 40:52] == torch.tensor([20, 30, 200])).all()  # without: its trail
    assert (out[0.75][68:72, 40:52] == 200).all()  # with: the sky
    assert (out[0.75][72:, :] == 200).all() and (out[0.75][:56] == 200).all()


def _box(rows, cols, size=32):
    m = torch.zeros(1, 1, size, size, dtype=torch.bool)
    m[..., rows[0] : rows[1], cols[0] : cols[1]] = True
    return m


def test_copies_of_follows_the_flow_and_not_off_the_frame():
    held = _box((12, 18), (10, 16))
    flow = torch.zeros(1, 2, 32, 32)
    flow[:, 1] = 4.0  # every output pixel copies the pixel 4 rows below
    assert torch.equal(copies_of(held, flow), _box((8, 14), (10, 16)))
    flow[:, 0] = 40.0  # sources off the frame copy nothing
    assert not copies_of(held, flow).any()


def test_a_held_sprite_moves_whole_where_the_layer_head_drops_its_edges():
    """The 6x6 sprite rises 4 px; its cells (rows 8..19, cols 8..19) move with it, but the layer head
    gives only its two middle columns their cell's motion. The carried sprite is all six columns, 4 px
    higher; the rows it vacated are exactly the ones copying its old place."""
    held = _box((12, 18), (10, 16))
    own_flow = torch.zeros(1, 2, 32, 32)
    cells = _box((8, 20), (8, 20))
    own_flow[:, 1][cells[:, 0]] = 4.0
    map_flow = torch.zeros(1, 2, 32, 32)
    layer = torch.full((1, 1, 32, 32), -3.0)
    layer[..., 8:14, 12:14] = 3.0
    own, nxt, vacated = carry_sprites(held, own_flow, map_flow, cells, layer, 4)
    assert torch.equal(nxt, _box((8, 14), (10, 16)))
    assert torch.equal(own & cells, nxt)
    assert torch.equal(vacated, _box((14, 18), (10, 16)))


def test_an_untracked_sprite_is_what_the_layer_head_says_and_a_still_one_stays():
    cells = _box((8, 16), (8, 16))
    own_flow = torch.zeros(1, 2, 32, 32)
    own_flow[:, 0][cells[:, 0]] = 3.0
    layer = torch.full((1, 1, 32, 32), -3.0)
    layer[..., 9:13, 9:13] = 3.0
    nothing = torch.zeros(1, 1, 32, 32, dtype=torch.bool)
    still = torch.zeros(1, 2, 32, 32)
    own, nxt, vacated = carry_sprites(nothing, own_flow, still, cells, layer, 4)
    assert torch.equal(nxt, _box((9, 13), (9, 13))) and not vacated.any()
    # the next tick nothing moves off the map: the sprite stays held where the layer head agrees
    _, kept, vacated = carry_sprites(nxt, still, still, nothing, torch.ones(1, 1, 32, 32), 4)
    assert torch.equal(kept, nxt) and not vacated.any()


def test_serving_with_sprite_memory_keeps_the_whole_sprite_through_a_jump():
    """The model's step on a rigid 4-px jump whose layer head keeps only the sprite's middle columns:
    re-read every tick, the sprite's side columns stay behind (it tears); carried from the last tick (`sprite_memory`), the sprite rises whole and its old rows show sky."""
    cfg = ModelConfig.tiny()
    cfg.pixel_layers, cfg.trail_tolerance, cfg.backdrop_tolerance = True, 0.75, 0.0
    model = WorldModel(cfg).eval()
    blue = torch.tensor([20, 30, 200])
    frame = torch.full((1, 128, 128, 3), 200, dtype=torch.uint8)
    frame[0, 60:72, 40:52] = blue.to(torch.uint8)
    ctx = model.frames_to_latent(frame)[:, None].repeat(1, cfg.context, 1, 1, 1)
    motion = torch.zeros(1, 2, 32, 32)
    motion[:, 1, 14:18, 10:13] = 4.0
    layer = torch.full((1, 1, 128, 128), -5.0)
    layer[..., 56:68, 44:48] = 5.0

    def net(*_a, **_k):
        return torch.zeros(1, cfg.latent_channels, 32, 32), motion, layer

    model.dynamics = net
    act, text, mech = torch.zeros(1, dtype=torch.long), torch.zeros(1, cfg.text_dim), torch.zeros(1, 1)
    held = torch.zeros(1, 1, 128, 128, dtype=torch.bool)
    held[..., 60:72, 40:52] = True
    out = {}
    for memory in (False, True):
        model.cfg.sprite_memory = memory
        z, tick = model.step(ctx, act, text, mech, state=TickState(sprite=held))
        out[memory] = model.latent_to_frames(z)[0].int()
        assert (tick.sprite is not None) == memory
    # re-read: the side columns did not rise (the sprite tears; the next jumps stretch and thin it)
    assert not (out[False][56:60, 40:44] == blue).all(-1).any()
    assert (out[False][68:72, 40:44] == blue).all()
    assert (out[True][56:68, 40:52] == blue).all()  # carried: the whole sprite, 4 px higher
    assert (out[True][68:, :] == 200).all() and (out[True][:56] == 200).all()
    assert torch.equal(tick.sprite[0, 0, 56:68, 40:52], torch.ones(12, 12, dtype=torch.bool))


def test_sprite_memory_without_what_it_builds_on_is_refused_with_a_reason():
    import pytest

    from inference.model.config import apply_serving_settings

    layered = ModelConfig.tiny()
    layered.pixel_layers = True
    with pytest.raises(ValueError, match="sprite_memory needs .* trail_tolerance > 0"):
        apply_serving_settings(layered, {"sprite_memory": True})
    with pytest.raises(ValueError, match="sprite_memory needs weights with pixel layers"):
        apply_serving_settings(ModelConfig.tiny(), {"trail_tolerance": 0.75, "sprite_memory": True})
    assert apply_serving_settings(layered, {"trail_tolerance": 0.75, "sprite_memory": True}).sprite_memory
