"""Create the starter catalogue (idempotent): `python manage.py seed_worlds`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from worlds.models import World
from worlds.services import world_create, world_render_preview
from worlds.starter_catalogue import STARTER_CREATORS, STARTER_WORLDS


class Command(BaseCommand):
    help = "Create the starter worlds and their creators if missing, and render missing previews."

    def add_arguments(self, parser):
        parser.add_argument("--no-previews", action="store_true", help="skip rendering preview images")

    def handle(self, *args, no_previews: bool = False, **options):
        users = {}
        for name in STARTER_CREATORS:
            user, created = get_user_model().objects.get_or_create(username=name)
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            users[name] = user
        by_key: dict[str, World] = {}
        created = 0
        for key, creator, title, prompt, mechanics, seed, parent_key in STARTER_WORLDS:
            world = World.objects.filter(creator=users[creator], title=title).first()
            if world is None:
                with transaction.atomic():
                    world = world_create(
                        creator=users[creator],
                        title=title,
                        prompt=prompt,
                        mechanics=mechanics,
                        seed=seed,
                        parent=by_key.get(parent_key),
                        status=World.Status.PUBLISHED,
                    )
                created += 1
            by_key[key] = world
        rendered = 0
        if not no_previews:
            for world in by_key.values():
                if not world.preview:
                    world_render_preview(world=world)
                    rendered += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"starter catalogue: {created} worlds created, {len(by_key) - created} already there, "
                f"{rendered} previews rendered"
            )
        )
