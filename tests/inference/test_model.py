"""World model: shapes, latent round trip, batch == per-session, token sampling, revealed edges, save/load."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from inference.model import ModelConfig, TickState, WorldModel, load_worldmodel, save_worldmodel

MECH = ("gravity", "collectibles", "hazards", "weather", "daynight", "speed")


def _model(seed=0):
    torch.manual_seed(seed)
    m = WorldModel(ModelConfig.tiny(mechanics=MECH)).eval()
    # zero-initialised heads make a fresh model an identity; perturb so tests see real compute
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return m


def test_latent_round_trip_is_lossless():
    m = _model()
    frames = torch.randint(0, 256, (2, 3, 128, 128, 3), dtype=torch.uint8)
    z = m.frames_to_latent(frames)
    assert z.shape == (2, 3, 48, 32, 32)
    assert torch.equal(m.latent_to_frames(z), frames)


def test_forward_shapes():
    m = _model()
    b = 3
    ctx = torch.rand(b, 4, 48, 32, 32) * 2 - 1
    out = m.predict(ctx, torch.tensor([0, 5, 31]), torch.randn(b, 384), torch.zeros(b, len(MECH)))
    assert out.shape == (b, 48, 32, 32)
    m.codebook.copy_(torch.rand_like(m.codebook) * 2 - 1)
    gens = [torch.Generator().manual_seed(i) for i in range(b)]
    z0 = m.generate_first(torch.randn(b, 384), torch.zeros(b, len(MECH)), gens, steps=2)
    assert z0.shape == (b, 48, 32, 32) and z0.abs().max() <= 1
    # every cell of a text-to-world frame is a codebook entry
    flat = z0.permute(0, 2, 3, 1).reshape(-1, 48)
    assert (flat[:, None] - m.codebook[None]).abs().amax(-1).min(1).values.max() < 1e-6


def test_batch_equals_per_session():
    m = _model()
    m.cfg.snap_flow = 0.0  # snapping is a discontinuity: float noise at its threshold is not a batching bug
    b = 4
    ctx = torch.rand(b, 4, 48, 32, 32) * 2 - 1
    act = torch.tensor([0, 4, 8, 17])
    text, mech = torch.randn(b, 384), torch.rand(b, len(MECH))
    with torch.no_grad():
        batched = m.predict(ctx, act, text, mech)
        single = torch.cat(
            [m.predict(ctx[i : i + 1], act[i : i + 1], text[i : i + 1], mech[i : i + 1]) for i in range(b)]
        )
    assert torch.allclose(batched, single, atol=1e-4)


def test_action_changes_prediction():
    m = _model()
    ctx = torch.rand(1, 4, 48, 32, 32) * 2 - 1
    t, me = torch.randn(1, 384), torch.zeros(1, len(MECH))
    with torch.no_grad():
        a = m.predict(ctx, torch.tensor([4]), t, me)
        b = m.predict(ctx, torch.tensor([8]), t, me)
    assert not torch.allclose(a, b)


def test_save_load_round_trip(tmp_path):
    m = _model()
    path = tmp_path / "w.pt"
    save_worldmodel(m, path, meta={"steps": 1}, half=False)
    m2 = load_worldmodel(path)
    assert m2.cfg == m.cfg and m2.meta == {"steps": 1}
    ctx = torch.rand(1, 4, 48, 32, 32) * 2 - 1
    args = (ctx, torch.tensor([3]), torch.randn(1, 384), torch.zeros(1, len(MECH)))
    with torch.no_grad():
        assert torch.allclose(m.predict(*args), m2.predict(*args), atol=1e-6)
    assert np.isfinite(m2.param_count())


def test_kmeans_codebook_finds_clusters():
    from inference.model.tokens import kmeans_codebook

    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[-0.8, -0.8], [0.0, 0.7], [0.9, -0.3]])
    pts = torch.cat([c + 0.02 * torch.randn(200, 2, generator=g) for c in centres])
    cb = kmeans_codebook(pts, 3, iters=10, generator=torch.Generator().manual_seed(1))
    assert torch.cdist(centres, cb).min(1).values.max() < 0.05


def test_fill_keeps_known_cells_fills_masked_and_is_batch_independent():
    from inference.model.tokens import fill

    m = _model()
    b, n = 3, 32
    tokens = torch.randint(0, m.cfg.codebook_size, (b, n, n), generator=torch.Generator().manual_seed(0))
    mask = torch.zeros(b, n, n, dtype=torch.bool)
    mask[:, :, -3:] = True  # a revealed strip on the right
    mask[1, :5] = True
    cond = m.token_cond(torch.randn(b, 384), torch.zeros(b, len(MECH)))
    gens = lambda: [torch.Generator().manual_seed(10 + i) for i in range(b)]  # noqa: E731
    out = fill(m.tokens, tokens, mask, cond, steps=3, temperature=1.0, generators=gens())
    assert torch.equal(out[~mask], tokens[~mask])
    assert int(out.min()) >= 0 and int(out.max()) < m.cfg.codebook_size
    single = torch.cat(
        [
            fill(m.tokens, tokens[i : i + 1], mask[i : i + 1], cond[i : i + 1], 3, 1.0, [gens()[i]])
            for i in range(b)
        ]
    )
    assert torch.equal(out, single)
    again = fill(m.tokens, tokens, mask, cond, steps=3, temperature=1.0, generators=gens())
    assert torch.equal(out, again)


def test_revealed_pixels_follow_the_camera():
    m = _model()
    flow = torch.zeros(2, 2, 32, 32)
    flow[0, 0] = 2.0  # view moved right 2 px: the two rightmost columns are new
    flow[1, 1] = -4.0  # view moved up 4 px: the four top rows are new
    rev = m.revealed_pixels(flow)[:, 0]
    assert rev[0, :, -2:].all() and not rev[0, :, :-2].any()
    assert rev[1, :4].all() and not rev[1, 4:].any()


def _two_sessions():
    """A perturbed tiny model with a random codebook + two sessions' (ctx, action, text, mechanics)."""
    m = _model()
    m.codebook.copy_(torch.rand_like(m.codebook) * 2 - 1)
    ctx = torch.rand(2, 4, 48, 32, 32) * 2 - 1
    return m, ctx, torch.tensor([0, 8]), torch.randn(2, 384), torch.zeros(2, len(MECH))


def test_step_redraws_only_the_revealed_edge():
    m, ctx, act, text, mech = _two_sessions()
    b = 2
    with torch.no_grad():
        pred, flow = m.predict(ctx, act, text, mech, return_flow=True)
        flow.zero_()
        flow[:, 0] = 2.0
        out = m.redraw_revealed(pred.clamp(-1, 1), flow, text, mech, [torch.Generator().manual_seed(0)] * b)
    px = torch.nn.functional.pixel_shuffle(out, 4)
    ref = torch.nn.functional.pixel_shuffle(pred.clamp(-1, 1), 4)
    assert torch.equal(px[..., :-2], ref[..., :-2])
    assert not torch.equal(px[..., -2:], ref[..., -2:])


def test_crop_around_snaps_to_the_unet_grid():
    from inference.model.tokens import crop_around

    mask = torch.zeros(32, 32, dtype=torch.bool)
    mask[:, 31] = True  # the right edge
    assert crop_around(mask, margin=6) == (0, 32, 24, 32)
    mask = torch.zeros(32, 32, dtype=torch.bool)
    mask[0, 10:13] = True
    assert crop_around(mask, margin=2) == (0, 4, 8, 16)


def test_margin_cells_are_drawn_once_and_scroll_into_view():
    from torch.nn.functional import pixel_shuffle

    from inference.model import margin as lookahead

    m = _model()
    m.codebook.copy_(torch.rand_like(m.codebook) * 2 - 1)
    text, mech = torch.randn(1, 384), torch.zeros(1, len(MECH))
    last = torch.rand(1, 48, 32, 32) * 2 - 1
    canvas, valid = lookahead.blank(last, 2, 4)
    assert not valid[..., :8, :].any() and valid[..., 8:-8, 8:-8].all()
    gen = [torch.Generator().manual_seed(0)]
    canvas, valid = lookahead.refill(m, canvas, valid, text, mech, 2, gen)
    drawn_but_corners = valid[..., 8:-8, :].all() and valid[..., :, 8:-8].all()
    assert drawn_but_corners and not valid[..., :8, :8].any()
    assert torch.equal(canvas[..., 2:-2, 2:-2], last)
    drawn = pixel_shuffle(canvas, 4)[..., 8:-8, -8:]  # the right margin, as pixels
    flow = torch.zeros(1, 2, 32, 32)
    flow[:, 0] = 1.0  # the view moves right 1 px per tick
    for tick in range(1, 5):
        canvas, valid = lookahead.shift(m, canvas, valid, flow, 2)
        before = canvas.clone()
        canvas, valid = lookahead.refill(m, canvas, valid, text, mech, 2, gen)
        # nothing is drawn until a whole margin cell has gone undrawn (4 ticks at 1 px per tick)
        assert torch.equal(canvas, before) == (tick < 4)
        # what scrolled into the view's right edge is the margin drawn before, pixel for pixel
        seen = pixel_shuffle(before, 4)[..., 8:-8, 8:-8]
        assert torch.allclose(seen[..., -tick:], drawn[..., :tick], atol=1e-4)
    assert valid[..., 8:-8, :].all()


def test_step_hands_its_margin_to_the_next_tick():
    m, ctx, act, text, mech = _two_sessions()
    b = 2
    gens = [torch.Generator().manual_seed(i) for i in range(b)]
    z, tick = m.step(ctx, act, text, mech, gens)
    canvas = tick.margin[0]
    assert z.shape == (b, 48, 32, 32) and canvas.shape == (b, 48, 36, 36)
    assert torch.equal(canvas[..., 2:-2, 2:-2], z)
    assert tick.carry.shape == (b, 2, 32, 32) and tick.carry.abs().max() <= 0.5  # the sub-pixel remainder
    assert tick.backdrop[0].shape == z.shape and tick.backdrop[1].shape == (b, 1, 32, 32)
    assert tick.backdrop[2].shape == (b, 1, 128, 128)
    z2, _ = m.step(torch.cat([ctx[:, 1:], z[:, None]], 1), act, text, mech, gens, tick)
    assert z2.shape == z.shape
    m.cfg.carry_flow = False  # bilinear sub-pixel moves: no carry to hand on
    m.cfg.backdrop_tolerance = 0.0  # no backdrop memory
    m.cfg.reveal_lookahead = 0  # margin off: revealed pixels are drawn on the spot, no margin returned
    assert m.step(ctx, act, text, mech, gens)[1] == TickState()


def test_disoccluded_pixels_are_the_map_emerging_behind_a_still_sprite():
    m = _model()
    flow = torch.zeros(1, 2, 32, 32)
    flow[0, 0] = 2.0  # the map scrolls left (the view moves right 2 px) ...
    flow[0, :, 10:12, 10:12] = 0.0  # ... under a sprite held still on screen (cells 10-11: px 40-47)
    occ = m.disoccluded_pixels(flow, 0.75)[0, 0]
    # the 2 px columns left of the sprite copy from inside it: map hidden until now
    assert occ[40:48, 38:40].all() and int(occ.sum()) == 16
    assert not m.disoccluded_pixels(flow, 2.5).any()  # within tolerance: one layer


def test_step_draws_disoccluded_pixels_from_tokens_and_copies_the_rest(monkeypatch):
    m, ctx, act, text, mech = _two_sessions()
    flow = torch.zeros(2, 2, 32, 32)
    flow[:, 0] = 2.0
    flow[:, :, 10:12, 10:12] = 0.0
    dynamics = m.dynamics
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (dynamics(*a, **k)[0], flow, None))
    gens = lambda: [torch.Generator().manual_seed(i) for i in range(2)]  # noqa: E731
    m.cfg.occlusion_tolerance = 0.0
    m.cfg.backdrop_tolerance = 0.0
    plain = m.step(ctx, act, text, mech, gens())[0]
    m.cfg.occlusion_tolerance = 0.75
    drawn = m.step(ctx, act, text, mech, gens())[0]
    changed = torch.nn.functional.pixel_shuffle(plain - drawn, 4).abs().amax(1) > 0
    assert changed[:, 40:48, 38:40].any()
    changed[:, 40:48, 38:40] = False
    assert not changed.any()


def test_serve_flow_moves_whole_pixels_and_carries_the_fraction():
    m = _model()
    flow = torch.zeros(1, 2, 32, 32)
    flow[0, 0, :16] = 0.6  # a layer scrolling 0.6 px per tick ...
    flow[0, 0, 16:] = 1.9  # ... and the camera's 2 px, predicted a little short
    carry, moved = torch.zeros_like(flow), torch.zeros_like(flow)
    for _ in range(10):
        step, carry = m.serve_flow(flow, carry)
        assert torch.equal(step, step.round()) and carry.abs().max() <= 0.5
        moved += step
    assert torch.allclose(moved[0, 0, :16], torch.tensor(6.0))  # 0.6 px/tick on average, in whole pixels
    assert torch.equal(moved[0, 0, 16:], torch.full((16, 32), 20.0))  # snapped: exactly 2 px per tick
    assert torch.equal(carry[0, 0, 16:], torch.zeros(16, 32))
    plain, none = m.serve_flow(flow)  # without a carry: fractional vectors stay fractional (bilinear)
    assert none is None and torch.allclose(plain[0, 0, :16], torch.tensor(0.6))


def test_step_with_carry_copies_pixels_and_never_blurs(monkeypatch):
    """A texture scrolling 0.5 px per tick: with carry_flow every output pixel is one of the input's
    (copied whole pixels), without it the bilinear warp mixes neighbours into new values."""
    m, ctx, act, text, mech = _two_sessions()
    m.cfg.reveal_lookahead = 0
    m.cfg.reveal_margin = 0
    flow = torch.zeros(2, 2, 32, 32)
    flow[:, 1] = 0.5  # vertical: the revealed row is drawn from tokens, the rest must be copies
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (torch.zeros(2, 48, 32, 32), flow, None))
    ctx = m.frames_to_latent(torch.randint(0, 2, (2, 4, 128, 128, 3), dtype=torch.uint8) * 200)
    values = {0, 200}
    m.cfg.carry_flow = True
    z, carry = ctx, None
    for _ in range(4):
        nxt, tick = m.step(z, act, text, mech, None, TickState(carry=carry))
        z, carry = torch.cat([z[:, 1:], nxt[:, None]], 1), tick.carry
    inner = m.latent_to_frames(z[:, -1])[:, :-8]  # away from the revealed bottom rows
    assert set(inner.unique().tolist()) <= values
    m.cfg.carry_flow = False
    blurred = m.latent_to_frames(m.step(ctx, act, text, mech)[0])[:, :-8]
    assert not set(blurred.unique().tolist()) <= values


def _walk_past_a_still_sprite(m, ticks):
    """A random map scrolling 2 px per tick to the left under a textured sprite held still on screen at
    pixels 40-47 (cells 10-11): the truth frames, and the motion field the dynamics net would give."""
    g = torch.Generator().manual_seed(0)
    world = torch.randint(0, 256, (128, 128 + 2 * ticks + 8, 3), dtype=torch.uint8, generator=g)
    sprite = torch.randint(0, 256, (8, 8, 3), dtype=torch.uint8, generator=g)
    truth = []
    for t in range(ticks + 4):
        f = world[:, 2 * t : 2 * t + 128].clone()
        f[40:48, 40:48] = sprite
        truth.append(f)
    flow = torch.zeros(1, 2, 32, 32)
    flow[0, 0] = 2.0
    flow[0, :, 10:12, 10:12] = 0.0
    return torch.stack(truth), flow


def test_backdrop_shows_the_map_behind_a_still_sprite_instead_of_a_trail(monkeypatch):
    m, _, _, text, mech = _two_sessions()
    m.cfg.reveal_lookahead = 0
    truth, flow = _walk_past_a_still_sprite(m, 8)
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (torch.zeros(1, 48, 32, 32), flow, None))

    def play(tolerance, ticks=8):
        m.cfg.backdrop_tolerance = tolerance
        z, tick = m.frames_to_latent(truth[None, :4]), TickState()
        for _ in range(ticks):
            nxt, tick = m.step(z, torch.tensor([8]), text[:1], mech[:1], None, tick)
            z = torch.cat([z[:, 1:], nxt[:, None]], 1)
        return m.latent_to_frames(z[0, -1])

    # until the map has moved out from under the sprite, the backdrop there holds the sprite itself:
    # those pixels are copied as without a backdrop (a trail), never stamped as a ghost of the sprite
    assert torch.equal(play(0.75, ticks=4), play(0.0, ticks=4))

    # the map that emerged left of the sprite in ticks 5-8, once a walk of the sprite's width (4 ticks)
    # has washed the sprite out of the backdrop (it starts as the first frame, sprite included)
    behind = (slice(40, 48), slice(32, 40))
    with_backdrop, without = play(0.75), play(0.0)
    assert torch.equal(with_backdrop[behind], truth[11][behind])  # the map, exactly
    assert (without[behind] != truth[11][behind]).any(-1).float().mean() > 0.9  # the sprite's edge, dragged
    assert torch.equal(with_backdrop[40:48, 40:48], truth[11][40:48, 40:48])  # the sprite stays


def test_background_flow_votes_out_a_sprite():
    from inference.model.backdrop import background_flow, sprite_cells

    flow = torch.zeros(1, 2, 32, 32)
    flow[0, 0] = 2.0
    flow[0, :, 10:14, 10:13] = 0.0  # an avatar-sized block of 4x3 cells held still
    back = background_flow(flow)
    assert torch.equal(back[0, 0], torch.full((32, 32), 2.0))
    hidden = sprite_cells(flow, back, 0.75)[0, 0]
    assert hidden[10:14, 10:13].all() and int(hidden.sum()) == 12


def test_backdrop_keeps_the_map_behind_a_sprite_while_the_player_stands_still(monkeypatch):
    """Walk, stop, walk on: the pause must not let the avatar into the backdrop (it would be stamped
    onto the map as a ghost copy when the walk resumes)."""
    m, _, _, text, mech = _two_sessions()
    m.cfg.reveal_lookahead = 0
    truth, walking = _walk_past_a_still_sprite(m, 8)
    flows = [walking] * 6 + [torch.zeros_like(walking)] * 4 + [walking] * 2
    it = iter(flows)
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (torch.zeros(1, 48, 32, 32), next(it), None))
    z, tick = m.frames_to_latent(truth[None, :4]), TickState()
    for _ in flows:
        nxt, tick = m.step(z, torch.tensor([8]), text[:1], mech[:1], None, tick)
        z = torch.cat([z[:, 1:], nxt[:, None]], 1)
    frame = m.latent_to_frames(z[0, -1])
    # 8 walking ticks in all: the map behind the sprite is the truth's, no copy of the sprite
    assert torch.equal(frame[40:48, 36:40], truth[11][40:48, 36:40])
    assert torch.equal(frame[40:48, 40:48], truth[11][40:48, 40:48])


def test_a_layer_stepping_whole_pixels_out_of_phase_is_not_taken_for_sprites(monkeypatch):
    """A layer scrolling 0.5 px per tick whose cells carry different remainders: on any tick some cells
    step 1 px and their neighbours 0. That is one layer, not a sprite over a map: nothing may be
    copied from the backdrop, the frame must be what the plain warp gives."""
    m, ctx, act, text, mech = _two_sessions()
    m.cfg.reveal_lookahead = 0
    flow = torch.zeros(2, 2, 32, 32)
    flow[:, 0] = 0.5
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (torch.zeros(2, 48, 32, 32), flow, None))
    carry = torch.zeros(2, 2, 32, 32)
    carry[:, 0, :, ::2] = 0.25  # every other column of cells a step ahead
    back = m.frames_to_latent(torch.randint(0, 256, (2, 128, 128, 3), dtype=torch.uint8))
    hidden = torch.ones(2, 1, 32, 32, dtype=torch.bool)  # even a stale backdrop everywhere
    seen = torch.ones(2, 1, 128, 128, dtype=torch.bool)
    state = TickState(carry=carry, backdrop=(back, hidden, seen))
    with_backdrop, tick = m.step(ctx, act, text, mech, None, state)
    m.cfg.backdrop_tolerance = 0.0
    plain, _ = m.step(ctx, act, text, mech, None, TickState(carry=carry))
    assert torch.equal(with_backdrop, plain)
    assert not tick.backdrop[1].any()  # the layer moves: no sprite cells


def _layered_model(seed=0):
    torch.manual_seed(seed)
    return WorldModel(replace(ModelConfig.tiny(mechanics=MECH), pixel_layers=True)).eval()


def _sprite_in_part_of_two_cells():
    """A random frame, a sprite on pixels 41-46 (cells 10-11, which also hold 2 px of map on each
    side); the map scrolls 2 px left under the sprite held still. The cell motion field, and the layer
    logits that say which pixels are the sprite's."""
    g = torch.Generator().manual_seed(1)
    frame = torch.randint(0, 256, (1, 128, 128, 3), dtype=torch.uint8, generator=g)
    flow = torch.zeros(1, 2, 32, 32)
    flow[0, 0] = 2.0
    flow[0, :, 10:12, 10:12] = 0.0
    layer = torch.full((1, 1, 128, 128), -5.0)
    layer[..., 41:47, 41:47] = 5.0
    return frame, flow, layer


def test_pixel_layers_move_a_sprite_and_the_map_beside_it_in_one_cell():
    m = _layered_model()
    frame, flow, layer = _sprite_in_part_of_two_cells()
    px = m.pixel_flow(flow, layer)
    assert px.shape == (1, 2, 128, 128)
    x = frame.permute(0, 3, 1, 2).float()
    moved = m.warp_pixels(x, px).permute(0, 2, 3, 1).round().to(torch.uint8)
    assert torch.equal(moved[0, 41:47, 41:47], frame[0, 41:47, 41:47])  # the sprite stays
    # the map pixels of the sprite's own cells scroll with the map, as everywhere else
    assert torch.equal(moved[0, 40:48, 40], frame[0, 40:48, 42])
    assert torch.equal(moved[0, 40, 40:47], frame[0, 40, 42:49])
    one_layer = m.warp_pixels(x, flow).permute(0, 2, 3, 1).round().to(torch.uint8)
    assert torch.equal(one_layer[0, 40:48, 40], frame[0, 40:48, 40])  # one vector per cell: left behind
    # the map emerging beside the sprite is found per pixel: the 2 px left of the sprite's own pixels
    occ = m.disoccluded_pixels(px, 0.75)[0, 0]
    assert occ[41:47, 39:41].all() and not occ[41:47, 41:47].any()


def test_pixel_layers_train_on_the_blend_they_serve_as_a_choice(monkeypatch):
    """In training the two layers' warps are blended by the layer weight; where the net is sure (large
    logits) the blend is the hard per-pixel choice served."""
    m = _layered_model()
    frame, flow, layer = _sprite_in_part_of_two_cells()
    ctx = m.frames_to_latent(frame[:, None].expand(1, 4, 128, 128, 3))
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (torch.zeros(1, 48, 32, 32), flow, layer * 4))
    args = (ctx, torch.tensor([8]), torch.zeros(1, 384), torch.zeros(1, len(MECH)))
    served = m.predict(*args)
    m.train()
    blended = m.predict(*args)
    assert (blended - served).abs().max() < 1e-6


def test_a_layered_net_grown_from_one_layer_weights_serves_exactly_like_them(tmp_path):
    from inference.training.train import warm_start

    one = _model()
    one.codebook.copy_(torch.rand_like(one.codebook) * 2 - 1)
    save_worldmodel(one, tmp_path / "one.pt", half=False)
    grown = _layered_model(seed=3)
    taken = warm_start(grown, tmp_path / "one.pt", log=lambda m: None)
    assert {"dyn.head.weight", "dyn.head.bias"} <= set(taken)
    b = 2
    torch.manual_seed(5)
    ctx = torch.rand(b, 4, 48, 32, 32) * 2 - 1
    act, text, mech = torch.tensor([4, 8]), torch.randn(b, 384), torch.rand(b, len(MECH))
    outs = []
    for m in (one, grown.eval()):
        z, tick = ctx, None
        gens = [torch.Generator().manual_seed(i) for i in range(b)]
        for _ in range(3):
            nxt, tick = m.step(z, act, text, mech, gens, tick)
            z = torch.cat([z[:, 1:], nxt[:, None]], 1)
        outs.append(z[:, -1])
    assert torch.equal(outs[0], outs[1])


def test_shape_fields_are_model_config_fields():
    from inference.model.config import SHAPE_FIELDS

    assert set(SHAPE_FIELDS) <= set(ModelConfig.__dataclass_fields__)
    assert "pixel_layers" in SHAPE_FIELDS and "reveal_steps" not in SHAPE_FIELDS


def test_residual_floor_keeps_a_still_scene_still_and_passes_real_changes(monkeypatch):
    """A still scene and a net whose residual is 0.6 grey levels everywhere (a near-zero bias) and 40
    levels in one cell: rounded into the uint8 frame every tick, the bias climbs one level per tick;
    with `residual_floor` 1 the scene stays exactly as it was and the 40-level change still lands."""
    m, ctx, act, text, mech = _two_sessions()
    m.cfg.reveal_lookahead = 0
    delta = torch.full((2, 48, 32, 32), 0.6 * 2 / 255)
    delta[:, :, 5, 5] = 40 * 2 / 255
    monkeypatch.setattr(m, "dynamics", lambda *a, **k: (delta, torch.zeros(2, 2, 32, 32), None))
    start = torch.randint(60, 190, (2, 4, 128, 128, 3), dtype=torch.uint8)

    def play(floor):
        m.cfg.residual_floor = floor
        z = m.frames_to_latent(start)
        for _ in range(8):
            frame = m.latent_to_frames(m.step(z, act, text, mech)[0])  # what a session shows and feeds back
            z = torch.cat([z[:, 1:], m.frames_to_latent(frame[:, None])], 1)
        return m.latent_to_frames(z[:, -1]).int() - start[:, -1].int()

    drift, kept = play(0.0), play(1.0)
    assert drift[:, 40:, 40:].min() >= 4  # without the floor the still scene brightens
    assert (kept[:, 40:, 40:] == 0).all()
    assert (kept[:, 20:24, 20:24] > 0).all()  # the cell with a real change changed
