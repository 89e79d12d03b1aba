"""Run the recommender's periodic work once, now: `python manage.py recommend_refresh`.

Beat runs the same tasks on a schedule; `make run` calls this after seeding so a fresh install
ranks with embeddings and aggregates from its first request.
"""

from django.core.management.base import BaseCommand

from recommend import services


class Command(BaseCommand):
    help = "Embed published worlds that lack an embedding, refresh aggregates and refit the ranker."

    def handle(self, *args, **options):
        embedded = services.embeddings_backfill()
        refreshed = services.aggregates_refresh().events
        services.ranker_fit()
        self.stdout.write(
            self.style.SUCCESS(
                f"recommender refreshed: {embedded} worlds embedded, {refreshed} events folded, ranker refit"
            )
        )
