"""What one engagement event is worth: the utility every aggregate, fit and evaluation in recommend/ uses.

Contract: `event_utility(kind, ms, data)` is additive over a viewer's events on a world, so a world's
utility per impression is a plain running sum divided by its impressions. Active play counts (play time,
actions per minute, action diversity, places reached, mechanic use); negative feedback weighs heavily:
one "not interested" cancels roughly a 40-minute play, a report more.
"""

from __future__ import annotations

import math

from feed.models import EngagementEvent

K = EngagementEvent.Kind

#: A play at least this long is an engaged play (the success of the exploration slots' Beta posterior).
ENGAGED_PLAY_MS = 10_000
#: Play time beyond this adds nothing more (idle tabs, forgotten sessions).
PLAY_CAP_MS = 30 * 60 * 1000
#: Places reached beyond this add nothing more.
CELLS_CAP = 40

WEIGHTS = {
    K.SKIP: -0.4,
    K.LIKE: 0.8,
    K.UNLIKE: -0.8,
    K.SHARE: 1.2,
    K.REMIX: 1.5,
    K.FOLLOW: 1.0,
    K.NOT_INTERESTED: -6.0,
    K.REPORT: -10.0,
}
NEGATIVE_KINDS = frozenset({K.SKIP, K.UNLIKE, K.NOT_INTERESTED, K.REPORT})
#: Kinds that mean "this viewer has seen this world" (never recommend it again).
SEEN_KINDS = frozenset({K.IMPRESSION, K.DWELL, K.SKIP, K.PLAY_START, K.PLAY_END, K.NOT_INTERESTED, K.REPORT})
#: Kinds that remove a world (and, more softly, its neighbours) from a viewer's feed.
BLOCKING_KINDS = frozenset({K.NOT_INTERESTED, K.REPORT})


def play_utility(ms: int | None, data: dict | None) -> float:
    """Utility of one finished play: log play time plus bonuses for active play.

    log1p(seconds / 10) gives ~0.1 for a 1 s bounce, 1.1 for 20 s, 2.9 for 3 minutes. Activity adds up to
    ~1.5 more: places reached (exploration), distinct actions and mechanic use relative to the time played.
    """
    seconds = min(max(ms or 0, 0), PLAY_CAP_MS) / 1000.0
    value = math.log1p(seconds / 10.0)
    data = data or {}
    cells = data.get("cells")
    if isinstance(cells, int | float) and cells > 0:
        value += 0.8 * math.log1p(min(cells, CELLS_CAP)) / math.log1p(CELLS_CAP)
    kinds = data.get("distinct_actions")
    if isinstance(kinds, int | float) and kinds > 0:
        value += 0.3 * min(kinds, 8) / 8.0
    actions, mechanic = data.get("actions"), data.get("mechanic_actions")
    if (
        isinstance(actions, int | float)
        and actions > 0
        and isinstance(mechanic, int | float)
        and mechanic > 0
    ):
        value += 0.4 * min(mechanic / actions, 1.0)
    return value


def event_utility(kind: str, ms: int | None = None, data: dict | None = None) -> float:
    """Utility contributed by one event (0 for impressions, dwell and play starts)."""
    if kind == K.PLAY_END:
        return play_utility(ms, data)
    return WEIGHTS.get(kind, 0.0)


def is_engaged_play(kind: str, ms: int | None) -> bool:
    return kind == K.PLAY_END and (ms or 0) >= ENGAGED_PLAY_MS
