"""Fixtures for the recommender: clean per-process caches, and embeddings placed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.cache import cache

from inference.text_encoder import EMBEDDING_DIM


@pytest.fixture(autouse=True)
def recommender_caches():
    """The embedding index and fitted ranker are per-process caches: start and end every test empty."""
    from recommend.candidates import global_sources_forget
    from recommend.embeddings import embedding_index_reset
    from recommend.priors import fitted_forget

    def clear():
        cache.clear()
        embedding_index_reset()
        fitted_forget()
        global_sources_forget()

    clear()
    yield
    clear()


def unit(*directions: int, dim: int = EMBEDDING_DIM, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A unit vector along the sum of the given axes (plus optional noise): controllable similarities."""
    vector = np.zeros(dim, np.float32)
    for axis in directions:
        vector[axis] += 1.0
    if noise:
        vector += np.random.default_rng(seed).normal(0, noise, dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def embed():
    """embed(world, *axes) stores a hand-made embedding for `world` (and tells the index)."""
    from recommend.embeddings import bump_version, to_bytes
    from recommend.models import WorldEmbedding

    def _embed(world, *axes: int, noise: float = 0.0):
        WorldEmbedding.objects.update_or_create(
            world=world,
            defaults={
                "vector": to_bytes(unit(*axes, noise=noise, seed=world.pk)),
                "text_hash": "test",
                "model": "test",
            },
        )
        bump_version()

    return _embed


def hash_encoder(texts):
    """A stand-in for MiniLM with the same contract (deterministic, normalised, word-overlap similarity)."""
    out = np.zeros((len(texts), EMBEDDING_DIM), np.float32)
    for i, text in enumerate(texts):
        for word in str(text).lower().split():
            out[i, hash(word) % EMBEDDING_DIM] += 1.0
        out[i] /= max(np.linalg.norm(out[i]), 1e-6)
    return out
