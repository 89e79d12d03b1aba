"""The procedural game corpus: training data and ground truth for the world model.

Plain Python + numpy, importable without Django (and without torch unless text encoding is used).

- `spec`: THEMES, MECHANICS, CAMERAS and the validated, frozen `WorldSpec`.
- `game`: `Game`, a deterministic, endless, procedurally generated game that renders RGB frames.
- `prompts`: `spec_from_prompt` (MiniLM theme matching), `random_spec`, example prompts with a held-out split.
- `episodes`: action policies, `record_episode`, `write_shards` (compact .npz training shards).
"""

from inference.corpus.spec import CAMERAS, MECHANICS, THEMES, WorldSpec

__all__ = ["CAMERAS", "MECHANICS", "THEMES", "WorldSpec"]
