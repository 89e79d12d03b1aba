"""Hyper-parameters of the world model, stored inside every checkpoint so weights are self-describing."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field

_TUPLES = ("mechanics", "channels", "blocks", "token_channels", "token_blocks")
#: the fields that shape the networks' tensors: fixed by the weights, unlike the serving settings
SHAPE_FIELDS = (
    "frame_size", "patch", "context", "text_dim", "mechanics", "cond_dim", "channels", "blocks",
    "codebook_size", "token_embed", "token_channels", "token_blocks", "pixel_layers",
)  # fmt: skip


@dataclass
class ModelConfig:
    """Shape of the model. `patch` is the space-to-depth factor of the frame latent (128/patch cells)."""

    frame_size: int = 128
    patch: int = 4
    context: int = 4
    text_dim: int = 384
    mechanics: tuple[str, ...] = ()
    cond_dim: int = 128
    channels: tuple[int, ...] = (32, 64, 128)
    blocks: tuple[int, ...] = (1, 1, 1)
    #: discrete tokens (inference.model.tokens): k-means codebook size over latent cells, and the
    #: masked-token generator that draws new content (text to world, revealed edges)
    codebook_size: int = 1024
    token_embed: int = 64
    token_channels: tuple[int, ...] = (48, 96, 192)
    token_blocks: tuple[int, ...] = (1, 2, 2)
    #: text to world: masked-decoding steps, sampling temperature, classifier-free guidance, top-k,
    #: Gumbel noise on the keep-order (serving settings: chosen on a validation split of training
    #: prompts with unseen seeds, never on the held-out evaluation set)
    first_steps: int = 12
    first_temperature: float = 1.0
    first_guidance: float = 1.5
    first_top_k: int = 0
    first_choice_noise: float = 2.5
    #: every tick, cells the camera reveals are redrawn from tokens: decoding steps and temperature
    reveal_steps: int = 3
    reveal_temperature: float = 0.9
    reveal_top_k: int = 16
    #: ... given a band of this many known cells around them (the token net runs on that crop only)
    reveal_margin: int = 6
    #: ... ahead of time: a margin of this many cells beyond every edge is drawn whole cells at a time
    #: and scrolls into view like on-screen content (inference.model.margin); 0 = draw each tick's
    #: revealed pixels on the spot
    reveal_lookahead: int = 2
    #: context-noise level the dynamics net is told at serving time (it is trained on a range)
    serve_sigma: float = 0.0
    #: the dynamics net also predicts a motion field that warps the last frame (scrolling is copied,
    #: never re-synthesised); flow_scale = pixels per unit of the raw head output
    flow_scale: float = 2.0
    #: at serving time, round motion vectors within this distance of a whole pixel (camera moves are
    #: integral here; 0.5 == always), which keeps long rollouts free of the blur repeated sub-pixel
    #: resampling would accumulate; uncertain (far from integral) vectors stay smooth. Always rounding
    #: kept ground texture from blurring flat in long free play, but tore side-view sprites apart in
    #: the first seconds (held-out PSNR@8 -0.9 dB, docs/model_card.md), so it is not the default
    snap_flow: float = 0.2
    #: ... and move the other vectors in whole pixels too, carrying the fractional part from tick to
    #: tick (error diffusion, `WorldModel.serve_flow`), as the game draws a layer that scrolls 0.6 px
    #: per tick; off = resample them bilinearly, a blur that repeated every tick wears texture flat
    #: (validation free play, 4 sessions of 300 s: 300/179/300/19 s collapse-free off, 300 x 4 on)
    carry_flow: bool = True
    #: disocclusion: an output pixel whose source lies in a cell moving differently from its own (by
    #: more than this many pixels) shows map that was hidden behind a sprite standing still on screen
    #: (the avatar, the sun); copying the source would drag the sprite into a trail, so such pixels are
    #: drawn from tokens like revealed map (in one decoding step, given a band of `occlusion_band`
    #: cells: a sliver of a few cells each tick, where full decoding would cost more than the dynamics).
    #: 0 = off (copy, and leave it to the residual): the default on this 2-core CPU, where it raised the
    #: held-out bench from 25.9 to 66 ms per frame (docs/model_card.md); worth 0.75 where compute is cheap
    occlusion_tolerance: float = 0.0
    #: ... the cheap way, on by default: such pixels are copied from a per-session backdrop memory that
    #: keeps the map last seen under each sprite (inference.model.backdrop); 0 = off
    backdrop_tolerance: float = 0.75
    #: pixels a sprite moving on screen leaves behind (`inference.model.trails`: not the sprite's now,
    #: but copying what the sprite's pixels copy) show the backdrop where it has seen the map there,
    #: else the nearest map pixel of their row, instead of a stale copy of the sprite (its trail);
    #: sprites are the cells moving off the map's motion by more than this many px. 0 = off
    trail_tolerance: float = 0.0
    #: with `trail_tolerance` and pixel layers: the sprite's pixels are carried from tick to tick
    #: (`trails.carry_sprites`) instead of re-read from the layer head every tick, so a sprite moves as
    #: one rigid shape (a jumping avatar neither stretches into a column nor wears thin), and the
    #: pixels it vacates are exactly those copying its last position. Off = the layer head every tick
    sprite_memory: bool = False
    #: the residual's values within this many grey levels (of 255) of zero are dropped at serving time:
    #: the net's near-zero residual is not zero, and a bias of half a level, rounded into the uint8
    #: frame every tick, climbs one level per tick over a scene that stands still. 0 = off
    residual_floor: float = 0.0
    occlusion_steps: int = 1
    occlusion_band: int = 4
    #: pixel layers: the dynamics net also says, for every pixel, whether it moves with its own cell's
    #: motion (a sprite) or with the map's (the median motion of the 7x7 cells around it,
    #: `backdrop.background_flow`). A 4x4-pixel cell that holds both the avatar and the sky beside it
    #: can then move both right; with one vector per cell the net can only hedge between them, and the
    #: hedge pulls the sprite apart (docs/decisions.md, "Pixel layers"). Trained as a soft blend of the
    #: two warps, served as a hard choice, so pixels are still copied, never blended. Off = one motion
    #: per cell (weights trained before stage 6)
    pixel_layers: bool = False
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in _TUPLES:
            d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        d = dict(d)
        for k in _TUPLES:
            if k in d:
                d[k] = tuple(d[k])
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def latent_channels(self) -> int:
        return 3 * self.patch * self.patch

    @property
    def latent_size(self) -> int:
        return self.frame_size // self.patch

    @classmethod
    def tiny(cls, mechanics: tuple[str, ...] = ()) -> ModelConfig:
        """A very small config for tests / CI smoke runs."""
        return cls(
            mechanics=mechanics,
            cond_dim=32,
            channels=(8, 16),
            blocks=(1, 1),
            codebook_size=32,
            token_embed=8,
            token_channels=(8, 16),
            token_blocks=(1, 1),
            first_steps=2,
        )


def apply_serving_settings(cfg: ModelConfig, settings: dict | None) -> ModelConfig:
    """Override serving settings of `cfg` in place (name -> value) and return it; a clear ValueError for a
    name that is no ModelConfig field, one that shapes the networks (fixed by the weights), or a
    combination that would be a silent no-op (`sprite_memory` without what it builds on)."""
    for name, value in (settings or {}).items():
        if name not in cfg.__dataclass_fields__:
            raise ValueError(f"no ModelConfig setting named {name!r}")
        if name in SHAPE_FIELDS:
            raise ValueError(f"{name!r} is fixed by the weights (the networks' shape), not a serving setting")
        setattr(cfg, name, value)
    if cfg.sprite_memory and not (cfg.pixel_layers and cfg.trail_tolerance > 0):
        # the memory tells sprites from the map with the trail fill's tolerance and needs the layer head
        raise ValueError(
            "sprite_memory needs weights with pixel layers and trail_tolerance > 0 (e.g. "
            "--set trail_tolerance=0.75); without them it would change nothing"
        )
    return cfg


def parse_setting(text: str) -> tuple[str, object]:
    """ "name=value" (value in JSON) -> (name, value), for a `--set` option; a clear error otherwise."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected name=value")
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: the value must be JSON ({error})") from None


def add_settings_option(parser: argparse.ArgumentParser, help: str) -> None:
    """A repeatable `--set name=value` option; the (name, value) pairs land in `serving_settings`."""
    parser.add_argument(
        "--set",
        # not "settings": a Django management command's own --settings (the settings module) has that dest
        dest="serving_settings",
        type=parse_setting,
        action="append",
        default=[],
        help=help,
    )
