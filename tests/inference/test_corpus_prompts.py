"""Prompt -> WorldSpec: theme matching, camera from wording or seed, validation, example prompt splits."""

from __future__ import annotations

import numpy as np
import pytest

from inference.corpus.prompts import (
    EXAMPLE_PROMPTS,
    HELDOUT_PROMPTS,
    TRAIN_PROMPTS,
    camera_from_prompt,
    match_theme,
    random_spec,
    sample_prompt,
    spec_from_prompt,
)
from inference.corpus.spec import CAMERAS, MECHANICS, THEMES, WorldSpec


@pytest.mark.parametrize(
    ("prompt", "theme"),
    [
        ("a snowy mountain village", "snow"),
        ("cyberpunk streets with neon signs", "neon_city"),
        ("an erupting volcano full of lava", "lava_cave"),
        ("a haunted cemetery with ghosts", "graveyard"),
        ("tropical beach with palm trees", "ocean"),
        ("sand dunes and cactus", "desert"),
        ("a land of lollipops and candy", "candy"),
        ("knights defending a stone castle", "castle"),
        ("orbital space station corridors", "space_station"),
        ("falling orange maple leaves", "autumn"),
    ],
)
def test_clear_prompts_pick_sensible_themes(prompt, theme):
    assert spec_from_prompt(prompt, [], seed=0).theme == theme


def test_heldout_prompts_mostly_match_their_theme():
    pairs = [(p, t) for t, ps in HELDOUT_PROMPTS.items() for p in ps]
    accuracy = np.mean([match_theme(p) == t for p, t in pairs])
    assert accuracy >= 0.8, accuracy


def test_camera_from_wording_else_seed():
    assert spec_from_prompt("a side-scrolling jungle platformer", [], 1).camera == "side"
    assert spec_from_prompt("top-down forest adventure", [], 1).camera == "topdown"
    assert camera_from_prompt("explore the map from above") == "topdown"
    assert spec_from_prompt("a snowy village", [], 1, camera="side").camera == "side"
    cams = {spec_from_prompt("a snowy village", [], s).camera for s in range(12)}
    assert cams == set(CAMERAS)  # unspecified: spread over cameras by seed
    assert spec_from_prompt("a snowy village", [], 5) == spec_from_prompt("a snowy village", [], 5)


def test_mechanics_validated_and_kept():
    spec = spec_from_prompt("forest", ["gravity", "weather"], 3)
    assert spec.mechanics == frozenset({"gravity", "weather"}) and spec.seed == 3
    with pytest.raises(ValueError, match="unknown mechanic"):
        spec_from_prompt("forest", ["gravity", "flying"], 3)
    with pytest.raises(ValueError, match="unknown camera"):
        spec_from_prompt("forest", [], 3, camera="iso")


def test_blank_prompt_uses_seed():
    specs = {spec_from_prompt("  ", [], s).theme for s in range(40)}
    assert len(specs) > 4 and specs <= set(THEMES)


def test_example_prompt_splits():
    assert set(EXAMPLE_PROMPTS) == set(THEMES)
    for t in THEMES:
        assert len(TRAIN_PROMPTS[t]) >= 4 and len(HELDOUT_PROMPTS[t]) >= 1
        assert not set(TRAIN_PROMPTS[t]) & set(HELDOUT_PROMPTS[t])


def test_random_spec_and_sample_prompt():
    rng = np.random.default_rng(0)
    specs = [random_spec(rng) for _ in range(200)]
    assert all(isinstance(s, WorldSpec) for s in specs)
    assert {s.theme for s in specs} == set(THEMES) and {s.camera for s in specs} == set(CAMERAS)
    assert set().union(*(s.mechanics for s in specs)) == set(MECHANICS)
    p = sample_prompt(specs[0], rng, "heldout")
    assert any(p.startswith(h) for h in HELDOUT_PROMPTS[specs[0].theme])
