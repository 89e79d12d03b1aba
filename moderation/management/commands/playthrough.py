"""`python manage.py playthrough <world id>`: run the bot playthroughs of a world here, with a progress bar.

Plays every bot policy (one batch through the serving backend), scans and stores the Playthroughs, and
prints coverage and hits. --conclude then applies the result to a pending world as the Celery task would
(publish when clean, else a review case); without it the world's status is left alone.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from moderation.conf import setting
from moderation.models import Playthrough
from worlds.models import World


class Command(BaseCommand):
    help = "Play a world with the moderation bots now (no Celery), store and scan the recordings."

    def add_arguments(self, parser):
        parser.add_argument("world_id", type=int)
        parser.add_argument(
            "--seconds", type=float, help="seconds of play per bot (default MODERATION_BOT_SECONDS)"
        )
        parser.add_argument(
            "--policies", help="comma-separated bot policies (default MODERATION_BOT_POLICIES)"
        )
        parser.add_argument(
            "--conclude",
            action="store_true",
            help="then publish the pending world if clean, else open a review case",
        )
        parser.add_argument("--json", dest="out", help="write a summary of the run as JSON here")

    def handle(
        self,
        *args,
        world_id: int,
        seconds: float | None,
        policies: str | None,
        conclude: bool,
        out: str | None,
        **options,
    ):
        from tqdm import tqdm

        from moderation.bots import POLICIES
        from moderation.playthrough import playthroughs_play
        from moderation.services import playback_fps, playthroughs_create, world_review_conclude

        world = World.objects.filter(pk=world_id).first()
        if world is None:
            raise CommandError(f"no world {world_id}")
        names = (
            [p.strip() for p in policies.split(",")] if policies else list(setting("MODERATION_BOT_POLICIES"))
        )
        unknown = sorted(set(names) - set(POLICIES))
        if unknown:
            raise CommandError(f"unknown policies {unknown}; known: {sorted(POLICIES)}")
        fps = playback_fps()
        with transaction.atomic():
            run = playthroughs_create(world=world, policies=names, seconds=seconds)
        frames = Playthrough.objects.filter(run=run).values_list("frames_target", flat=True).first()
        bar = tqdm(total=frames * len(names), unit="frame", desc=f"world {world_id}", file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        began = time.perf_counter()
        rows = playthroughs_play(world_id=world_id, run=run, progress=progress)
        bar.update(bar.total - bar.n)
        bar.close()
        elapsed = time.perf_counter() - began
        summary = {
            "world": world_id,
            "run": str(run),
            "seconds_per_bot": frames / fps,
            "wall_seconds": round(elapsed, 2),
            "playthroughs": [],
        }
        for row in rows:
            summary["playthroughs"].append(
                {
                    "id": row.pk,
                    "policy": row.policy,
                    "status": row.status,
                    "frames": row.frames_done,
                    "coverage": row.coverage,
                    "hits": row.hits,
                    "video": row.video.name,
                    "error": row.error,
                }
            )
            hits = ", ".join(f"{h['scanner']}:{h['kind']}@{h['start_s']}s" for h in row.hits) or "no hits"
            cov = row.coverage
            self.stdout.write(
                f"{row.policy:9s} {row.status:7s} {row.frames_done} frames  views={cov.get('distinct_views', 0)} "
                f"actions={cov.get('distinct_actions', 0)}  {hits}  {row.video.name or row.error}"
            )
        self.stdout.write(f"{len(rows)} bots x {frames / fps:g} s of play in {elapsed:.1f} s wall")
        if conclude:
            world_review_conclude(world_id=world_id, run=run)
            world.refresh_from_db()
            self.stdout.write(f"world {world_id} is now {world.status}")
            summary["status"] = world.status
        if out:
            with open(out, "w") as handle:
                json.dump(summary, handle, indent=2)
