"""`python -m inference.evaluation --json PATH` — same as manage.py eval_worldmodel."""

from __future__ import annotations

import argparse
import json

from inference.evaluation.evaluate import DEFAULT_PNG, evaluate
from inference.model.config import add_settings_option


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", dest="json_path", default=None, help="write the result JSON object here")
    p.add_argument(
        "--png", default=str(DEFAULT_PNG), help="rollouts-vs-truth image (default docs/eval/rollouts.png)"
    )
    p.add_argument("--weights", default=None, help="weights file (default inference/weights/worldmodel.pt)")
    p.add_argument("--episodes", type=int, default=24)
    p.add_argument("--horizon", type=int, default=32)
    p.add_argument("--collapse-seconds", type=float, default=600.0)
    p.add_argument("--collapse-sessions", type=int, default=4)
    p.add_argument("--bench-frames", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None)
    p.add_argument("--threads", type=int, default=2)
    add_settings_option(
        p, "override a serving setting of the weights (name=JSON value), e.g. --set trail_tolerance=0.75"
    )
    p.add_argument("--no-progress", action="store_true")


def run(a) -> dict:
    return evaluate(
        weights=a.weights,
        json_path=a.json_path,
        png_path=a.png or None,
        episodes=a.episodes,
        horizon=a.horizon,
        collapse_seconds=a.collapse_seconds,
        collapse_sessions=a.collapse_sessions,
        bench_frames=a.bench_frames,
        seed=a.seed,
        device=a.device,
        threads=a.threads,
        progress=not a.no_progress,
        settings=dict(getattr(a, "serving_settings", None) or []),
    )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m inference.evaluation", description=__doc__)
    add_arguments(p)
    print(json.dumps(run(p.parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
