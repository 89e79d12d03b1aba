"""Writing engagement like the browser and play socket do, for recommender tests."""

from feed.models import EngagementEvent


def log(viewer: str, world, kind: str, ms: int | None = None, **data) -> EngagementEvent:
    return EngagementEvent.objects.create(kind=kind, world=world, viewer_key=viewer, ms=ms, data=data)


def played(viewer: str, world, seconds: float, **data) -> None:
    """An impression followed by a play of `seconds` (a skip below 2 s)."""
    log(viewer, world, "impression")
    log(viewer, world, "play_start")
    log(viewer, world, "skip" if seconds < 2 else "dwell", int(seconds * 1000))
    log(viewer, world, "play_end", int(seconds * 1000), **data)
