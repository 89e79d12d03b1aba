"""`python manage.py train_worldmodel [--steps N] [--out DIR] [--smoke] [--fresh]`: train the world model.

A thin wrapper over `inference.training` (importable without Django). Resumes from the run dir's
checkpoint unless --fresh; the defaults reproduce the shipped inference/weights/worldmodel.pt.
"""

from __future__ import annotations

import argparse
import json

from django.core.management.base import BaseCommand, CommandError

from inference.training.__main__ import add_arguments, config_from_args
from inference.training.train import train


class Command(BaseCommand):
    help = "Train the neural world model on the procedural corpus (resumable, seeded)."

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, **options):
        try:
            summary = train(
                config_from_args(argparse.Namespace(**options)),
                resume=not options["fresh"],
                progress=not options["no_progress"],
                until=options["until"],
                log=lambda m: self.stdout.write(m),
            )
        except ValueError as error:  # a bad combination of options: say so, no traceback
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps({k: v for k, v in summary.items() if k != "final"}, default=str))
