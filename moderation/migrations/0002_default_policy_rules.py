"""Seed the default guideline rules (moderation.guidelines.default_rules); only adds missing ones."""

from django.db import migrations


def seed(apps, schema_editor):
    from moderation.services import policy_rules_seed

    policy_rules_seed(rule_model=apps.get_model("moderation", "PolicyRule"))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
