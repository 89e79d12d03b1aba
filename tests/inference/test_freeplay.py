"""Validation free play (`python -m inference.evaluation.freeplay`): the tool serving settings are chosen with."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from inference.backends.neural import DEFAULT_WEIGHTS
from inference.evaluation import freeplay

pytestmark = pytest.mark.skipif(not DEFAULT_WEIGHTS.exists(), reason="shipped weights missing")


def test_plays_validation_sessions_and_saves_their_strips(tmp_path, capsys):
    png = tmp_path / "strips.png"
    freeplay.main(
        ["--episodes", "0,5", "--seconds", "0.5", "--set", "backdrop_tolerance=0", "--png", str(png)]
    )
    out = json.loads(capsys.readouterr().out)
    assert out["episodes"] == [0, 5] and out["cameras"] == ["topdown", "side"]
    assert out["settings"] == {"backdrop_tolerance": 0}
    assert out["collapse_free_seconds"] == [0.5, 0.5] and out["failures"] == [None, None]
    assert Image.open(png).size[1] == 2 * 128  # one strip per session


def test_bad_arguments_are_clear_errors():
    with pytest.raises(SystemExit):
        freeplay.main(["--set", "carry_flow"])  # no value
    with pytest.raises(SystemExit):
        freeplay.main(["--set", "carry_flow=yes please"])  # not JSON
    with pytest.raises(SystemExit):
        freeplay.main(["--episodes", "24"])  # beyond the validation split
    with pytest.raises(ValueError, match="no ModelConfig setting named 'carry'"):
        freeplay.freeplay([0], 0.1, {"carry": True})
    with pytest.raises(ValueError, match="'pixel_layers' is fixed by the weights"):
        freeplay.freeplay([0], 0.1, {"pixel_layers": True})


def test_open_loop_scores_the_shipped_model_above_copy_last():
    out = freeplay.open_loop(horizon=8)
    assert set(out["psnr"]) == set(out["psnr_copy_last"]) == {"1", "8"}
    assert out["psnr"]["1"] > out["psnr_copy_last"]["1"] and out["psnr"]["8"] > out["psnr_copy_last"]["8"]
    assert 0.9 <= out["controllability"] <= 1.0


def test_strips_show_truth_and_each_weights_rollout(tmp_path, capsys):
    png = tmp_path / "strips.png"
    w = str(DEFAULT_WEIGHTS)
    freeplay.main(["--strips", str(png), "--episodes", "5", "--steps", "3", "--weights", f"{w},{w}"])
    assert json.loads(capsys.readouterr().out)["weights"] == [w, w]
    img = Image.open(png)
    assert img.size == (96 + 3 * 128, 3 * 128)  # truth + two rollouts, three frames each
    px = np.asarray(img)[:, 96:]
    assert np.array_equal(px[128:256], px[256:])  # the same weights roll out the same frames
    assert not np.array_equal(px[:128], px[128:256])  # ... which are the model's, not the truth
    with pytest.raises(SystemExit):
        freeplay.main(["--strips", str(png), "--episodes", "5", "--steps", "40"])  # beyond the episode


def test_error_split_says_where_the_validation_error_lies(capsys):
    freeplay.main(["--error-split", "2"])
    out = json.loads(capsys.readouterr().out)
    assert out["step"] == 2 and len(out["episodes"]) == 24
    for e in out["episodes"]:
        total = sum(e["share"].values())
        assert total == pytest.approx(1, abs=0.01) or (total == 0 and e["psnr"] == 60)
    with pytest.raises(SystemExit):
        freeplay.main(["--error-split", "40"])  # beyond the episodes
