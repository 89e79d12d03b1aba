"""Training / evaluation data from the procedural corpus.

Episodes are recorded with `inference.corpus.game.Game` under a sticky random "human-like" action
policy (hold a button combination for a few ticks, then switch), and cached as one .npz per
(split, count, length, seed) under `var/corpus/` (gitignored) so resumed runs reuse them.

An episode: frames (L+1, H, W, 3) uint8 where frames[t+1] = game.step(actions[t]); a prompt whose
MiniLM embedding conditions the model; the mechanics multi-hot; the camera position and the screen
boxes of the sprites that move on their own (avatar, hazards) per frame.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from inference.actions import Button

CACHE_DIR = Path(__file__).resolve().parents[2] / "var" / "corpus"
TRAIN_SEED_BASE = 1_000
EVAL_SEED_BASE = 900_000_000
#: sprite box slots recorded per frame (avatar + up to 5 hazards; rows of -2 are empty slots)
SPRITE_SLOTS = 6

# action menu for the policy: (bitmask, weight)
_U, _D, _L, _R, _J = Button.UP, Button.DOWN, Button.LEFT, Button.RIGHT, Button.JUMP
_MENU = [
    (0, 10),
    (_L, 12),
    (_R, 12),
    (_U, 9),
    (_D, 9),
    (_L | _J, 5),
    (_R | _J, 5),
    (_J, 5),
    (_U | _J, 1),
    (_D | _J, 1),
    (_U | _L, 3),
    (_U | _R, 3),
    (_D | _L, 3),
    (_D | _R, 3),
    (_L | _R, 1),
    (_U | _D, 1),
]


def sticky_policy(rng: np.random.Generator, length: int, mean_hold: float = 6.0) -> np.ndarray:
    """Random held-button sequence; every one of the 32 bitmasks appears occasionally."""
    masks = np.array([m for m, _ in _MENU], np.int64)
    w = np.array([w for _, w in _MENU], np.float64)
    w /= w.sum()
    out = np.zeros(length, np.int64)
    t = 0
    while t < length:
        a = int(rng.integers(0, 32)) if rng.random() < 0.05 else int(rng.choice(masks, p=w))
        hold = 1 + int(rng.geometric(1.0 / mean_hold))
        out[t : t + hold] = a
        t += hold
    return out


@dataclass
class EpisodeSet:
    frames: np.ndarray  # (N, L+1, H, W, 3) uint8
    actions: np.ndarray  # (N, L) int64
    prompts: list[str]
    text: np.ndarray  # (N, 384) float32
    mechanics: np.ndarray  # (N, M) float32
    specs: list[dict]
    cams: np.ndarray | None = None  # (N, L+1, 2) ground-truth camera position per frame
    #: (N, L+1, SPRITE_SLOTS, 5) int32 rows (id, x0, y0, x1, y1) of `Game.sprite_boxes`; id -2 = empty
    sprites: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.frames)


def _mech_vector(mechs, names) -> np.ndarray:
    v = np.zeros(max(1, len(names)), np.float32)
    for m in mechs:
        if m in names:
            v[names.index(m)] = 1.0
    return v


def record_episodes(
    split: str, count: int, length: int, seed: int, size: int = 128, progress: bool = True
) -> EpisodeSet:
    """Record `count` episodes of `length` steps for a split ('train' or 'eval'), deterministically.

    Specs are random (theme, camera, mechanics); the prompt is an example prompt of the spec's theme
    from the split (held-out prompts for 'eval'), and seeds of the two splits never overlap.
    """
    from inference.corpus import MECHANICS, WorldSpec
    from inference.corpus.game import Game
    from inference.corpus.prompts import random_spec, sample_prompt

    mech_names = list(MECHANICS)
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    seed_base = TRAIN_SEED_BASE if split == "train" else EVAL_SEED_BASE
    frames = np.zeros((count, length + 1, size, size, 3), np.uint8)
    actions = np.zeros((count, length), np.int64)
    cams = np.zeros((count, length + 1, 2), np.int32)
    sprites = np.full((count, length + 1, SPRITE_SLOTS, 5), -2, np.int32)
    prompts, mechs, specs = [], [], []
    it = range(count)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"corpus {split}", unit="ep")
    for i in it:
        r = random_spec(rng, mechanic_p=0.4)
        spec = WorldSpec(r.theme, r.mechanics, r.camera, seed_base + seed * 100_003 + i)
        prompt = sample_prompt(spec, rng, "train" if split == "train" else "heldout")
        game = Game(spec, size=(size, size))
        frames[i, 0] = game.reset()
        cams[i, 0] = _cam(game)
        _put_sprites(sprites[i, 0], game)
        acts = sticky_policy(rng, length)
        for t in range(length):
            frames[i, t + 1] = game.step(int(acts[t]))
            cams[i, t + 1] = _cam(game)
            _put_sprites(sprites[i, t + 1], game)
        actions[i] = acts
        prompts.append(prompt)
        mechs.append(_mech_vector(sorted(spec.mechanics), mech_names))
        specs.append(spec.to_dict())
    return EpisodeSet(frames, actions, prompts, embed_prompts(prompts), np.stack(mechs), specs, cams, sprites)


def _cam(game) -> tuple[int, int]:
    return int(game.cam_x), int(game.cam_y)


def _put_sprites(row: np.ndarray, game) -> None:
    """Write the frame's sprite boxes into its (SPRITE_SLOTS, 5) row, the avatar first (it is drawn on
    top, and a crowded frame drops hazards, never the avatar)."""
    boxes = sorted(game.sprite_boxes(), key=lambda b: b[0] != -1)[:SPRITE_SLOTS]
    if boxes:
        row[: len(boxes)] = boxes


def embed_prompts(prompts: list[str]) -> np.ndarray:
    """MiniLM embeddings (inference.text_encoder) of each prompt, (N, 384) float32."""
    from inference.text_encoder import encode

    uniq = sorted(set(prompts))
    emb = encode(uniq)
    lut = {p: np.asarray(emb[j], np.float32) for j, p in enumerate(uniq)}
    return np.stack([lut[p] for p in prompts]).astype(np.float32)


def load_or_record(
    split: str,
    count: int,
    length: int,
    seed: int,
    size: int = 128,
    cache_dir: Path | None = CACHE_DIR,
    progress: bool = True,
) -> EpisodeSet:
    """record_episodes, cached as an .npz keyed by its arguments (and the corpus source hash)."""
    if cache_dir is None:
        return record_episodes(split, count, length, seed, size, progress)
    key = hashlib.sha1(json.dumps([split, count, length, seed, size, _corpus_hash()]).encode()).hexdigest()[
        :12
    ]
    path = Path(cache_dir) / f"{split}_{count}x{length}_{key}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        prompts = [str(p) for p in z["prompts"]]
        return EpisodeSet(
            z["frames"],
            z["actions"],
            prompts,
            embed_prompts(prompts),
            z["mechanics"],
            json.loads(str(z["specs"])),
            z["cams"],
            z["sprites"] if "sprites" in z.files else None,
        )
    ep = record_episodes(split, count, length, seed, size, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(
        tmp,
        frames=ep.frames,
        actions=ep.actions,
        prompts=np.array(ep.prompts),
        mechanics=ep.mechanics,
        specs=json.dumps(ep.specs),
        cams=ep.cams,
        sprites=ep.sprites,
    )
    tmp.rename(path)
    return ep


def _corpus_hash() -> str:
    root = Path(__file__).resolve().parents[1] / "corpus"
    h = hashlib.sha1()
    for p in sorted(root.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:8]


class WindowSampler:
    """Samples training windows (context frames, future frames, actions) from an EpisodeSet.

    A window starting before frame 0 repeats frame 0 (that is how a session starts: the first frame,
    repeated `context` times).
    """

    def __init__(self, eps: EpisodeSet, context: int, horizon: int, start_prob: float = 0.1):
        self.eps = eps
        self.context = context
        self.horizon = horizon
        self.start_prob = start_prob
        self.frames = torch.from_numpy(eps.frames)
        self.actions = torch.from_numpy(eps.actions)
        self.text = torch.from_numpy(eps.text)
        self.mech = torch.from_numpy(eps.mechanics)
        self.cams = torch.from_numpy(eps.cams.astype(np.float32)) if eps.cams is not None else None
        self.sprites = torch.from_numpy(eps.sprites) if eps.sprites is not None else None

    def sample(self, batch: int, g: torch.Generator, horizon: int | None = None, with_sprites: bool = False):
        """(frames (B, ctx+k, H, W, 3), actions (B, k), text, mechanics, camera moves (B, k, 2) or None);
        with `with_sprites`, also the sprite boxes (B, k+1, SPRITE_SLOTS, 5) of the last context frame and
        the k targets (None if the episodes have none)."""
        k = horizon or self.horizon
        n, length = self.actions.shape
        ep = torch.randint(0, n, (batch,), generator=g)
        last_ctx_max = length - k  # last context frame index c: targets c+1..c+k <= length
        c = torch.randint(0, last_ctx_max + 1, (batch,), generator=g)
        early = torch.rand(batch, generator=g) < self.start_prob
        c = torch.where(early, torch.randint(0, self.context, (batch,), generator=g), c)
        offs = torch.arange(-self.context + 1, k + 1)
        idx = (c[:, None] + offs[None]).clamp(min=0)  # (B, ctx+k)
        frames = self.frames[ep[:, None], idx]  # (B, ctx+k, H, W, 3)
        aidx = c[:, None] + torch.arange(k)[None]
        actions = self.actions[ep[:, None], aidx]  # (B, k)
        moves = None
        if self.cams is not None:  # camera displacement of each predicted step, (B, k, 2) pixels
            moves = self.cams[ep[:, None], aidx + 1] - self.cams[ep[:, None], aidx]
        if not with_sprites:
            return frames, actions, self.text[ep], self.mech[ep], moves
        boxes = None
        if self.sprites is not None:
            boxes = self.sprites[ep[:, None], torch.cat([aidx, aidx[:, -1:] + 1], 1)]
        return frames, actions, self.text[ep], self.mech[ep], moves, boxes

    def sample_first(self, batch: int, g: torch.Generator):
        """First frames (reset frames) with their prompt/mechanics, for the text-to-world model."""
        n, length = self.actions.shape
        ep = torch.randint(0, n, (batch,), generator=g)
        # half reset frames (how a world starts), half any frame of the world (more variety to learn from)
        t = torch.randint(0, length + 1, (batch,), generator=g) * (torch.rand(batch, generator=g) < 0.5)
        return self.frames[ep, t], self.text[ep], self.mech[ep]


def toy_episodes(count: int, length: int, seed: int = 0, size: int = 128, mechanics: int = 6) -> EpisodeSet:
    """A corpus-free stand-in for tests: a striped world that scrolls with the held direction."""
    rng = np.random.default_rng(seed)
    frames = np.zeros((count, length + 1, size, size, 3), np.uint8)
    actions = np.zeros((count, length), np.int64)
    cams = np.zeros((count, length + 1, 2), np.int32)
    sprites = np.full((count, length + 1, SPRITE_SLOTS, 5), -2, np.int32)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(count):
        col = rng.integers(40, 220, (2, 3))
        acts = sticky_policy(rng, length)
        x = y = 0
        for t in range(length + 1):
            stripes = (((xx + x) // 16 + (yy + y) // 16) % 2)[..., None]
            f = np.where(stripes == 1, col[0], col[1]).astype(np.uint8)
            f[56:72, 56:72] = (250, 250, 250)  # the avatar: the camera follows it
            frames[i, t] = f
            cams[i, t] = (x, y)
            sprites[i, t, 0] = (-1, 56, 56, 72, 72)
            if t < length:
                a = int(acts[t])
                x += 2 * (bool(a & Button.RIGHT) - bool(a & Button.LEFT))
                y += 2 * (bool(a & Button.DOWN) - bool(a & Button.UP))
        actions[i] = acts
    text = rng.standard_normal((count, 384)).astype(np.float32)
    mech = (rng.random((count, mechanics)) < 0.4).astype(np.float32)
    return EpisodeSet(
        frames,
        actions,
        [f"toy {i}" for i in range(count)],
        text,
        mech,
        [{} for _ in range(count)],
        cams,
        sprites,
    )
