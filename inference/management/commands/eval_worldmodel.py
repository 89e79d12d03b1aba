"""`python manage.py eval_worldmodel --json PATH`: held-out evaluation of the world model (one JSON object).

A thin wrapper over `inference.evaluation`; see inference/evaluation/evaluate.py for the protocol.
"""

from __future__ import annotations

import argparse
import json

from django.core.management.base import BaseCommand

from inference.evaluation.__main__ import add_arguments, run


class Command(BaseCommand):
    help = "Evaluate the world model on held-out prompts/seeds: PSNR, controllability, collapse, speed."

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, **options):
        result = run(argparse.Namespace(**options))
        self.stdout.write(json.dumps(result, indent=2))
