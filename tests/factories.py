"""Test data factories (factory_boy), one place for the whole suite."""

import factory
from django.contrib.auth import get_user_model

from worlds.models import World


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"creator{n}")


class WorldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = World
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"World {n}")
    prompt = "a quiet pine forest trail with mossy rocks"
    mechanics = factory.LazyFunction(lambda: ["collectibles"])
    seed = factory.Sequence(lambda n: 1000 + n)
    creator = factory.SubFactory(UserFactory)
    status = World.Status.PUBLISHED
    published_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").timezone.utc)

    @factory.post_generation
    def lineage(obj, create, extracted, **kwargs):
        if create and obj.root_id is None:
            World.objects.filter(pk=obj.pk).update(root=obj)
            obj.root = obj
