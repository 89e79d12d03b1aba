"""eval_worldmodel: one JSON object with every key, on a tiny model (toy data and the real command)."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from inference.evaluation.evaluate import controllability, evaluate
from inference.training.data import toy_episodes
from inference.training.train import TrainConfig, train

KEYS = {
    "resolution",
    "params",
    "weights_mb",
    "ms_per_frame",
    "fps",
    "psnr",
    "psnr_copy_last",
    "controllability",
    "collapse_free_seconds",
}


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    cfg = TrainConfig.smoke_config(
        steps=2, out=str(d / "run"), export=str(d / "w.pt"), cache=False, threads=1
    )
    train(cfg, progress=False, data=toy_episodes(2, 12, seed=0), log=lambda m: None)
    return d / "w.pt"


def _check(result):
    assert set(result) >= KEYS
    assert result["resolution"] == [128, 128]
    assert set(result["psnr"]) == set(result["psnr_copy_last"]) == {"1", "8", "32"}
    assert result["fps"] > 0 and result["ms_per_frame"] > 0 and result["params"] > 0
    assert 0 <= result["collapse_free_seconds"] <= 1.0


def test_evaluate_on_toy_data(tiny_weights, tmp_path):
    eps = toy_episodes(2, 36, seed=3)
    out = tmp_path / "eval.json"
    result = evaluate(
        tiny_weights,
        out,
        tmp_path / "r.png",
        episodes=2,
        collapse_seconds=1.0,
        collapse_sessions=2,
        bench_frames=4,
        data=eps,
        progress=False,
        encode_prompt=lambda p: np.zeros(384, np.float32),
    )
    _check(result)
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert (tmp_path / "r.png").stat().st_size > 0


@pytest.mark.django_db(databases=[])
def test_eval_command_writes_json(tiny_weights, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "eval.json"
    call_command(
        "eval_worldmodel",
        "--json",
        str(out),
        "--weights",
        str(tiny_weights),
        "--episodes",
        "2",
        "--collapse-seconds",
        "1",
        "--collapse-sessions",
        "2",
        "--bench-frames",
        "4",
        "--png",
        str(tmp_path / "r.png"),
        "--no-progress",
        stdout=io.StringIO(),
    )
    _check(json.loads(out.read_text()))


def test_controllability_judges_only_moves_the_truth_shows():
    f0 = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    moved = np.roll(f0, -4, axis=1)  # the view moved 4 px right
    # window 1: the camera moved 4 px and the truth shows it; window 2: the camera moved again but the
    # truth looks still to the estimator (a static background filling the view)
    truth = np.stack([f0, moved, moved])[None]
    cams = np.array([[[0, 0], [4, 0], [8, 0]]])
    perfect = controllability(truth, truth, cams, window=1)
    assert perfect["controllability"] == 1.0
    assert perfect["windows"] == 1 and perfect["unjudged_windows"] == 1
    assert perfect["controllability_all_windows"] == 0.5  # the old score: the truth itself fails
    assert perfect["truth_all_windows"] == 0.5  # derived without judging the truth a second time
    frozen = controllability(np.stack([f0, f0, f0])[None], truth, cams, window=1)
    assert frozen["controllability"] == 0.0
    backwards = controllability(np.stack([f0, np.roll(f0, 4, axis=1), f0])[None], truth, cams, window=1)
    assert backwards["controllability"] == 0.0


@pytest.mark.django_db(databases=[])
def test_eval_command_measures_serving_settings_and_refuses_shape_fields(tiny_weights, tmp_path):
    from django.core.management import execute_from_command_line

    out = tmp_path / "eval.json"
    args = ["--weights", str(tiny_weights), "--episodes", "2", "--collapse-seconds", "1"]
    args += ["--collapse-sessions", "2", "--bench-frames", "4", "--png", "", "--no-progress"]
    # the command line's own path (`manage.py eval_worldmodel ... --set`), where Django reads its
    # --settings option from the parsed options: --set must not land there
    with contextlib.redirect_stdout(io.StringIO()):
        execute_from_command_line(
            ["manage.py", "eval_worldmodel", "--json", str(out), *args, "--set", "trail_tolerance=0.75"]
        )
    result = json.loads(out.read_text())
    _check(result)
    assert result["details"]["settings"] == {"trail_tolerance": 0.75}
    with pytest.raises(ValueError, match="'pixel_layers' is fixed by the weights"):
        evaluate(tiny_weights, None, None, settings={"pixel_layers": True}, progress=False)
