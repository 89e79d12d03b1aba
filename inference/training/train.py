"""The world-model training loop: seeded, resumable, tqdm progress, periodic checkpoints.

Before the first step, a k-means codebook of latent cells is fitted (the token vocabulary).
One iteration = a batch of windows for the dynamics net (context-noise augmentation + a K-step
rollout in which the model's own predictions become its context, loss on every step) plus a batch
of frames for the masked-token net (cross-entropy on masked cells). Randomness of step s comes from a generator seeded
with (seed, s), so a resumed run draws exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from inference.model import ModelConfig, WorldModel, save_worldmodel
from inference.model.config import apply_serving_settings
from inference.model.tokens import kmeans_codebook, random_token_mask, token_loss, tokenize
from inference.training.data import CACHE_DIR, EpisodeSet, WindowSampler, load_or_record
from inference.training.motion import camera_unexplained, coarse_error
from inference.training.sprites import sprite_layers, sprite_loss, sprite_targets

REPO = Path(__file__).resolve().parents[2]
DEFAULT_WEIGHTS = REPO / "inference" / "weights" / "worldmodel.pt"
DEFAULT_RUN_DIR = REPO / "var" / "train" / "worldmodel"


@dataclass
class TrainConfig:
    steps: int = 2400
    batch: int = 24
    batch_tokens: int = 24
    lr: float = 1e-3
    warmup: int = 100
    weight_decay: float = 0.01
    ema: float = 0.998
    #: (fraction of training, rollout horizon) — horizon grows as training proceeds
    horizon_schedule: tuple = ((0.0, 2), (0.3, 4), (0.7, 6))
    sigma_max: float = 0.15
    sigma_zero_prob: float = 0.4
    cfg_dropout: float = 0.1
    flow_aux: float = 0.03
    #: extra photometric weight on latent cells the true camera move does not explain (the next frame
    #: differs there from the last one shifted by the camera: the avatar, hazards, particles, the HUD,
    #: parallax layers). They are a few percent of a frame, so an unweighted loss is nearly satisfied by
    #: scrolling everything with the camera, which tears and fades exactly those sprites; the flow
    #: auxiliary is not applied on them either. 0 = every cell alike (stages 1-3)
    motion_weight: float = 0.0
    #: weight of an L1 loss on frames box-blurred over 16 and 32 pixels (`motion.coarse_error`, those
    #: cells weighted as above): a sprite drawn a pixel off costs little there, an erased one its whole
    #: contrast, which counters the per-pixel loss's preference for erasing what it cannot place
    #: exactly. 0 = off (stages 1-3)
    coarse_weight: float = 0.0
    #: weight of the direct supervision of the motion field on sprites (`training.sprites`): L1 (pixels)
    #: to the recorded offset of each sprite cell, plus the layer logits' cross-entropy there. The
    #: photometric loss alone learnt a smooth bump of motion on a jumping sprite, not one vector, and
    #: the sprite stretched into a trail. 0 = off (stages 1-6)
    sprite_weight: float = 0.0
    #: per-pixel layers in the dynamics net (`ModelConfig.pixel_layers`); a warm start from a one-layer
    #: file grows its head (`warm_start`)
    pixel_layers: bool = False
    #: learning-rate factor of the dynamics net (below 1 when it is warm-started and only fine-tuned)
    dyn_lr_scale: float = 0.5
    #: k-means codebook: frames sampled for it, and Lloyd iterations
    codebook_frames: int = 3000
    codebook_iters: int = 12
    #: warm start: a weights file whose tensors of matching name and shape initialise the model
    init: str | None = None
    #: train only the token net (and its conditioner): the dynamics net stays as warm-started
    tokens_only: bool = False
    #: train only the dynamics net (and its conditioner): the token net stays as warm-started
    dynamics_only: bool = False
    episodes: int = 1000
    episode_len: int = 64
    data_seed: int = 0
    seed: int = 0
    threads: int = 2
    ckpt_every_s: float = 180.0
    out: str = str(DEFAULT_RUN_DIR)
    export: str = str(DEFAULT_WEIGHTS)
    cache: bool = True
    smoke: bool = False
    model: dict = field(default_factory=dict)
    #: serving settings (name -> value, `ModelConfig` fields that do not shape the networks) stamped
    #: into the exported weights' config, so a choice made on the validation split ships with them
    #: (`--set`); applied on export, so re-running a finished run with new ones re-exports it
    serving: dict = field(default_factory=dict)

    @classmethod
    def smoke_config(cls, **kw) -> TrainConfig:
        base = dict(
            steps=6,
            batch=4,
            batch_tokens=4,
            codebook_frames=8,
            codebook_iters=2,
            warmup=1,
            episodes=3,
            episode_len=10,
            ckpt_every_s=1e9,
            horizon_schedule=((0.0, 1), (0.5, 2)),
            smoke=True,
            out=str(REPO / "var" / "train" / "smoke"),
            export=str(REPO / "var" / "train" / "smoke" / "worldmodel.pt"),
        )
        base.update(kw)
        return cls(**base)


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def horizon_at(cfg: TrainConfig, step: int) -> int:
    frac = step / max(1, cfg.steps)
    k = 1
    for f, h in cfg.horizon_schedule:
        if frac >= f:
            k = int(h)
    return k


def lr_at(cfg: TrainConfig, step: int) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    p = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def dynamics_loss(
    model: WorldModel,
    frames,
    actions,
    text,
    mech,
    g: torch.Generator,
    cfg: TrainConfig,
    moves=None,
    boxes=None,
):
    """frames (B, ctx+K, H, W, 3) uint8; rollout K steps feeding predictions back; returns (loss, per-step).

    moves (B, K, 2): the true camera displacement per step; a weak auxiliary loss pulls the predicted
    motion field towards it (the photometric loss decides where the view does not follow the camera).
    boxes (B, K+1, S, 5): the sprite boxes of the last context frame and the K targets; with
    `sprite_weight`, the motion field on sprites is supervised by them (`training.sprites`).
    """
    dev = next(model.parameters()).device
    ctx_n = model.cfg.context
    z = model.frames_to_latent(frames.to(dev))  # (B, T, C, h, w)
    b, k = actions.shape
    sigma = torch.exp(torch.empty(b).uniform_(math.log(0.005), math.log(cfg.sigma_max), generator=g))
    sigma = torch.where(torch.rand(b, generator=g) < cfg.sigma_zero_prob, torch.zeros(b), sigma).to(dev)
    noise = torch.randn(z[:, :ctx_n].shape, generator=g).to(dev)
    ctx = z[:, :ctx_n] + sigma[:, None, None, None, None] * noise
    actions, text, mech = actions.to(dev), text.to(dev), mech.to(dev)
    # cells the camera does not explain, weighed up (None: every cell alike, and no mask to compute)
    unexplained = cell_w = None
    if moves is not None and cfg.motion_weight > 0:
        unexplained = camera_unexplained(model, z, moves.to(dev), ctx_n)
        cell_w = 1.0 + cfg.motion_weight * unexplained
    sprites = None
    if boxes is not None and moves is not None and cfg.sprite_weight > 0:
        sprites = [t.to(dev) for t in sprite_targets(boxes, model.cfg.frame_size, model.cfg.patch)]
    losses = []
    for i in range(k):
        pred, flow, layer = model.predict(
            ctx, actions[:, i], text, mech, sigma, return_flow=True, return_layer=True
        )
        target = z[:, ctx_n + i]
        err = (pred - target).abs() + (pred - target).square()  # L1 + MSE, per element
        loss = err.mean() if cell_w is None else (err * cell_w[:, i]).mean() / cell_w[:, i].mean()
        if moves is not None and cfg.flow_aux > 0:
            aux = (flow - moves[:, i].to(dev)[:, :, None, None]).abs()
            if unexplained is not None:
                aux = aux * (1.0 - unexplained[:, i])  # only where content does move with the camera
            loss = loss + cfg.flow_aux * aux.mean()
        if cfg.coarse_weight > 0:
            w = torch.ones_like(pred[:, :1]) if cell_w is None else cell_w[:, i]
            loss = loss + cfg.coarse_weight * coarse_error(pred, target, w, model.cfg.patch)
        if sprites is not None:
            offset, own = sprites[0][:, i], sprites[1][:, i]
            shown = sprite_layers(model, z[:, ctx_n - 1 + i], target, offset, own, moves[:, i].to(dev))
            loss = loss + cfg.sprite_weight * sprite_loss(flow, layer, offset, *shown, model.cfg.patch)
        losses.append(loss)
        if i + 1 < k:
            fb = pred.clamp(-1, 1) + sigma[:, None, None, None] * torch.randn(pred.shape, generator=g).to(dev)
            ctx = torch.cat([ctx[:, 1:], fb[:, None]], dim=1)
    return torch.stack(losses).mean(), [float(x.detach()) for x in losses]


def tokens_loss(model: WorldModel, frames, text, mech, g: torch.Generator, cfg: TrainConfig):
    """Masked-token cross-entropy of the token net on (B, H, W, 3) frames (prompt dropout for CFG)."""
    dev = next(model.parameters()).device
    with torch.no_grad():
        tok = tokenize(model.frames_to_latent(frames.to(dev)), model.codebook)
    b, h, w = tok.shape
    mask = random_token_mask(b, h, w, g).to(dev)
    keep = (torch.rand(b, generator=g) >= cfg.cfg_dropout).float().to(dev)
    cond = model.token_cond(text.to(dev) * keep[:, None], mech.to(dev) * keep[:, None])
    return token_loss(model.tokens, tok, cond, mask)


def train_step(model, opt, sampler: WindowSampler, cfg: TrainConfig, step: int) -> dict:
    g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
    k = horizon_at(cfg, step)
    frames, actions, text, mech, moves, boxes = sampler.sample(cfg.batch, g, horizon=k, with_sprites=True)
    model.train()
    if cfg.tokens_only:
        dl, per = torch.zeros(()), []
    else:
        dl, per = dynamics_loss(model, frames, actions, text, mech, g, cfg, moves, boxes)
    f0, t0, m0 = sampler.sample_first(cfg.batch_tokens, g)
    tl = torch.zeros(()) if cfg.dynamics_only else tokens_loss(model, f0, t0, m0, g, cfg)
    loss = dl + tl
    for pg in opt.param_groups:
        pg["lr"] = lr_at(cfg, step) * pg.get("lr_scale", 1.0)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    # clip the two sub-networks separately so the token loss never throttles the dynamics' updates
    gn = torch.nn.utils.clip_grad_norm_([*model.dyn.parameters(), *model.dyn_cond.parameters()], 1.0)
    torch.nn.utils.clip_grad_norm_([*model.tokens.parameters(), *model.first_cond.parameters()], 1.0)
    opt.step()
    return {
        "loss": loss.item(),
        "dyn": dl.item(),
        "tokens": tl.item(),
        "k": k,
        "per_step": per,
        "gnorm": gn.item(),
    }


def fit_codebook(model: WorldModel, eps: EpisodeSet, cfg: TrainConfig) -> None:
    """k-means over the latent cells of `codebook_frames` seeded random training frames -> model.codebook."""
    g = torch.Generator().manual_seed(cfg.seed * 7919 + 17)
    n, length = eps.frames.shape[:2]
    m = cfg.codebook_frames
    ei = torch.randint(0, n, (m,), generator=g).numpy()
    ti = torch.randint(0, length, (m,), generator=g).numpy()
    z = model.frames_to_latent(torch.from_numpy(eps.frames[ei, ti]))
    cells = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    k = model.cfg.codebook_size
    sub = cells[torch.randperm(cells.shape[0], generator=g)[: max(k, 400_000)]]
    cb = kmeans_codebook(sub, k, cfg.codebook_iters, generator=g)
    model.codebook.copy_(cb.to(model.codebook.device))


def warm_start(model: WorldModel, path: str | Path, log=print) -> list[str]:
    """Copy every tensor of the weights file at `path` whose name and shape match; return their names.

    A tensor the model has grown along its first axis (the dynamics head of a `pixel_layers` model
    warm-started from a one-layer file: the same outputs plus the layer logits) takes the file's rows
    and keeps its own initialisation for the new ones, so it starts out serving as the file did."""
    from inference.model.worldmodel import load_state

    sd = load_state(path)
    own = model.state_dict()
    taken = [k for k, v in sd.items() if k in own and own[k].shape == v.shape]
    grown = [
        k
        for k, v in sd.items()
        if k in own
        and k not in taken
        and v.dim() == own[k].dim()
        and v.shape[1:] == own[k].shape[1:]
        and v.shape[0] < own[k].shape[0]
    ]
    state = {k: sd[k] for k in taken}
    for k in grown:
        state[k] = torch.cat([sd[k], own[k][sd[k].shape[0] :].to(sd[k].dtype)])
    model.load_state_dict(state, strict=False)
    log(
        f"warm start from {path}: {len(taken)} of {len(own)} tensors" + (f", grown: {grown}" if grown else "")
    )
    return taken + grown


def build_model(cfg: TrainConfig) -> WorldModel:
    from inference.corpus import MECHANICS

    if cfg.smoke:
        mcfg = ModelConfig.tiny(mechanics=tuple(MECHANICS))
    else:
        mcfg = ModelConfig(
            mechanics=tuple(MECHANICS),
            channels=(32, 64, 128),
            blocks=(1, 2, 2),
        )
    overrides = {**cfg.model, **({"pixel_layers": True} if cfg.pixel_layers else {})}
    if overrides:
        d = mcfg.to_dict()
        d.update(overrides)
        mcfg = ModelConfig.from_dict(d)
    return WorldModel(apply_serving_settings(mcfg, cfg.serving))


def _check_same_shape(ours: ModelConfig, theirs: ModelConfig, ckpt_path: Path) -> None:
    """A clear error, instead of a tensor-size mismatch, when a run is resumed with options that shape
    the model differently from its checkpoint (say, without the --pixel-layers it started with)."""
    from inference.model.config import SHAPE_FIELDS

    differ = [f"{k}: {getattr(theirs, k)!r} there, {getattr(ours, k)!r} now" for k in SHAPE_FIELDS
              if getattr(ours, k) != getattr(theirs, k)]  # fmt: skip
    if differ:
        raise ValueError(
            f"the checkpoint {ckpt_path} is of a differently shaped model ({'; '.join(differ)}): "
            "resume with the options it was started with, or pass --fresh"
        )


def _save_ckpt(path: Path, model, ema, opt, step, cfg, wall):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "ema": ema.state_dict(),
            "opt": opt.state_dict(),
            "step": step,
            "train_config": asdict(cfg),
            "model_config": model.cfg.to_dict(),
            "wall": wall,
        },
        tmp,
    )
    tmp.replace(path)


def train(
    cfg: TrainConfig,
    resume: bool = True,
    progress: bool = True,
    log=print,
    data=None,
    until: int | None = None,
) -> dict:
    """Train (or resume) and export EMA weights to cfg.export. Returns a summary dict.

    `data` (an EpisodeSet) replaces the corpus recording, for tests; `until` stops (checkpointed and
    exported) after that many total steps of the cfg.steps schedule, as if the run had been interrupted.
    """
    if (cfg.tokens_only or cfg.dynamics_only) and not cfg.init:
        raise ValueError("training one net alone needs the other from an existing model: give --init WEIGHTS")
    if cfg.tokens_only and cfg.dynamics_only:
        raise ValueError("tokens_only and dynamics_only exclude each other")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = pick_device()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "ckpt.pt"
    eps = (
        data
        if data is not None
        else load_or_record(
            "train",
            cfg.episodes,
            cfg.episode_len,
            cfg.data_seed,
            cache_dir=CACHE_DIR if cfg.cache else None,
            progress=progress,
        )
    )
    model = build_model(cfg).to(device)
    if cfg.init:
        warm_start(model, cfg.init, log)
    resuming = resume and ckpt_path.exists()
    # a resumed run restores its codebook from the checkpoint, a warm start keeps the one it was given
    if not resuming and not bool(model.codebook.any()):
        fit_codebook(model, eps, cfg)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    dyn = [*model.dyn.parameters(), *model.dyn_cond.parameters()]
    dyn_ids = {id(p) for p in dyn}
    groups = [{"params": [p for p in model.parameters() if id(p) not in dyn_ids], "lr_scale": 1.0}]
    if cfg.tokens_only:
        for p in dyn:
            p.requires_grad_(False)
    else:
        groups.insert(0, {"params": dyn, "lr_scale": cfg.dyn_lr_scale})
    if cfg.dynamics_only:
        for p in groups[-1]["params"]:
            p.requires_grad_(False)
        groups.pop()
    opt = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.99))
    step, wall = 0, 0.0
    if resuming:
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        _check_same_shape(model.cfg, ModelConfig.from_dict(ck["model_config"]), ckpt_path)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step, wall = int(ck["step"]), float(ck.get("wall", 0.0))
        log(f"resumed from {ckpt_path} at step {step}")
    sampler = WindowSampler(eps, model.cfg.context, horizon=max(h for _, h in cfg.horizon_schedule))
    log_path = out / "log.jsonl"
    t_last_ck = time.time()
    t_start = time.time() - wall
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=cfg.steps, initial=step, desc="train_worldmodel", unit="step")
    first_losses, last = [], {}
    stop = min(cfg.steps, until) if until is not None else cfg.steps
    while step < stop:
        last = train_step(model, opt, sampler, cfg, step)
        decay = min(cfg.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters(), strict=True):
                pe.lerp_(pm, 1 - decay)
        step += 1
        if len(first_losses) < 3:
            first_losses.append(last["loss"])
        rec = {"step": step, "time": round(time.time() - t_start, 1), **last}
        with log_path.open("a") as log_f:
            log_f.write(json.dumps(rec) + "\n")
        if bar is not None:
            bar.update(1)
            bar.set_postfix(
                loss=f"{last['loss']:.4f}",
                dyn=f"{last['dyn']:.4f}",
                tokens=f"{last['tokens']:.3f}",
                k=last["k"],
            )
        if time.time() - t_last_ck > cfg.ckpt_every_s:
            _save_ckpt(ckpt_path, model, ema, opt, step, cfg, time.time() - t_start)
            _export(ema, cfg, step, time.time() - t_start, eps, Path(cfg.out) / "latest.pt")
            t_last_ck = time.time()
    if bar is not None:
        bar.close()
    wall = time.time() - t_start
    _save_ckpt(ckpt_path, model, ema, opt, step, cfg, wall)
    _export(ema, cfg, step, wall, eps, Path(cfg.export))
    return {
        "steps": step,
        "wall_s": wall,
        "final": last,
        "first_losses": first_losses,
        "export": cfg.export,
        "params": model.param_count(),
    }


def _export(ema: WorldModel, cfg: TrainConfig, step: int, wall: float, eps, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "steps": step,
        "wall_s": round(wall, 1),
        "train_config": asdict(cfg),
        "data": {
            "episodes": len(eps),
            "episode_len": cfg.episode_len,
            "frames": int(eps.frames.shape[0] * eps.frames.shape[1]),
        },
    }
    save_worldmodel(ema, path.with_suffix(".tmp"), meta=meta)
    path.with_suffix(".tmp").replace(path)
