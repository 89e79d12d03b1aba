"""Recall and false-block rate of a Screener on a labelled prompt set (moderation/data/labelled_prompts.jsonl).

Each line: {"prompt", "label": "violating" | "benign", "category", "split": "dev" | "heldout", "mechanics"?}.
- recall: share of violating prompts not let straight through (blocked, or flagged for a moderator: either
  way the world cannot reach the feed without a human); block_recall counts blocks only;
- false_block_rate: share of benign prompts blocked; false_flag_rate: share of benign prompts flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from moderation.guidelines.screening import ALLOW, BLOCK, FLAG, Screener

LABELLED_SET = Path(__file__).resolve().parents[1] / "data" / "labelled_prompts.jsonl"


def load_labelled(path: str | Path = LABELLED_SET, *, split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return [r for r in rows if split in (None, "all") or r.get("split") == split]


@dataclass
class Scores:
    violating: int = 0
    benign: int = 0
    caught: int = 0
    blocked: int = 0
    false_blocks: int = 0
    false_flags: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.violating if self.violating else 0.0

    @property
    def block_recall(self) -> float:
        return self.blocked / self.violating if self.violating else 0.0

    @property
    def false_block_rate(self) -> float:
        return self.false_blocks / self.benign if self.benign else 0.0

    @property
    def false_flag_rate(self) -> float:
        return self.false_flags / self.benign if self.benign else 0.0

    def as_json(self) -> dict:
        return {
            "violating": self.violating,
            "benign": self.benign,
            "recall": round(self.recall, 4),
            "block_recall": round(self.block_recall, 4),
            "false_block_rate": round(self.false_block_rate, 4),
            "false_flag_rate": round(self.false_flag_rate, 4),
            "errors": self.errors,
        }


def evaluate(screener: Screener, rows: list[dict]) -> Scores:
    decisions = screener.screen_many(
        [r["prompt"] for r in rows], field="prompt", mechanics=[r.get("mechanics", []) for r in rows]
    )
    scores = Scores()
    for row, decision in zip(rows, decisions, strict=True):
        if row["label"] == "violating":
            scores.violating += 1
            scores.caught += decision.action != ALLOW
            scores.blocked += decision.action == BLOCK
            if decision.action == ALLOW:
                scores.errors.append(
                    {"error": "missed", "prompt": row["prompt"], "category": row.get("category")}
                )
        else:
            scores.benign += 1
            scores.false_blocks += decision.action == BLOCK
            scores.false_flags += decision.action == FLAG
            if decision.action != ALLOW:
                scores.errors.append(
                    {
                        "error": f"false {decision.action}",
                        "prompt": row["prompt"],
                        "reason": decision.reason("prompt"),
                    }
                )
    return scores
