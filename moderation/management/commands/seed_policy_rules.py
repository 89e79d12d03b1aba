"""`python manage.py seed_policy_rules`: add any default guideline rule that is missing (never overwrites)."""

from django.core.management.base import BaseCommand

from moderation.services import policy_rules_seed


class Command(BaseCommand):
    help = "Add the default PolicyRules that are missing (migration 0002 runs this on migrate)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{policy_rules_seed()} default policy rules added"))
