"""`python -m inference.training [--steps N] [--out DIR] [--smoke] [--fresh]` — same as manage.py train_worldmodel."""

from __future__ import annotations

import os

# On a shared CPU, spinning OpenMP workers waste the cores other processes need (and stall when
# descheduled); passive waiting is ~2x faster there and costs nothing on a dedicated machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json

from inference.model.config import add_settings_option  # noqa: E402
from inference.training.train import TrainConfig, train  # noqa: E402


def parse_horizon_schedule(text: str) -> tuple:
    """'6' -> ((0.0, 6),); '0:2,0.5:6' -> ((0.0, 2), (0.5, 6)). Fractions ascend from 0, horizons >= 1."""
    try:
        if ":" not in text:
            schedule = ((0.0, int(text)),)
        else:
            schedule = tuple((float(f), int(k)) for f, k in (part.split(":") for part in text.split(",")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a horizon or FRAC:K list: {text!r}") from None
    fracs = [f for f, _ in schedule]
    if fracs[0] != 0.0 or fracs != sorted(fracs) or fracs[-1] >= 1.0 or min(k for _, k in schedule) < 1:
        raise argparse.ArgumentTypeError(
            f"fractions must ascend from 0 (below 1) and horizons be >= 1: {text!r}"
        )
    return schedule


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", type=int, default=None, help="total optimisation steps")
    p.add_argument("--out", default=None, help="run dir for checkpoints + log (default var/train/worldmodel)")
    p.add_argument(
        "--export",
        default=None,
        help="where to write the final weights (default inference/weights/worldmodel.pt)",
    )
    p.add_argument("--smoke", action="store_true", help="a few steps of a tiny model on tiny data (CI)")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--episodes", type=int, default=None)
    p.add_argument(
        "--until", type=int, default=None, help="stop after this many total steps (schedule still --steps)"
    )
    p.add_argument(
        "--init",
        default=None,
        help="warm start: a weights file whose tensors of matching name and shape initialise the model",
    )
    p.add_argument("--batch-tokens", type=int, default=None, help="frames per step for the token net")
    p.add_argument(
        "--tokens-only",
        action="store_true",
        help="train only the token net (text to world, revealed edges); the dynamics net stays as --init",
    )
    p.add_argument(
        "--dynamics-only",
        action="store_true",
        help="train only the dynamics net (next frame); the token net stays as --init",
    )
    p.add_argument(
        "--motion-weight",
        type=float,
        default=None,
        help="extra loss weight on cells the camera move does not explain (sprites, particles, HUD)",
    )
    p.add_argument(
        "--coarse-weight",
        type=float,
        default=None,
        help="weight of an L1 loss on frames blurred over 16/32 px (a sprite drawn off costs less than erasing it)",
    )
    p.add_argument(
        "--sprite-weight",
        type=float,
        default=None,
        help="weight of the motion field's L1 to the recorded sprite offsets (avatar, hazards) + layer loss",
    )
    p.add_argument(
        "--pixel-layers",
        action="store_true",
        help="every pixel moves with its own cell or with the map (a sprite and the sky beside it in one cell)",
    )
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (default 1e-3)")
    p.add_argument(
        "--horizon",
        type=parse_horizon_schedule,
        default=None,
        help="rollout horizon: K for every step, or FRAC:K,... by fraction of training (default 0:2,0.3:4,0.7:6)",
    )
    add_settings_option(
        p,
        "a serving setting stamped into the exported weights (name=JSON value), e.g. --set "
        "trail_tolerance=0.75; a finished run re-run with other settings only re-exports",
    )
    p.add_argument("--no-progress", action="store_true")


def config_from_args(a) -> TrainConfig:
    kw = {
        "seed": a.seed,
        "threads": a.threads,
        "tokens_only": a.tokens_only,
        "dynamics_only": a.dynamics_only,
        "pixel_layers": a.pixel_layers,
        "serving": dict(a.serving_settings),
    }
    if a.horizon is not None:
        kw["horizon_schedule"] = a.horizon
    for name in (
        "steps",
        "out",
        "export",
        "batch",
        "batch_tokens",
        "episodes",
        "init",
        "motion_weight",
        "coarse_weight",
        "sprite_weight",
        "lr",
    ):
        v = getattr(a, name)
        if v is not None:
            kw[name] = v
    return TrainConfig.smoke_config(**kw) if a.smoke else TrainConfig(**kw)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m inference.training", description=__doc__)
    add_arguments(p)
    a = p.parse_args(argv)
    try:
        summary = train(config_from_args(a), resume=not a.fresh, progress=not a.no_progress, until=a.until)
    except ValueError as error:
        p.error(str(error))
    print(json.dumps({k: v for k, v in summary.items() if k != "final"}, default=str))


if __name__ == "__main__":
    main()
