import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command

from tests.factories import UserFactory, WorldFactory
from tests.worlds.conftest import BLOCKED_WORD
from worlds import services
from worlds.models import Bookmark, Comment, Like, Moment, SpawnPoint, World
from worlds.selectors import remix_tree, world_ancestors, world_play_setup, world_spawn_point
from worlds.services import like_toggle, world_create

pytestmark = pytest.mark.django_db


def test_world_create_validates_prompt_title_and_mechanics():
    creator = UserFactory()
    with pytest.raises(ValidationError) as info:
        world_create(creator=creator, title="x", prompt="p" * 501, mechanics=[])
    assert "prompt" in info.value.message_dict
    with pytest.raises(ValidationError):
        world_create(creator=creator, title="  ", prompt="a forest", mechanics=[])
    with pytest.raises(ValidationError, match="Unknown mechanics: teleport") as info:
        world_create(creator=creator, title="t", prompt="a forest", mechanics=["teleport"])
    assert "mechanics" in info.value.message_dict
    assert World.objects.count() == 0


def test_remix_records_lineage_and_counts_published_remixes_only():
    original = world_create(
        creator=UserFactory(),
        title="A",
        prompt="a forest",
        mechanics=["collectibles"],
        status=World.Status.PUBLISHED,
    )
    remix = world_create(
        creator=UserFactory(), title="B", prompt="a snowy forest", mechanics=[], parent=original
    )
    remix2 = world_create(
        creator=UserFactory(), title="C", prompt="a snowy night forest", mechanics=[], parent=remix
    )
    original.refresh_from_db()
    assert (
        original.root == original and original.depth == 0 and original.remix_count == 0
    )  # drafts don't count
    assert (remix.parent, remix.root, remix.depth) == (original, original, 1)
    assert (remix2.parent, remix2.root, remix2.depth) == (remix, original, 2)
    assert remix.status == World.Status.DRAFT and remix.published_at is None

    services.world_publish(world=remix)
    services.world_publish(world=remix)  # idempotent
    original.refresh_from_db()
    assert original.remix_count == 1 and remix.published_at is not None
    services.world_reject(world=remix, reason="Taken down after review.")
    original.refresh_from_db()
    remix.refresh_from_db()
    assert original.remix_count == 0
    assert (remix.status, remix.rejection_reason, remix.published_at) == (
        "rejected",
        "Taken down after review.",
        None,
    )


def test_draft_create_screens_title_and_prompt_and_saves_nothing_when_blocked(screen):
    creator = UserFactory()
    with pytest.raises(ValidationError) as info:
        services.world_draft_create(
            creator=creator, title="ok", prompt=f"a {BLOCKED_WORD} place", mechanics=[]
        )
    assert info.value.message_dict == {"prompt": ["Your prompt breaks the rules."]}
    with pytest.raises(ValidationError) as info:
        services.world_draft_create(creator=creator, title=BLOCKED_WORD, prompt="a place", mechanics=[])
    assert list(info.value.message_dict) == ["title"]
    assert World.objects.count() == 0
    world = services.world_draft_create(
        creator=creator, title="Fine", prompt="a quiet lake", mechanics=["weather"]
    )
    assert world.status == World.Status.DRAFT and ("prompt", "a quiet lake") in screen


def test_the_real_text_screen_is_wired_in(monkeypatch):
    """Undo the stub once: moderation's own screen blocks an obvious prompt with its reason."""
    from moderation import services as moderation_services

    monkeypatch.undo()
    assert moderation_services.text_screen.__module__ == "moderation.services"
    with pytest.raises(ValidationError) as info:
        services.world_draft_create(
            creator=UserFactory(), title="Sim", prompt="a genocide simulator", mechanics=[]
        )
    assert "prompt" in info.value.message_dict and info.value.message_dict["prompt"][0]


def test_daily_quota(settings):
    settings.WORLDFEED_DAILY_CREATION_QUOTA = 2
    creator = UserFactory()
    for i in range(2):
        services.world_draft_create(creator=creator, title=f"W{i}", prompt="a forest", mechanics=[])
    with pytest.raises(services.QuotaExceeded) as info:
        services.world_draft_create(creator=creator, title="W3", prompt="a forest", mechanics=[])
    assert 24 * 3600 - 60 < info.value.retry_after <= 24 * 3600 + 1
    assert World.objects.filter(creator=creator).count() == 2
    services.world_draft_create(
        creator=UserFactory(), title="Other", prompt="a forest", mechanics=[]
    )  # per user


def test_remix_inherits_image_and_spawn_point_and_moment_wins():
    parent = WorldFactory()
    parent.reference_image.save("scene.jpg", ContentFile(b"jpegbytes"), save=True)
    SpawnPoint.objects.create(world=parent, state=b"parent-state", backend="engine")
    remixer = UserFactory()

    plain = services.world_draft_create(creator=remixer, title="R", prompt="p", mechanics=[], parent=parent)
    assert plain.reference_image.name == parent.reference_image.name
    assert bytes(world_spawn_point(world=plain).state) == b"parent-state"

    moment = Moment.objects.create(
        world=parent, state=b"moment-state", backend="engine", preview=b"\xff\xd8jpeg", viewer_key="s:x"
    )
    from_moment = services.world_draft_create(
        creator=remixer,
        title="M",
        prompt="p",
        mechanics=[],
        parent=parent,
        moment=moment,
        keep_parent_image=False,
    )
    spawn = world_spawn_point(world=from_moment)
    assert bytes(spawn.state) == b"moment-state" and spawn.preview and not from_moment.reference_image
    setup = world_play_setup(world=from_moment)
    assert setup["spawn_point"] == spawn.pk and setup["spawn_state"]

    with pytest.raises(ValidationError):
        services.world_draft_create(
            creator=remixer, title="X", prompt="p", mechanics=[], parent=WorldFactory(), moment=moment
        )  # a moment of another world
    with pytest.raises(ValidationError):
        services.world_draft_create(
            creator=remixer,
            title="X",
            prompt="p",
            mechanics=[],
            parent=WorldFactory(status=World.Status.DRAFT),
        )


def test_submit_starts_review_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    from moderation import services as moderation_services

    started = []
    monkeypatch.setattr(
        moderation_services, "world_review_start", lambda *, world_id: started.append(world_id)
    )
    world = WorldFactory(status=World.Status.DRAFT, published_at=None)
    with pytest.raises(PermissionDenied):
        services.world_submit(world=world, user=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        services.world_submit(world=world, user=world.creator)
    assert world.status == World.Status.PENDING and started == [world.pk]
    with pytest.raises(ValidationError):
        services.world_submit(world=world, user=world.creator)  # already pending


def test_edit_only_drafts_and_rejected_and_rejected_goes_back_to_draft():
    world = WorldFactory(status=World.Status.REJECTED, rejection_reason="nope")
    services.world_draft_update(
        world=world, editor=world.creator, title="New", prompt="a calm sea", mechanics=[]
    )
    world.refresh_from_db()
    assert (world.title, world.status) == ("New", World.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        services.world_draft_update(world=world, editor=UserFactory(), title="x", prompt="y", mechanics=[])
    published = WorldFactory()
    with pytest.raises(ValidationError):
        services.world_draft_update(
            world=published, editor=published.creator, title="x", prompt="y", mechanics=[]
        )


def test_moment_capture_only_on_published_worlds():
    published = WorldFactory()
    moment = services.moment_capture(
        world=published, state=b"s", backend="engine", preview=b"j", viewer_key="s:a"
    )
    assert Moment.objects.get(pk=moment.pk).world == published
    with pytest.raises(ValidationError):
        services.moment_capture(
            world=WorldFactory(status=World.Status.DRAFT),
            state=b"s",
            backend="engine",
            preview=b"",
            viewer_key="s:a",
        )
    with pytest.raises(ValidationError):
        services.moment_capture(world=published, state=b"", backend="engine", preview=b"", viewer_key="s:a")


def test_comments_are_screened_and_bookmarks_idempotent():
    world, user = WorldFactory(), UserFactory()
    with pytest.raises(ValidationError) as info:
        services.comment_create(world=world, author=user, body=f"so {BLOCKED_WORD}")
    assert list(info.value.message_dict) == ["body"]
    with pytest.raises(ValidationError):
        services.comment_create(world=world, author=user, body="   ")
    services.comment_create(world=world, author=user, body="  lovely  ")
    assert list(Comment.objects.values_list("body", flat=True)) == ["lovely"]
    assert services.bookmark_set(world=world, user=user, saved=True)
    assert services.bookmark_set(world=world, user=user, saved=True)
    assert Bookmark.objects.count() == 1
    assert not services.bookmark_set(world=world, user=user, saved=False) and Bookmark.objects.count() == 0


def test_lineage_and_tree():
    root = WorldFactory(title="Root")
    a = world_create(
        creator=UserFactory(), title="A", prompt="p", mechanics=[], parent=root, status=World.Status.PUBLISHED
    )
    b = world_create(
        creator=UserFactory(), title="B", prompt="p", mechanics=[], parent=a, status=World.Status.PUBLISHED
    )
    hidden = world_create(creator=UserFactory(), title="Hidden draft", prompt="p", mechanics=[], parent=a)
    assert [i.title for i in world_ancestors(world=b, user=None)] == ["Root", "A"]
    tree = remix_tree(world=b, user=None)
    assert tree.title == "Root" and [c.title for c in tree.children] == ["A"]
    assert [c.title for c in tree.children[0].children] == ["B"] and tree.children[0].children[0].is_current
    assert "Hidden draft" not in repr(tree)
    services.world_reject(world=a, reason="bad")
    a_item = world_ancestors(world=b, user=None)[1]
    assert not a_item.available and a_item.title != "A" and a_item.url == ""
    assert hidden.root_id == root.pk


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
    assert worlds.filter(remix_count__gte=1).exists()
    assert len({m for w in worlds for m in w.mechanics}) >= 6


def test_moments_expire_after_their_ttl_and_remixes_keep_their_copy(settings):
    from datetime import timedelta

    from django.utils import timezone

    from worlds.tasks import moments_expire

    settings.WORLDFEED_MOMENT_TTL_DAYS = 30
    parent = WorldFactory()
    old, fresh = (
        Moment.objects.create(world=parent, state=b"s", backend="engine", preview=b"", viewer_key="s:x")
        for _ in range(2)
    )
    Moment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    remix = services.world_draft_create(
        creator=UserFactory(), title="R", prompt="p", mechanics=[], parent=parent, moment=old
    )
    assert moments_expire() == 1  # the Celery task, run in-process
    assert list(Moment.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert bytes(world_spawn_point(world=remix).state) == b"s"  # the remix's own copy
    assert services.moments_expire(older_than=timedelta(0), batch=1) == 1  # batches until done
    assert not Moment.objects.exists()
