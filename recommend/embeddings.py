"""Prompt embeddings: the stored byte format and the in-process index the ranker searches.

Contract:
- `to_bytes` / `from_bytes` convert an (EMBEDDING_DIM,) float32 vector to the 1,536 bytes stored in
  `WorldEmbedding.vector` and back.
- `embedding_index()` is this process's `EmbeddingIndex`: every stored embedding as one float32 matrix, so a
  similarity search over 100 k worlds is one matrix-vector product (~5 ms), not a database scan. It loads
  lazily and catches up incrementally whenever `bump_version()` (called by every write of embeddings, through
  the shared cache) says something changed; a process that missed a bump still catches up within
  `MAX_STALENESS_SECONDS`.
- The index holds worlds whatever their status: callers filter candidates against published worlds.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import numpy as np
from django.core.cache import cache

from inference.text_encoder import EMBEDDING_DIM

VERSION_KEY = "recommend:embeddings:version"
MAX_STALENESS_SECONDS = 60.0
RELOAD_MARGIN_SECONDS = 5
#: Up to this many worlds a search is one exact product; above, a coarse pass in PROJECTION_DIM principal
#: directions shortlists max(SHORTLIST_MIN, SHORTLIST_PER_RESULT * k) worlds per query, then scored exactly
#: (memory bandwidth: 100 k x 384 floats is 150 MB per exact pass, the projection a sixth of that).
EXACT_SEARCH_MAX = 8_000
PROJECTION_DIM = 64
SHORTLIST_PER_RESULT, SHORTLIST_MIN = 6, 300


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(EMBEDDING_DIM).tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if data is None:
        return None
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


def bump_version() -> None:
    """Tell every process's index that stored embeddings changed (after the write commits)."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


class EmbeddingIndex:
    """All stored world embeddings as a matrix, kept in step with the database (see module contract)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (the next use reloads from the database)."""
        self._ids = np.zeros(0, np.int64)
        self._matrix = np.zeros((0, EMBEDDING_DIM), np.float32)
        self.size = 0
        self.row_of: dict[int, int] = {}
        self._basis: np.ndarray | None = None  # (EMBEDDING_DIM, PROJECTION_DIM)
        self._reduced = np.zeros((0, PROJECTION_DIM), np.float32)
        self._basis_rows = self._projected = 0
        self._version: object = None
        self._loaded_until = None
        self._checked_at = 0.0

    def refresh(self, *, force: bool = False) -> None:
        """Load embeddings written since the last load if the shared version moved (or it is time to check)."""
        version = cache.get(VERSION_KEY)
        now = time.monotonic()
        if not force and version == self._version and now - self._checked_at < MAX_STALENESS_SECONDS:
            return
        with self._lock:
            from recommend.models import WorldEmbedding

            rows = WorldEmbedding.objects.order_by("updated_at")
            if self._loaded_until is not None:
                periodic = version == self._version and not force
                if periodic and not rows.filter(updated_at__gt=self._loaded_until).exists():
                    self._checked_at = now  # the periodic check found nothing new: one indexed probe
                    return
                # Re-read a margin: a transaction that stamped its rows earlier may have committed since.
                rows = rows.filter(
                    updated_at__gte=self._loaded_until - timedelta(seconds=RELOAD_MARGIN_SECONDS)
                )
            loaded = list(rows.values_list("world_id", "vector", "updated_at"))
            if loaded:
                self._merge(loaded)
                self._loaded_until = loaded[-1][2]
            self._version, self._checked_at = version, now

    @property
    def ids(self) -> np.ndarray:
        return self._ids[: self.size]

    @property
    def matrix(self) -> np.ndarray:
        return self._matrix[: self.size]

    def _merge(self, rows: list[tuple[int, bytes, object]]) -> None:
        fresh = [world_id for world_id, _, _ in rows if world_id not in self.row_of]
        needed = self.size + len(set(fresh))
        if needed > len(self._ids):  # grow by doubling: appending a world must not copy the whole matrix
            capacity = max(needed, 2 * len(self._ids), 1024)
            ids, matrix = np.zeros(capacity, np.int64), np.zeros((capacity, EMBEDDING_DIM), np.float32)
            ids[: self.size], matrix[: self.size] = self.ids, self.matrix
            reduced = np.zeros((capacity, PROJECTION_DIM), np.float32)
            reduced[: self._projected] = self._reduced[: self._projected]
            self._ids, self._matrix, self._reduced = ids, matrix, reduced
        for world_id, data, _ in rows:
            row = self.row_of.get(world_id)
            if row is None:
                row = self.row_of[world_id] = self.size
                self._ids[row] = world_id
                self.size += 1
            self._matrix[row] = np.frombuffer(bytes(data), dtype="<f4")
            if row < self._projected and self._basis is not None:
                self._reduced[row] = self._matrix[row] @ self._basis

    def vectors(self, world_ids) -> np.ndarray:
        """Embeddings of `world_ids` in order; a zero row for a world without one."""
        out = np.zeros((len(world_ids), EMBEDDING_DIM), np.float32)
        for i, world_id in enumerate(world_ids):
            row = self.row_of.get(int(world_id))
            if row is not None:
                out[i] = self.matrix[row]
        return out

    def has(self, world_id: int) -> bool:
        return int(world_id) in self.row_of

    def nearest(self, query: np.ndarray, *, k: int) -> list[tuple[int, float]]:
        """The k worlds most similar to `query` (any vector; cosine if it is normalised), best first."""
        return self.nearest_many(np.asarray(query, np.float32)[None, :], ks=[k])[0]

    def nearest_many(self, queries: np.ndarray, *, ks: list[int]) -> list[list[tuple[int, float]]]:
        """`nearest` for each row of `queries` (with its own k), reading the matrix once for all of them."""
        queries = np.asarray(queries, np.float32).reshape(-1, EMBEDDING_DIM)
        if not self.size:
            return [[] for _ in ks]
        if self.size <= EXACT_SEARCH_MAX:
            rows = np.arange(self.size)
        else:
            self._project()
            coarse = self._reduced[: self.size] @ (self._basis.T @ queries.T)  # (size, m)
            picked = []
            for j, k in enumerate(ks):
                short = min(max(SHORTLIST_MIN, SHORTLIST_PER_RESULT * k), self.size)
                picked.append(np.argpartition(-coarse[:, j], short - 1)[:short])
            rows = np.unique(np.concatenate(picked))
        scores = self._matrix[rows] @ queries.T  # (len(rows), m)
        out = []
        for j, k in enumerate(ks):
            k = min(k, len(rows))
            if k <= 0 or not np.any(queries[j]):
                out.append([])
                continue
            column = scores[:, j]
            top = np.argpartition(-column, k - 1)[:k]
            top = top[np.argsort(-column[top])]
            out.append([(int(self._ids[rows[i]]), float(column[i])) for i in top])
        return out

    def _project(self) -> None:
        """Fit the principal directions (again once the index doubled) and project rows not yet projected."""
        with self._lock:
            if self._basis is None or self.size >= 2 * self._basis_rows:
                sample = self.matrix[np.random.default_rng(0).permutation(self.size)[:20_000]]
                _, _, vt = np.linalg.svd(sample, full_matrices=False)
                self._basis = np.ascontiguousarray(vt[:PROJECTION_DIM].T)
                self._basis_rows, self._projected = self.size, 0
            if self._projected < self.size:
                self._reduced[self._projected : self.size] = (
                    self._matrix[self._projected : self.size] @ self._basis
                )
                self._projected = self.size


_index = EmbeddingIndex()


def embedding_index() -> EmbeddingIndex:
    """This process's index, caught up with the database."""
    _index.refresh()
    return _index


def embedding_index_reset() -> None:
    """Empty this process's index without reloading (tests; after an evaluation rolled its worlds back)."""
    _index.reset()
