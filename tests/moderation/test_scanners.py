"""Scanners on synthetic clips: WCAG 2.3.1 flashes (general and red) and world collapse."""

import numpy as np
import pytest

from moderation.scanners import registry, scan_frames
from moderation.scanners.photosensitivity import PhotosensitivityScanner, count_transitions
from tests.moderation.clips import FPS, calm, flashing

photo = PhotosensitivityScanner(field_fraction=1.0)


def kinds(hits):
    return sorted({(h.scanner, h.kind) for h in hits})


def test_registry_has_the_builtin_scanners():
    assert {"photosensitivity", "collapse"} <= set(registry())


def test_calm_clip_passes_every_scanner():
    assert scan_frames(calm(), FPS) == []


@pytest.mark.parametrize("hz,fails", [(2, False), (3, False), (4, True), (5, True), (10, True)])
def test_general_flash_threshold_is_more_than_three_per_second(hz, fails):
    hits = photo.scan(flashing(hz), FPS)
    assert bool(hits) is fails
    if fails:
        hit = hits[0]
        assert hit.kind == "general_flash" and hit.severity == "block"
        assert hit.score == pytest.approx(hz, abs=0.5) and hit.start_s == 0


def test_small_flashing_area_passes_and_large_fails():
    assert photo.scan(flashing(5, area=0.16), FPS) == []  # 16% of the field
    assert kinds(photo.scan(flashing(5, area=0.36), FPS)) == [("photosensitivity", "general_flash")]


def test_field_fraction_finds_a_small_flash_on_a_big_screen():
    # Flashing 16% of the frame is 64% of a 10 degree field that spans half the frame's width.
    assert kinds(PhotosensitivityScanner(field_fraction=0.5).scan(flashing(5, area=0.16), FPS))


def test_small_luminance_changes_are_not_flashes():
    assert photo.scan(flashing(6, bright=(135, 135, 135), dark=(115, 115, 115)), FPS) == []


def test_bright_flicker_above_the_darker_limit_is_not_a_general_flash():
    # Both states have relative luminance above 0.8: WCAG does not count it.
    assert photo.scan(flashing(6, bright=(255, 255, 255), dark=(235, 235, 235)), FPS) == []


def test_saturated_red_flash_fails_even_when_luminance_barely_changes():
    hits = photo.scan(flashing(5, bright=(200, 0, 0), dark=(170, 0, 0)), FPS)
    assert kinds(hits) == [("photosensitivity", "red_flash")]


def test_unsaturated_red_change_is_not_a_red_flash():
    assert photo.scan(flashing(5, bright=(200, 120, 120), dark=(170, 110, 110)), FPS) == []


def test_flash_burst_is_located_in_time():
    clip = np.concatenate([calm(2), flashing(5, seconds=2), calm(2)])
    (hit,) = photo.scan(clip, FPS)
    assert 1.0 <= hit.start_s <= 2.1 and 3.9 <= hit.end_s <= 4.6


def test_transitions_follow_the_running_extreme():
    # A slow ramp up by 0.3 then down is one rise and one fall, not many.
    ramp = np.concatenate([np.linspace(0.1, 0.4, 30), np.linspace(0.4, 0.1, 30)])[:, None]
    assert count_transitions(ramp, delta=0.1).sum() == 2


def test_blank_clip_is_collapse():
    hits = scan_frames(np.full((40, 128, 128, 3), 30, np.uint8), FPS)
    assert ("collapse", "blank") in kinds(hits)


def test_static_noise_is_collapse():
    noise = np.random.default_rng(1).integers(0, 256, (40, 128, 128, 3), dtype=np.uint8)
    assert ("collapse", "noise") in kinds(scan_frames(noise, FPS, names=["collapse"]))


def test_frozen_world_under_varied_input_is_collapse():
    still = np.repeat(calm(0.05)[:1], 80, axis=0)
    right_only = [8] * 80
    varied = [8, 4, 1, 2] * 20
    assert scan_frames(still, FPS, names=["collapse"], actions=right_only) == []  # pushing into a wall
    assert kinds(scan_frames(still, FPS, names=["collapse"], actions=varied)) == [("collapse", "frozen")]


def test_engine_worlds_do_not_trip_the_scanners():
    from inference.backends.base import WorldSetup
    from inference.backends.engine import EngineBackend
    from moderation.bots import make_bot

    backend = EngineBackend()
    for prompt, mechanics in [
        ("a neon city in the rain", ("weather", "daynight")),
        ("a lava cave", ("hazards",)),
    ]:
        state, frame = backend.reset(WorldSetup(prompt=prompt, mechanics=mechanics, seed=4))
        bot, frames, actions = make_bot("spammer", seed=1), [frame], [0]
        for tick in range(100):
            actions.append(bot.act(frames[-1], tick))
            frames += backend.step([state], [actions[-1]])
        assert scan_frames(np.stack(frames), FPS, actions=actions) == [], prompt
