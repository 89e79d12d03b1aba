import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import UserFactory, WorldFactory
from worlds.models import Like, World
from worlds.services import like_toggle, world_create

pytestmark = pytest.mark.django_db


def test_world_create_validates_prompt_title_and_mechanics():
    creator = UserFactory()
    with pytest.raises(ValidationError) as info:
        world_create(creator=creator, title="x", prompt="p" * 501, mechanics=[])
    assert "prompt" in info.value.message_dict
    with pytest.raises(ValidationError):
        world_create(creator=creator, title="  ", prompt="a forest", mechanics=[])
    with pytest.raises(ValidationError, match="Unknown mechanics: teleport"):
        world_create(creator=creator, title="t", prompt="a forest", mechanics=["teleport"])
    assert World.objects.count() == 0


def test_remix_records_lineage_and_counts():
    original = world_create(creator=UserFactory(), title="A", prompt="a forest", mechanics=["collectibles"],
                            status=World.Status.PUBLISHED)
    remix = world_create(creator=UserFactory(), title="B", prompt="a snowy forest", mechanics=[], parent=original)
    remix2 = world_create(creator=UserFactory(), title="C", prompt="a snowy night forest", mechanics=[], parent=remix)
    original.refresh_from_db()
    assert original.root == original and original.depth == 0 and original.remix_count == 1
    assert (remix.parent, remix.root, remix.depth) == (original, original, 1)
    assert (remix2.parent, remix2.root, remix2.depth) == (remix, original, 2)
    assert remix.status == World.Status.DRAFT and remix.published_at is None


def test_like_toggle_is_per_viewer():
    world = WorldFactory()
    assert like_toggle(world=world, viewer_key="s:a", user=None) == (True, 1)
    assert like_toggle(world=world, viewer_key="s:b", user=None) == (True, 2)
    assert like_toggle(world=world, viewer_key="s:a", user=None) == (False, 1)
    assert Like.objects.filter(world=world).count() == 1


def test_seed_worlds_is_idempotent_and_varied():
    call_command("seed_worlds")
    first = set(World.objects.values_list("pk", flat=True))
    call_command("seed_worlds")
    worlds = World.objects.filter(status=World.Status.PUBLISHED)
    assert set(worlds.values_list("pk", flat=True)) == first and len(first) >= 12
    assert all(w.preview for w in worlds)
    assert worlds.filter(depth__gte=2).exists()  # a remix chain ships with the catalogue
    assert len({m for w in worlds for m in w.mechanics}) >= 6
