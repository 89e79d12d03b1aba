"""train_worldmodel --smoke: a few steps of a tiny model on real corpus episodes, then a resume."""

from __future__ import annotations

import io
import json
import math

import torch

from inference.model import load_worldmodel


def test_train_command_smoke_and_resume(tmp_path):
    from django.core.management import call_command

    args = [
        "--smoke",
        "--out",
        str(tmp_path / "run"),
        "--export",
        str(tmp_path / "w.pt"),
        "--no-progress",
        "--threads",
        "1",
    ]
    call_command("train_worldmodel", *args, "--until", "3", stdout=io.StringIO())
    assert torch.load(tmp_path / "run" / "ckpt.pt", weights_only=False)["step"] == 3
    call_command("train_worldmodel", *args, stdout=io.StringIO())
    lines = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    steps = [json.loads(x)["step"] for x in lines]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert all(math.isfinite(json.loads(x)["loss"]) for x in lines)
    m = load_worldmodel(tmp_path / "w.pt")
    assert m.meta["steps"] == 6
    assert m.cfg.residual_floor == 0.0


def test_serving_settings_are_stamped_into_the_export_of_a_finished_run(tmp_path):
    """--set on a finished run re-exports the same tensors with the settings in their config (how the
    shipped weights carry the serving choice made on validation); shape fields are refused."""
    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    args = ["--smoke", "--out", str(tmp_path / "run"), "--export", str(tmp_path / "w.pt"), "--no-progress"]
    call_command("train_worldmodel", *args, "--threads", "1", stdout=io.StringIO())
    plain = load_worldmodel(tmp_path / "w.pt")
    call_command(
        "train_worldmodel",
        *args,
        "--set",
        "residual_floor=8",
        "--set",
        "trail_tolerance=0.75",
        stdout=io.StringIO(),
    )
    stamped = load_worldmodel(tmp_path / "w.pt")
    assert (stamped.cfg.residual_floor, stamped.cfg.trail_tolerance) == (8, 0.75)
    assert stamped.meta["steps"] == plain.meta["steps"] == 6
    for (name, a), (_, b) in zip(plain.state_dict().items(), stamped.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    with pytest.raises(CommandError, match="fixed by the weights"):
        call_command("train_worldmodel", *args, "--set", "channels=[4, 8]", stdout=io.StringIO())
    with pytest.raises(CommandError, match="sprite_memory needs"):
        call_command("train_worldmodel", *args, "--set", "sprite_memory=true", stdout=io.StringIO())


def test_horizon_option_sets_the_rollout_schedule():
    import argparse

    import pytest

    from inference.training.__main__ import add_arguments, config_from_args
    from inference.training.train import horizon_at

    p = argparse.ArgumentParser()
    add_arguments(p)
    cfg = config_from_args(p.parse_args(["--horizon", "8", "--steps", "100"]))
    assert cfg.horizon_schedule == ((0.0, 8),) and horizon_at(cfg, 0) == horizon_at(cfg, 99) == 8
    cfg = config_from_args(p.parse_args(["--horizon", "0:2,0.5:6", "--steps", "100"]))
    assert [horizon_at(cfg, s) for s in (0, 49, 50)] == [2, 2, 6]
    assert config_from_args(p.parse_args([])).horizon_schedule == ((0.0, 2), (0.3, 4), (0.7, 6))
    for bad in ("x", "0.2:4", "0:4,1:6", "0:0"):
        with pytest.raises(SystemExit):
            p.parse_args(["--horizon", bad])
