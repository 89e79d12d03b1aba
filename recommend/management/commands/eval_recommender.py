"""`python manage.py eval_recommender --seed N --users U --worlds W --json OUT`: offline evaluation.

Runs a simulated population through the live ranking code and the baselines (recommend.simulation.runner
documents the protocol and metrics) and writes {"policies": {"ranker": {...}, "popularity": {...},
"random": {...}, "als": {...}}, ...}. Everything it writes to the database is rolled back.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommend.simulation.policies import POLICIES
from recommend.simulation.runner import evaluate


class Command(BaseCommand):
    help = "Evaluate the recommender offline on a simulated population; print and optionally save JSON."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--worlds", type=int, default=1000)
        parser.add_argument(
            "--rounds", type=int, default=6, help="evaluated rounds (one session per viewer each)"
        )
        parser.add_argument("--warmup-rounds", type=int, default=2, help="shared random-policy rounds first")
        parser.add_argument("--policies", default=",".join(POLICIES), help="comma-separated subset")
        parser.add_argument("--json", dest="json_path", default=None, help="write the result here")

    def handle(self, *args, seed, users, worlds, rounds, warmup_rounds, policies, json_path, **options):
        if users < 1 or worlds < 10 or rounds < 1 or warmup_rounds < 0:
            raise CommandError("need --users >= 1, --worlds >= 10, --rounds >= 1, --warmup-rounds >= 0")
        names = tuple(p.strip() for p in policies.split(",") if p.strip())
        try:
            result = evaluate(
                seed=seed,
                users=users,
                worlds=worlds,
                rounds=rounds,
                warmup_rounds=warmup_rounds,
                policies=names,
                log=lambda line: self.stderr.write(line),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        result["lift"] = _lift(result["policies"])
        text = json.dumps(result, indent=2)
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(text + "\n")
        self.stdout.write(text)


def _lift(policies: dict) -> dict:
    """Ranker vs each baseline: relative play time per session and coverage ratio."""
    ranker = policies.get("ranker")
    if not ranker:
        return {}
    out = {}
    for name, other in policies.items():
        if name == "ranker":
            continue
        base = other["play_time_per_session"]
        out[name] = {
            "play_time": round(ranker["play_time_per_session"] / base - 1, 4) if base else None,
            "coverage_ratio": round(ranker["coverage"] / other["coverage"], 3) if other["coverage"] else None,
        }
    return out
