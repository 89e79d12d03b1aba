"""`python manage.py eval_guidelines`: recall and false-block rate of the current rules on the labelled set."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from moderation.guidelines.evaluation import LABELLED_SET, evaluate, load_labelled
from moderation.selectors import policy_screener


class Command(BaseCommand):
    help = "Print recall / false-block rate of the enabled PolicyRules on the shipped labelled prompt set."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(LABELLED_SET))
        parser.add_argument("--split", default="all", help="dev, heldout or all (each printed separately)")
        parser.add_argument("--json", dest="out", help="also write the scores (and errors) as JSON here")
        parser.add_argument("--errors", action="store_true", help="list every miss and false block/flag")

    def handle(self, *args, file: str, split: str, out: str | None, errors: bool, **options):
        screener = policy_screener()
        splits = ["dev", "heldout", "all"] if split == "all" else [split]
        report = {}
        for name in splits:
            scores = evaluate(screener, load_labelled(file, split=name))
            report[name] = scores.as_json()
            self.stdout.write(
                f"{name:8s} violating={scores.violating:3d} benign={scores.benign:3d}  "
                f"recall={scores.recall:.3f} (blocked {scores.block_recall:.3f})  "
                f"false-block={scores.false_block_rate:.3f}  false-flag={scores.false_flag_rate:.3f}"
            )
            if errors:
                for error in scores.errors:
                    self.stdout.write(f"    {error}")
        if out:
            Path(out).write_text(json.dumps(report, indent=2))
