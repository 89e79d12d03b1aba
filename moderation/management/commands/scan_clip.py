"""`python manage.py scan_clip PATH --json OUT`: run the frame scanners over a clip.

PATH: a GIF, WebP (animated or still), APNG, MP4 (PyAV) or a folder of frames.
Output: {"flagged": bool, "hits": [...], "frames", "fps", "scanners"}; exit status 0 either way.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from moderation.scan_clip import scan_clip_file


class Command(BaseCommand):
    help = "Scan a clip (GIF, WebP, MP4, folder of frames) and write {flagged, hits} as JSON."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--json", dest="out", required=True, help="output JSON path (- for stdout)")
        parser.add_argument(
            "--fps", type=float, help="override the clip's frame rate (folders default to 20)"
        )
        parser.add_argument("--scanners", help="comma-separated scanner names (default: all registered)")

    def handle(self, *args, path: str, out: str, fps: float | None, scanners: str | None, **options):
        from pathlib import Path

        from moderation.clips import ClipError

        names = [n.strip() for n in scanners.split(",") if n.strip()] if scanners else None
        try:
            result, text = scan_clip_file(path, fps=fps, names=names)
        except (ClipError, KeyError) as error:
            raise CommandError(str(error)) from None
        if out == "-":
            self.stdout.write(text)
        else:
            Path(out).write_text(text)
            self.stderr.write(
                f"{'FLAGGED' if result['flagged'] else 'clean'}: {len(result['hits'])} hit(s) "
                f"in {result['frames']} frames at {result['fps']:g} fps -> {out}"
            )
