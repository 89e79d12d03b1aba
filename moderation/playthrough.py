"""Bot playthroughs: play a world with every bot of a run through the serving backend, record, scan, store.

All bots of a run step together: one `backend.step(states, actions)` call per tick for the whole batch, the
same backend (inference.serving.get_backend) and the same start (worlds.selectors.world_play_setup) the feed
uses. Bots play as fast as the backend allows, not in real time; recordings play back at the feed's fps.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from inference.actions import names_from_buttons
from moderation.bots import CoverageTracker, make_bot
from moderation.clips import encode_animation, encode_filmstrip
from moderation.models import Playthrough
from moderation.scanners import scan_frames
from worlds.models import World

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int], None]  # (frames done across all bots, frames in total)
PROGRESS_SAVE_SECONDS = 0.5


def _world_setup(world: World):
    from inference.serving import world_setup
    from worlds.selectors import world_play_setup

    play = world_play_setup(world=world)
    spawn = play.get("spawn_state")
    return world_setup(
        prompt=play["prompt"],
        mechanics=play.get("mechanics", []),
        seed=play.get("seed", 0),
        reference_image=play.get("reference_image"),
        spawn_state=base64.b64decode(spawn) if spawn else None,
    )


def playthroughs_play(
    *, world_id: int, run: uuid.UUID | str, progress: ProgressCallback | None = None
) -> list[Playthrough]:
    """Play, scan and store every unfinished Playthrough of `run`; returns all of the run's rows.

    Idempotent: rows already done or failed are left alone. A backend error fails the unfinished rows (with
    the error stored) instead of raising, so the review can conclude and a moderator sees why.
    """
    from inference.serving import get_backend

    world = World.objects.get(pk=world_id)
    rows = list(Playthrough.objects.filter(world_id=world_id, run=run).order_by("pk"))
    todo = [r for r in rows if r.status not in (Playthrough.Status.DONE, Playthrough.Status.FAILED)]
    if not todo:
        return rows
    try:
        backend = get_backend()
        setup = _world_setup(world)
        recordings = _play(backend, setup, todo, progress)
    except Exception as error:
        log.exception("bot playthroughs of world %s failed", world_id)
        Playthrough.objects.filter(pk__in=[r.pk for r in todo]).update(
            status=Playthrough.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return list(Playthrough.objects.filter(world_id=world_id, run=run).order_by("pk"))
    for row, (frames, actions, coverage) in zip(todo, recordings, strict=True):
        _scan_and_store(row, frames, actions, coverage)
    return list(Playthrough.objects.filter(world_id=world_id, run=run).order_by("pk"))


def _play(backend, setup, rows: list[Playthrough], progress: ProgressCallback | None):
    started = timezone.now()
    Playthrough.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Playthrough.Status.RUNNING, started_at=started, backend=backend.name[:32], frames_done=0
    )
    bots = [make_bot(r.policy, seed=r.seed) for r in rows]
    states, first = [], []
    for row in rows:
        state, frame = backend.reset(replace(setup, seed=row.seed))
        states.append(state)
        first.append(frame)
    target = max(r.frames_target for r in rows)
    frames = [[f] for f in first]
    actions: list[list[int]] = [[0] for _ in rows]  # the first frame is the reset's, under no action
    trackers = [CoverageTracker() for _ in rows]
    for tracker, frame in zip(trackers, first, strict=True):
        tracker.add(0, frame)
    last_saved = time.monotonic()
    for tick in range(1, target):
        live = [i for i, r in enumerate(rows) if tick < r.frames_target]
        chosen = [bots[i].act(frames[i][-1], tick - 1) for i in live]
        produced = backend.step([states[i] for i in live], chosen)  # one batch for every bot
        for i, action, frame in zip(live, chosen, produced, strict=True):
            frames[i].append(frame)
            actions[i].append(action)
            trackers[i].add(action, frame)
        if progress:
            progress(sum(len(f) for f in frames), sum(r.frames_target for r in rows))
        if time.monotonic() - last_saved > PROGRESS_SAVE_SECONDS:
            last_saved = time.monotonic()
            for i, row in enumerate(rows):
                Playthrough.objects.filter(pk=row.pk).update(frames_done=len(frames[i]))
    return [(np.stack(f), a, t.summary()) for f, a, t in zip(frames, actions, trackers, strict=True)]


def _events(actions: list[int], hits: list[dict], fps: float, coverage: dict) -> bytes:
    lines, last = [], None
    for tick, action in enumerate(actions):
        if action != last:
            lines.append(
                {
                    "type": "action",
                    "frame": tick,
                    "t": round(tick / fps, 3),
                    "buttons": names_from_buttons(action),
                    "mask": action,
                }
            )
            last = action
    lines += [{"type": "hit", "frame": h["start_frame"], "t": h["start_s"], **h} for h in hits]
    lines.sort(key=lambda e: (e["frame"], e["type"] != "action"))
    lines.append(
        {"type": "end", "frame": len(actions), "t": round(len(actions) / fps, 3), "coverage": coverage}
    )
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


def _scan_and_store(row: Playthrough, frames: np.ndarray, actions: list[int], coverage: dict) -> None:
    Playthrough.objects.filter(pk=row.pk).update(status=Playthrough.Status.SCANNING, frames_done=len(frames))
    hits = [h.as_json() for h in scan_frames(frames, row.fps, actions=actions)]
    name = f"world-{row.world_id}-{row.run.hex[:8]}-{row.policy}"
    row.refresh_from_db()
    row.video.save(f"{name}.webp", ContentFile(encode_animation(frames, row.fps)), save=False)
    strip, columns = encode_filmstrip(frames)
    row.filmstrip.save(f"{name}-strip.jpg", ContentFile(strip), save=False)
    row.filmstrip_columns = columns
    row.events.save(f"{name}.jsonl", ContentFile(_events(actions, hits, row.fps, coverage)), save=False)
    row.coverage, row.hits, row.flagged = coverage, hits, bool(hits)
    row.frames_done, row.status, row.finished_at = len(frames), Playthrough.Status.DONE, timezone.now()
    row.save()
