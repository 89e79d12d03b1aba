"""The management commands: screen_prompts, eval_guidelines, scan_clip, playthrough."""

import json

import pytest
from django.core.management import call_command
from PIL import Image

from tests.factories import WorldFactory
from tests.moderation.clips import FPS, calm, flashing

pytestmark = pytest.mark.django_db


def test_screen_prompts_writes_one_decision_per_line_in_order(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"prompt": "shoot for the stars"}),
                json.dumps({"prompt": "k1ll y0urs3lf"}),
                "",
                "{broken",
                json.dumps({"prompt": "my high school, my classmates", "mechanics": ["hazards"]}),
            ]
        )
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    call_command("screen_prompts", str(source), "--json", str(out))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["prompt"] for line in lines] == [
        "shoot for the stars",
        "k1ll y0urs3lf",
        None,
        "my high school, my classmates",
    ]
    assert [line["allowed"] for line in lines] == [True, False, False, True]
    assert lines[1]["category"] == "self_harm" and lines[2]["category"] == "invalid_input"
    assert lines[3]["flagged"] and lines[3]["category"] == "violence"
    assert set(lines[0]) >= {"prompt", "allowed", "category", "reason"}


def test_guidelines_meet_the_thresholds_on_the_labelled_set(tmp_path, capsys):
    """Recall >= 0.95 and false-block rate <= 0.03 on each split of the shipped set (see docs/moderation.md)."""
    out = tmp_path / "scores.json"
    call_command("eval_guidelines", "--json", str(out))
    printed = capsys.readouterr().out
    print(printed)
    scores = json.loads(out.read_text())
    for split in ("dev", "heldout"):
        assert scores[split]["violating"] >= 30 and scores[split]["benign"] >= 30
        assert scores[split]["recall"] >= 0.95, scores[split]["errors"]
        assert scores[split]["false_block_rate"] <= 0.03, scores[split]["errors"]
        assert scores[split]["false_flag_rate"] <= 0.06, scores[split]["errors"]


def _save(frames, path, fmt):
    images = [Image.fromarray(f) for f in frames]
    images[0].save(
        path,
        format=fmt,
        save_all=True,
        append_images=images[1:],
        duration=1000 // FPS,
        loop=0,
        **({"lossless": True} if fmt == "WEBP" else {}),
    )


@pytest.mark.parametrize("fmt,suffix", [("GIF", "gif"), ("WEBP", "webp")])
def test_scan_clip_flags_a_flashing_clip_and_passes_a_calm_one(tmp_path, fmt, suffix):
    for name, frames, flagged in [("flash", flashing(5, area=0.5), True), ("calm", calm(), False)]:
        clip, out = tmp_path / f"{name}.{suffix}", tmp_path / f"{name}.json"
        _save(frames, clip, fmt)
        call_command("scan_clip", str(clip), "--json", str(out))
        result = json.loads(out.read_text())
        assert result["flagged"] is flagged
        # Encoders merge repeated frames; the reader restores timing, so the clip still lasts 3 s.
        assert result["frames"] / result["fps"] == pytest.approx(len(frames) / FPS)
        if flagged:
            assert {(h["scanner"], h["kind"]) for h in result["hits"]} == {
                ("photosensitivity", "general_flash")
            }


def test_scan_clip_reads_mp4(tmp_path):
    import av

    for name, frames, flagged in [("flash", flashing(5, area=0.5), True), ("calm", calm(), False)]:
        clip, out = tmp_path / f"{name}.mp4", tmp_path / f"{name}.json"
        with av.open(str(clip), "w") as container:
            stream = container.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
            for frame in frames:
                container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            container.mux(stream.encode())
        call_command("scan_clip", str(clip), "--json", str(out))
        result = json.loads(out.read_text())
        assert result["flagged"] is flagged
        assert result["frames"] == len(frames)
        if flagged:
            assert ("photosensitivity", "general_flash") in {
                (h["scanner"], h["kind"]) for h in result["hits"]
            }


def test_scan_clip_reads_a_folder_of_frames(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(flashing(5, seconds=2)):
        Image.fromarray(frame).save(folder / f"{i:04d}.png")
    out = tmp_path / "out.json"
    call_command("scan_clip", str(folder), "--json", str(out), "--fps", "20")
    assert json.loads(out.read_text())["flagged"] is True


def test_playthrough_command_records_every_bot(tmp_path, capsys):
    world = WorldFactory()
    out = tmp_path / "run.json"
    call_command("playthrough", str(world.pk), "--seconds", "1", "--json", str(out))
    summary = json.loads(out.read_text())
    assert [p["policy"] for p in summary["playthroughs"]] == ["random", "explorer", "spammer"]
    assert all(p["status"] == "done" and p["frames"] == 20 for p in summary["playthroughs"])
    assert "3 bots x 1 s of play" in capsys.readouterr().out
    world.refresh_from_db()
    assert world.status == "published"  # untouched without --conclude
