"""Discrete frame tokens and the masked-token generator (MaskGIT-style) that draws new content.

Why tokens: a regression net asked for content it cannot predict (a new world, the strip of map a
scrolling camera reveals) answers with the average of every possibility — a blur that, fed back as
context, spreads into smeared bands within seconds. A categorical net trained with cross-entropy
instead commits to one crisp patch per cell, and iterative masked decoding makes neighbouring choices
agree with each other.

- Codebook: `kmeans_codebook` clusters 4x4x3 pixel patches (the frame latent's cells) of training
  frames; a frame is tokenised cell by cell to the nearest centroid. It is learnt once, before the nets,
  and stored in the checkpoint.
- `TokenNet`: a conditional U-Net over the 32x32 token grid (token embeddings + a learnt position
  embedding; FiLM on prompt + mechanics) that predicts, for every cell, a distribution over the codebook.
  Trained to recover randomly masked cells (random, strip and whole-frame masks).
- `fill`: iterative decoding — sample every masked cell, keep the most confident share, re-mask the
  rest, repeat with a cosine schedule; used for text to world (all cells masked) and for inpainting the
  cells a scrolling camera reveals (a few cells masked, neighbours known).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from inference.model.networks import CondUNet


@torch.no_grad()
def kmeans_codebook(
    patches: torch.Tensor,
    k: int,
    iters: int = 12,
    generator: torch.Generator | None = None,
    chunk: int = 65536,
) -> torch.Tensor:
    """Lloyd's k-means on (N, D) patches -> (k, D) centroids; empty clusters are re-seeded from the data.

    Deterministic for a given generator. Distances are computed in chunks to bound memory.
    """
    n = patches.shape[0]
    cent = patches[torch.randperm(n, generator=generator)[:k]].clone()
    for _ in range(iters):
        sums = torch.zeros_like(cent)
        counts = torch.zeros(k, dtype=patches.dtype, device=patches.device)
        for i in range(0, n, chunk):
            x = patches[i : i + chunk]
            a = torch.cdist(x, cent).argmin(1)
            sums.index_add_(0, a, x)
            counts += torch.bincount(a, minlength=k).to(counts.dtype)
        empty = counts == 0
        reseed = patches[torch.randint(0, n, (k,), generator=generator)]
        cent = torch.where(empty[:, None], reseed, sums / counts.clamp(min=1)[:, None])
    return cent


def tokenize(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Latent (B, C, h, w) -> nearest-centroid tokens (B, h, w) long."""
    b, c, h, w = z.shape
    flat = z.permute(0, 2, 3, 1).reshape(-1, c)
    return torch.cdist(flat, codebook).argmin(1).reshape(b, h, w)


def detokenize(tokens: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Tokens (B, h, w) -> latent (B, C, h, w)."""
    return codebook[tokens].permute(0, 3, 1, 2).contiguous()


class TokenNet(nn.Module):
    """Masked-token predictor: (tokens with MASK ids, cond) -> logits (B, K, h, w).

    The U-Net yields per-cell features; a linear read-out maps them to codebook logits (training
    reads out only the masked cells, which is where most of the cost of K-way logits would go)."""

    def __init__(self, k: int, grid: int, embed: int, channels, blocks, cond_dim: int):
        super().__init__()
        self.k = k
        self.mask_id = k
        self.embed = nn.Embedding(k + 1, embed)
        self.pos = nn.Parameter(torch.zeros(1, embed, grid, grid))
        nn.init.normal_(self.pos, std=0.02)
        self.unet = CondUNet(embed, 2 * embed, channels, blocks, cond_dim)
        nn.init.normal_(self.unet.head.weight, std=0.02)  # the read-out needs non-zero features to learn
        self.readout = nn.Linear(2 * embed, k)

    def features(
        self, tokens: torch.Tensor, cond: torch.Tensor, origin: tuple[int, int] = (0, 0)
    ) -> torch.Tensor:
        """(B, h, w) tokens -> (B, h, w, F) features. A crop of the grid (sides a multiple of 4 cells)
        passes `origin`, its top-left cell, so the position embedding still says where it is."""
        y0, x0 = origin
        pos = self.pos[:, :, y0 : y0 + tokens.shape[1], x0 : x0 + tokens.shape[2]]
        x = self.embed(tokens).permute(0, 3, 1, 2) + pos
        return self.unet(x, cond).permute(0, 2, 3, 1)

    def forward(
        self, tokens: torch.Tensor, cond: torch.Tensor, origin: tuple[int, int] = (0, 0)
    ) -> torch.Tensor:
        return self.readout(self.features(tokens, cond, origin)).permute(0, 3, 1, 2)


def random_token_mask(b: int, h: int, w: int, g: torch.Generator) -> torch.Tensor:
    """Training masks (B, h, w) bool, a mix of the shapes `fill` meets at serving time:
    cosine-schedule random masks (MaskGIT; includes almost-whole frames for text to world) and edge
    strips 1-4 cells wide (what a moving camera reveals), sometimes two edges at once."""
    u = torch.rand(b, generator=g)
    ratio = torch.cos(u * math.pi / 2).clamp(min=1.0 / (h * w))
    mask = torch.rand(b, h, w, generator=g) < ratio[:, None, None]
    strip = torch.rand(b, generator=g) < 0.4
    widths = torch.randint(1, 5, (b, 2), generator=g)
    sides = torch.randint(0, 4, (b, 2), generator=g)
    both = torch.rand(b, generator=g) < 0.3
    ys = torch.arange(h)[:, None].expand(h, w)
    xs = torch.arange(w)[None, :].expand(h, w)
    for i in torch.nonzero(strip).flatten().tolist():
        m = torch.zeros(h, w, dtype=torch.bool)
        for j in range(2 if both[i] else 1):
            wd, side = int(widths[i, j]), int(sides[i, j])
            m |= [xs < wd, xs >= w - wd, ys < wd, ys >= h - wd][side]
        mask[i] = m
    return mask


def token_loss(net: TokenNet, tokens: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Cross-entropy on the masked cells only."""
    inp = torch.where(mask, torch.full_like(tokens, net.mask_id), tokens)
    feats = net.features(inp, cond)[mask]  # (M, F): only the masked cells are read out
    return F.cross_entropy(net.readout(feats), tokens[mask])


def _gumbel(shape: tuple[int, ...], g: torch.Generator) -> torch.Tensor:
    """Standard Gumbel noise from generator `g` (CPU)."""
    u = torch.rand(shape, generator=g).clamp(1e-10, 1.0)
    return -torch.log(-torch.log(u) + 1e-10)


def _sample(
    logits: torch.Tensor, rows: torch.Tensor, temperature: float, generators, top_k: int = 0
) -> torch.Tensor:
    """Pick a token for each masked cell: logits (M, K) of cells belonging to batch rows `rows` (M,).

    Sampling is Gumbel-max with noise drawn from each row's own generator, for that row's cells only, so
    a session's draws do not depend on which other sessions share its batch. No generators or
    temperature 0: argmax. `top_k` > 0 samples among the k likeliest tokens only (the long tail of a
    small net's distribution is where isolated off-colour cells come from)."""
    pick = logits.argmax(-1)
    if temperature <= 0 or generators is None:
        return pick
    if 0 < top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    for i, g in enumerate(generators):
        sel = (rows == i).nonzero(as_tuple=True)[0]
        if not len(sel):
            continue
        gumbel = _gumbel((len(sel), logits.shape[-1]), g).to(logits.device)
        pick[sel] = (logits[sel] / temperature + gumbel).argmax(-1)
    return pick


@torch.no_grad()
def fill(
    net: TokenNet,
    tokens: torch.Tensor,
    mask: torch.Tensor,
    cond: torch.Tensor,
    steps: int,
    temperature: float = 1.0,
    generators: list[torch.Generator] | None = None,
    uncond: torch.Tensor | None = None,
    guidance: float = 1.0,
    origin: tuple[int, int] = (0, 0),
    top_k: int = 0,
    choice_noise: float = 0.0,
) -> torch.Tensor:
    """Fill the masked cells of `tokens` (B, h, w) by iterative masked decoding; known cells are kept.

    Each step samples every still-masked cell (softmax at `temperature` with one generator per row; no
    generators or temperature 0 = argmax; with `uncond` and guidance != 1, classifier-free guidance on
    the logits; `top_k`: see `_sample`), keeps the most confident ones and re-masks the rest, so the number still masked falls
    as cos(pi/2 * step/steps). Deterministic per row for given generators. `origin`: see
    `TokenNet.features` (the tokens may be a crop of the grid). `choice_noise` > 0 adds Gumbel noise,
    annealed to 0 over the steps, to the confidences that decide which cells are kept (as MaskGIT
    does): otherwise the easiest cells (flat sky, plain ground) are always committed first and the
    rest of the frame follows them into flatness.
    """
    tokens = tokens.clone()
    mask = mask.clone()
    total = mask.flatten(1).sum(1)  # (B,)
    for s in range(steps):
        if not mask.any():
            break
        inp = torch.where(mask, torch.full_like(tokens, net.mask_id), tokens)
        rows = mask.nonzero(as_tuple=True)[0]
        logits = net.readout(net.features(inp, cond, origin)[mask]).float()  # (M, K): masked cells only
        if uncond is not None and guidance != 1.0:
            lu = net.readout(net.features(inp, uncond, origin)[mask]).float()
            logits = lu + guidance * (logits - lu)
        pick = _sample(logits, rows, temperature, generators, top_k)
        conf_m = torch.log_softmax(logits / max(temperature, 1e-3), -1).gather(-1, pick[:, None])[:, 0]
        if choice_noise > 0 and generators is not None:
            anneal = choice_noise * (1.0 - (s + 1) / steps)
            for i, g in enumerate(generators):
                sel = (rows == i).nonzero(as_tuple=True)[0]
                conf_m[sel] = conf_m[sel] + anneal * _gumbel((len(sel),), g).to(conf_m.device)
        remain = torch.floor(total.float() * math.cos(math.pi / 2 * (s + 1) / steps)).long()
        if s + 1 == steps:
            remain = torch.zeros_like(remain)
        conf = torch.full(mask.shape, float("inf"), device=logits.device)
        conf[mask] = conf_m
        conf = conf.flatten(1)
        order = conf.sort(1).values  # ascending: the `remain` least confident cells stay masked
        thr = order.gather(1, remain.clamp(max=order.shape[1] - 1)[:, None])
        keep_masked = ((conf < thr) & (remain[:, None] > 0)).reshape(mask.shape)
        picked = tokens.clone()
        picked[mask] = pick
        tokens = torch.where(mask & ~keep_masked, picked, tokens)
        mask = keep_masked & mask
    return tokens


def crop_around(mask: torch.Tensor, margin: int, multiple: int = 4) -> tuple[int, int, int, int]:
    """Bounding box (y0, y1, x0, x1) of a (h, w) mask's True cells, grown by `margin` cells and snapped
    outwards to multiples of `multiple` (what the U-Net's downsampling needs), clipped to the grid."""
    h, w = mask.shape
    ys, xs = mask.nonzero(as_tuple=True)
    y0 = max(0, int(ys.min()) - margin) // multiple * multiple
    x0 = max(0, int(xs.min()) - margin) // multiple * multiple
    y1 = min(h, -(-(int(ys.max()) + 1 + margin) // multiple) * multiple)
    x1 = min(w, -(-(int(xs.max()) + 1 + margin) // multiple) * multiple)
    return y0, y1, x0, x1
