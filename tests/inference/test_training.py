"""Training: loss is finite and falls on a tiny fixed batch; checkpoints resume bit-for-bit; smoke run."""

from __future__ import annotations

import math

import pytest
import torch

from inference.model import load_worldmodel
from inference.training.data import WindowSampler, toy_episodes
from inference.training.motion import camera_unexplained, coarse_error
from inference.training.train import (
    TrainConfig,
    build_model,
    fit_codebook,
    train,
    train_step,
    warm_start,
)


def test_loss_finite_and_decreases_on_fixed_batch():
    torch.manual_seed(0)
    eps = toy_episodes(2, 8, seed=1)
    cfg = TrainConfig.smoke_config(steps=40, lr=3e-3, warmup=1, horizon_schedule=((0.0, 2),))
    model = build_model(cfg)
    fit_codebook(model, eps, cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    sampler = WindowSampler(eps, model.cfg.context, horizon=2)
    logs = [train_step(model, opt, sampler, cfg, step=0) for _ in range(25)]  # step=0: same batch every time
    assert all(math.isfinite(x["loss"]) for x in logs)
    dyn = [x["dyn"] for x in logs]
    assert min(dyn[-5:]) < 0.7 * dyn[0]
    assert min(x["tokens"] for x in logs[-5:]) < logs[0]["tokens"]


def _cfg(tmp_path, steps):
    return TrainConfig.smoke_config(
        steps=steps, out=str(tmp_path / "run"), export=str(tmp_path / "w.pt"), cache=False, threads=1
    )


def test_resume_matches_uninterrupted_run(tmp_path):
    eps = toy_episodes(3, 10, seed=2)
    a = tmp_path / "a"
    b = tmp_path / "b"
    train(_cfg(a, 6), progress=False, data=eps, log=lambda m: None, until=4)  # "interrupted" at step 4
    s = train(_cfg(a, 6), progress=False, data=eps, log=lambda m: None)  # resumes at step 4
    assert s["steps"] == 6
    train(_cfg(b, 6), progress=False, data=eps, log=lambda m: None)
    ka = torch.load(a / "run" / "ckpt.pt", weights_only=False)["model"]
    kb = torch.load(b / "run" / "ckpt.pt", weights_only=False)["model"]
    assert all(torch.allclose(ka[k], kb[k], atol=1e-6) for k in ka)
    m = load_worldmodel(a / "w.pt")
    assert m.meta["steps"] == 6


def test_warm_start_copies_matching_tensors(tmp_path):
    from inference.model import save_worldmodel

    cfg = TrainConfig.smoke_config()
    src = build_model(cfg)
    with torch.no_grad():
        for p in src.dyn.parameters():
            p.add_(1.0)
    save_worldmodel(src, tmp_path / "src.pt", half=False)
    dst = build_model(cfg)
    taken = warm_start(dst, tmp_path / "src.pt", log=lambda m: None)
    assert any(k.startswith("dyn.") for k in taken)
    assert all(torch.equal(a, b) for a, b in zip(src.dyn.parameters(), dst.dyn.parameters(), strict=True))


def test_tokens_only_keeps_dynamics_and_codebook_of_the_warm_start(tmp_path):
    eps = toy_episodes(3, 10, seed=3)
    first = train(_cfg(tmp_path / "first", 3), progress=False, data=eps, log=lambda m: None)
    src = load_worldmodel(first["export"])
    cfg = _cfg(tmp_path / "tok", 4)
    cfg.init, cfg.tokens_only = first["export"], True
    s = train(cfg, progress=False, data=eps, log=lambda m: None)
    assert s["final"]["dyn"] == 0.0 and s["final"]["tokens"] > 0
    out = load_worldmodel(s["export"])
    assert torch.equal(out.codebook, src.codebook)  # no refit: the token net's vocabulary is unchanged
    assert all(torch.equal(a, b) for a, b in zip(src.dyn.parameters(), out.dyn.parameters(), strict=True))
    assert any(
        not torch.equal(a, b) for a, b in zip(src.tokens.parameters(), out.tokens.parameters(), strict=True)
    )


def test_tokens_only_needs_a_model_to_start_from(tmp_path):
    from django.core.management import CommandError, call_command

    cfg = _cfg(tmp_path, 2)
    cfg.tokens_only = True
    with pytest.raises(ValueError, match="--init"):
        train(cfg, progress=False, data=toy_episodes(2, 8, seed=4), log=lambda m: None)
    with pytest.raises(CommandError, match="--init"):
        call_command("train_worldmodel", "--smoke", "--tokens-only", "--out", str(tmp_path / "cmd"))


def test_dynamics_only_keeps_token_net_and_codebook_of_the_warm_start(tmp_path):
    eps = toy_episodes(3, 10, seed=5)
    first = train(_cfg(tmp_path / "first", 3), progress=False, data=eps, log=lambda m: None)
    src = load_worldmodel(first["export"])
    cfg = _cfg(tmp_path / "dyn", 4)
    cfg.init, cfg.dynamics_only, cfg.motion_weight = first["export"], True, 4.0
    s = train(cfg, progress=False, data=eps, log=lambda m: None)
    assert s["final"]["tokens"] == 0.0 and s["final"]["dyn"] > 0
    out = load_worldmodel(s["export"])
    assert torch.equal(out.codebook, src.codebook)
    assert all(
        torch.equal(a, b) for a, b in zip(src.tokens.parameters(), out.tokens.parameters(), strict=True)
    )
    assert any(not torch.equal(a, b) for a, b in zip(src.dyn.parameters(), out.dyn.parameters(), strict=True))


def test_camera_unexplained_marks_the_sprite_not_the_scrolling_map():
    # toy worlds: stripes scroll with the camera, a white square stays at pixels 56..71 on screen
    eps = toy_episodes(4, 12, seed=6)
    model = build_model(TrainConfig.smoke_config())
    sampler = WindowSampler(eps, model.cfg.context, horizon=3)
    frames, _, _, _, moves = sampler.sample(16, torch.Generator().manual_seed(0), horizon=3)
    z = model.frames_to_latent(frames)
    off = camera_unexplained(model, z, moves, model.cfg.context)[:, :, 0]  # (B, K, 32, 32)
    still = (moves == 0).all(-1)  # no camera move: every cell is explained
    assert off[still].sum() == 0
    moving = ~still
    assert moving.any()
    away = torch.ones(32, 32, dtype=torch.bool)
    away[12:20, 12:20] = False  # the square's cells (14..17) and two cells around them
    assert off[moving][:, away].sum() == 0  # the scrolling stripes are explained by the camera move
    assert (off[moving][:, 14:18, 14:18].sum((-1, -2)) > 0).all()  # the square is not


def test_motion_weight_changes_only_the_weighting(tmp_path):
    from inference.training.train import dynamics_loss

    eps = toy_episodes(2, 10, seed=7)
    cfg = TrainConfig.smoke_config()
    model = build_model(cfg)
    sampler = WindowSampler(eps, model.cfg.context, horizon=2)
    batch = sampler.sample(6, torch.Generator().manual_seed(1), horizon=2)
    frames, actions, text, mech, moves = batch

    def loss(weight):
        cfg.motion_weight = weight
        return dynamics_loss(
            model, frames, actions, text, mech, torch.Generator().manual_seed(2), cfg, moves
        )[0]

    plain = loss(0.0)
    cfg.flow_aux = 0.0
    err_only = loss(0.0)
    weighted = loss(8.0)
    assert torch.isfinite(weighted) and not torch.isclose(weighted, err_only)
    assert plain >= err_only
    cfg.coarse_weight = 1.0
    assert loss(8.0) > weighted


def test_coarse_error_prefers_a_misplaced_sprite_to_an_erased_one():
    model = build_model(TrainConfig.smoke_config())
    frame = torch.full((1, 128, 128, 3), 40, dtype=torch.uint8)
    target = frame.clone()
    target[0, 60:70, 60:68] = 230  # an 8x10 sprite
    near = frame.clone()
    near[0, 62:72, 61:69] = 230  # 2 px down, 1 px right
    far = frame.clone()
    far[0, 65:75, 64:72] = 230  # 5 px down, 4 px right: overlapping the target by a fifth
    frames = {"t": target, "near": near, "far": far, "erased": frame}
    z = {k: model.frames_to_latent(v) for k, v in frames.items()}
    w = torch.ones(1, 1, 32, 32)
    fine = {k: ((z[k] - z["t"]).abs() + (z[k] - z["t"]).square()).mean() for k in ("near", "far", "erased")}
    assert fine["erased"] < fine["far"]  # per pixel, erasing wins: the double penalty
    coarse = {k: coarse_error(z[k], z["t"], w, model.cfg.patch) for k in ("near", "far", "erased")}
    assert coarse["far"] < 0.75 * coarse["erased"]
    assert coarse["near"] < 0.25 * coarse["erased"] and fine["near"] > 0.5 * fine["erased"]


def test_pixel_layers_grow_from_a_one_layer_warm_start_and_learn(tmp_path):
    eps = toy_episodes(3, 10, seed=8)
    first = train(_cfg(tmp_path / "first", 3), progress=False, data=eps, log=lambda m: None)
    src = load_worldmodel(first["export"])
    cfg = _cfg(tmp_path / "layers", 4)
    cfg.init, cfg.dynamics_only, cfg.pixel_layers, cfg.motion_weight = first["export"], True, True, 4.0
    s = train(cfg, progress=False, data=eps, log=lambda m: None)
    out = load_worldmodel(s["export"])
    assert out.cfg.pixel_layers and not src.cfg.pixel_layers
    lc = out.cfg.latent_channels
    head = out.dyn.head.weight[lc + 2 :]
    assert head.shape[0] == out.cfg.patch**2 and head.abs().sum() > 0  # the new logits got gradient
    assert all(
        torch.equal(a, b) for a, b in zip(src.tokens.parameters(), out.tokens.parameters(), strict=True)
    )


def test_resuming_with_a_differently_shaped_model_is_a_clear_error(tmp_path):
    eps = toy_episodes(2, 8, seed=9)
    cfg = _cfg(tmp_path, 4)
    train(cfg, progress=False, data=eps, log=lambda m: None, until=2)  # "interrupted", checkpoint kept
    cfg.pixel_layers = True
    with pytest.raises(ValueError, match="pixel_layers: False there, True now"):
        train(cfg, progress=False, data=eps, log=lambda m: None)
