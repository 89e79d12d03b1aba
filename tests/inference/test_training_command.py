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
