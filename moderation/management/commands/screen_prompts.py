"""`python manage.py screen_prompts FILE --json OUT`: screen JSONL prompts against the guidelines.

Input lines: {"prompt": "...", "mechanics"?: ["hazards", ...]}; blank lines are skipped. Output: one JSONL
line per input line, same order: {"prompt", "allowed", "category", "reason", "flagged"}. A line that is not
a JSON object with a string "prompt" gets allowed=false, category "invalid_input".
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from moderation.guidelines.screening import BLOCK, FLAG
from moderation.selectors import policy_screener


class Command(BaseCommand):
    help = 'Screen JSONL prompts ({"prompt": ...} per line) and write one decision per line as JSONL.'

    def add_arguments(self, parser):
        parser.add_argument("file", help="input JSONL, or - for stdin")
        parser.add_argument("--json", dest="out", required=True, help="output JSONL path (- for stdout)")
        parser.add_argument("--field", default="prompt", choices=["prompt", "title", "comment"])

    def handle(self, *args, file: str, out: str, field: str, **options):
        import sys

        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("prompt"), str):
                    raise ValueError('expected an object with a string "prompt"')
            except ValueError as error:
                item = {"invalid": f"line {number}: {error}", "prompt": None}
            items.append(item)
        valid = [i for i in items if "invalid" not in i]
        decisions = iter(
            policy_screener().screen_many(
                [i["prompt"] for i in valid], field=field, mechanics=[i.get("mechanics") or [] for i in valid]
            )
        )
        lines = []
        for item in items:
            if "invalid" in item:
                lines.append(
                    {
                        "prompt": None,
                        "allowed": False,
                        "category": "invalid_input",
                        "reason": item["invalid"],
                        "flagged": False,
                    }
                )
                continue
            decision = next(decisions)
            lines.append(
                {
                    "prompt": item["prompt"],
                    "allowed": decision.action != BLOCK,
                    "category": decision.category,
                    "reason": decision.reason(field),
                    "flagged": decision.action == FLAG,
                }
            )
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        if out == "-":
            self.stdout.write(body, ending="")
        else:
            Path(out).write_text(body, encoding="utf-8")
            blocked = sum(not line["allowed"] for line in lines)
            flagged = sum(line["flagged"] for line in lines)
            self.stderr.write(f"{len(lines)} screened: {blocked} blocked, {flagged} flagged -> {out}")
