"""Building blocks: a small conditional U-Net with AdaGN (FiLM) residual blocks.

The same U-Net class serves as the next-frame dynamics network (input: stacked past frame latents
+ action planes, output: the change to the last latent) and as the first-frame flow network
(input: the noisy latent, output: the flow velocity).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _groups(ch: int) -> int:
    for g in (8, 4, 2, 1):
        if ch % g == 0 and ch // g >= 4:
            return g
    return 1


class FourierEmbedding(nn.Module):
    """Embeds a scalar (noise level, flow time) with fixed sin/cos features."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer(
            "freqs", torch.exp(torch.linspace(math.log(0.5), math.log(50.0), dim // 2)), persistent=False
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = x.float()[:, None] * self.freqs[None]
        return torch.cat([a.sin(), a.cos()], dim=1)


class ResBlock(nn.Module):
    """GroupNorm -> FiLM(cond) -> SiLU -> conv -> GroupNorm -> SiLU -> conv, plus identity."""

    def __init__(self, ch: int, cond_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(ch), ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(_groups(ch), ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)
        self.film = nn.Linear(cond_dim, 2 * ch)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(cond)[:, :, None, None].chunk(2, dim=1)
        h = self.norm1(x) * (1 + scale) + shift
        h = self.conv1(F.silu(h))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


class CondUNet(nn.Module):
    """A compact U-Net: len(channels) resolution levels, additive skips, FiLM conditioning everywhere."""

    def __init__(
        self, in_ch: int, out_ch: int, channels: tuple[int, ...], blocks: tuple[int, ...], cond_dim: int
    ):
        super().__init__()
        self.stem = nn.Conv2d(in_ch, channels[0], 1)
        self.down_blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        for i, ch in enumerate(channels):
            self.down_blocks.append(nn.ModuleList([ResBlock(ch, cond_dim) for _ in range(blocks[i])]))
            if i + 1 < len(channels):
                self.downs.append(nn.Conv2d(ch, channels[i + 1], 3, stride=2, padding=1))
        self.up_blocks = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i in range(len(channels) - 2, -1, -1):
            self.ups.append(nn.Conv2d(channels[i + 1], channels[i], 3, padding=1))
            self.up_blocks.append(nn.ModuleList([ResBlock(channels[i], cond_dim) for _ in range(blocks[i])]))
        self.head_norm = nn.GroupNorm(_groups(channels[0]), channels[0])
        self.head = nn.Conv2d(channels[0], out_ch, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        skips = []
        for i, blocks in enumerate(self.down_blocks):
            for b in blocks:
                h = b(h, cond)
            if i < len(self.downs):
                skips.append(h)
                h = self.downs[i](h)
        for up, blocks in zip(self.ups, self.up_blocks, strict=True):
            h = up(F.interpolate(h, scale_factor=2.0, mode="nearest")) + skips.pop()
            for b in blocks:
                h = b(h, cond)
        return self.head(F.silu(self.head_norm(h)))
