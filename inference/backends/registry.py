"""Backends by dotted path, one instance per path per process."""

from __future__ import annotations

import threading

from django.utils.module_loading import import_string

from inference.backends.base import WorldModelBackend

_instances: dict[str, WorldModelBackend] = {}
_lock = threading.Lock()


def backend_from_path(path: str) -> WorldModelBackend:
    """Import `path` (a WorldModelBackend subclass), instantiate it once and return the instance."""
    with _lock:
        if path not in _instances:
            cls = import_string(path)
            if not (isinstance(cls, type) and issubclass(cls, WorldModelBackend)):
                raise TypeError(f"{path} is not a WorldModelBackend subclass")
            _instances[path] = cls()
        return _instances[path]
