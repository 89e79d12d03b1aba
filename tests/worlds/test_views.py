"""Create, remix, edit and submit; the permalink page; social endpoints; bad input everywhere."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from feed.models import EngagementEvent
from tests.factories import UserFactory, WorldFactory
from tests.worlds.conftest import BLOCKED_WORD, image_bytes
from worlds.models import Bookmark, Comment, Moment, SpawnPoint, World

pytestmark = pytest.mark.django_db

XSS_TITLE = "<script>alert('t')</script>"
XSS_PROMPT = '<img src=x onerror="alert(1)">'


@pytest.fixture
def creator(client):
    user = UserFactory(username="maker")
    client.force_login(user)
    return user


def form_data(**overrides) -> dict:
    data = {
        "title": "Lantern Bog",
        "prompt": "a misty swamp with lantern lights",
        "mechanics": ["hazards", "daynight"],
    }
    data.update(overrides)
    return data


def html(response) -> str:
    return response.content.decode()


# --- create ------------------------------------------------------------------------------------------


def test_create_requires_login(client):
    response = client.get("/create/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/create/")


def test_create_page_offers_the_models_mechanics(client, creator):
    page = html(client.get("/create/"))
    for mechanic in ("gravity", "collectibles", "hazards", "weather", "daynight", "speed"):
        assert f'value="{mechanic}"' in page
    assert "Gravity &amp; jumping" in page and "Press jump to leap" in page
    assert 'accept="image/png,image/jpeg,image/webp"' in page


def test_create_saves_a_draft_with_its_image_and_shows_it_to_its_owner_only(client, creator):
    photo = SimpleUploadedFile("scene.png", image_bytes("PNG", (200, 100)), content_type="image/png")
    response = client.post("/create/", {**form_data(), "reference_image": photo})
    world = World.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/w/{world.pk}/"
    assert (world.status, world.creator, world.mechanics) == ("draft", creator, ["daynight", "hazards"])
    with Image.open(world.reference_image) as image:
        assert image.format == "JPEG" and image.size == (200, 100)

    page = html(client.get(f"/w/{world.pk}/"))
    assert "Draft" in page and "Submit for review" in page and 'name="robots" content="noindex"' in page
    assert client.get(f"/w/{world.pk}/preview.jpg").status_code == 200  # placeholder until rendered

    client.force_login(UserFactory())
    for url in (
        f"/w/{world.pk}/",
        f"/w/{world.pk}/preview.jpg",
        f"/w/{world.pk}/scene.jpg",
        f"/w/{world.pk}/edit/",
        f"/w/{world.pk}/remix/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/w/{world.pk}/submit/").status_code == 404
    client.logout()
    assert client.get(f"/w/{world.pk}/").status_code == 404


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"prompt": "p" * 501}, "prompt", "at most 500 characters"),
        ({"prompt": ""}, "prompt", "This field is required"),
        ({"title": ""}, "title", "This field is required"),
        ({"title": "t" * 81}, "title", "at most 80 characters"),
        ({"mechanics": ["teleport"]}, "mechanics", "teleport is not one of the available choices"),
        ({"prompt": f"a {BLOCKED_WORD} world"}, "prompt", "Your prompt breaks the rules."),
        ({"title": f"{BLOCKED_WORD}!"}, "title", "Your title breaks the rules."),
    ],
)
def test_form_errors_show_beside_their_field_and_save_nothing(client, creator, overrides, field, message):
    response = client.post("/create/", form_data(**overrides))
    assert response.status_code == 400
    page = html(response)
    block = page[page.index(f'id="field-{field}"') :]
    block = block[: block.index("</ul>")]
    assert "field__errors" in block and message in block
    assert World.objects.count() == 0


BAD_IMAGES = {
    "wrong type": (b"<?php system($_GET['c']); ?>", "scene.png", "not a PNG, JPEG or WebP"),
    "gif": (image_bytes("GIF"), "scene.jpg", "this file is GIF"),
    "truncated": (None, "scene.png", "damaged or incomplete"),
    "too many pixels": (image_bytes("PNG", (5000, 5000)), "big.png", "at most 4096×4096"),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES))
def test_bad_images_are_a_400_beside_the_image_field(client, creator, case):
    data, name, message = BAD_IMAGES[case]
    if data is None:
        from tests.worlds.test_reference_images import _noisy_png

        full = _noisy_png(128, 128)
        data = full[: len(full) // 2]
    response = client.post("/create/", {**form_data(), "reference_image": SimpleUploadedFile(name, data)})
    assert response.status_code == 400
    page = html(response)
    block = page[page.index('id="field-reference_image"') :]
    assert message in block[: block.index("</ul>")]
    assert World.objects.count() == 0


def test_oversized_upload_is_not_kept_and_is_a_400(client, creator, settings):
    settings.WORLDFEED_REFERENCE_IMAGE_MAX_BYTES = (
        200 * 1024
    )  # same code path as 5 MB, a smaller body to send
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (300 * 1024), content_type="image/png")
    response = client.post("/create/", {**form_data(), "reference_image": big})
    assert response.status_code == 400
    page = html(response)
    block = page[page.index('id="field-reference_image"') :]
    assert "Images can be at most 200 KB." in block[: block.index("</ul>")]
    assert World.objects.count() == 0
    from worlds.upload_limits import SizeLimitedUploadHandler

    handler = SizeLimitedUploadHandler(max_bytes=10)
    handler.new_file("file", "a.png", "image/png", 100)
    assert handler.receive_data_chunk(b"x" * 8, 0) == b"x" * 8
    assert handler.receive_data_chunk(b"x" * 8, 8) is None and handler.file_complete(16).size == 16


def test_absurd_request_bodies_are_refused_before_reading(client, creator):
    response = client.generic(
        "POST",
        "/create/",
        b"x" * 10,
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 400 and b"5 MB" in response.content


def test_daily_quota_answers_429_with_retry_after(client, creator, settings):
    settings.WORLDFEED_DAILY_CREATION_QUOTA = 1
    assert client.post("/create/", form_data()).status_code == 302
    response = client.post("/create/", form_data(title="Second"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 24 * 3600 + 1
    assert "Try again in 24 hours" in html(response)
    assert World.objects.count() == 1
    assert "You’ve reached today’s limit" in html(client.get("/create/"))


# --- review lifecycle on the page ---------------------------------------------------------------------


def test_submit_then_rejection_reason_is_shown_to_the_creator(
    client, creator, monkeypatch, django_capture_on_commit_callbacks
):
    from moderation import services as moderation_services
    from worlds.services import world_reject

    monkeypatch.setattr(
        moderation_services,
        "world_review_start",
        lambda *, world_id: world_reject(
            world=World.objects.get(pk=world_id), reason="Prompts can't depict <b>real</b> people."
        ),
    )
    client.post("/create/", form_data())
    world = World.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/w/{world.pk}/submit/").status_code == 302
    page = html(client.get(f"/w/{world.pk}/"))
    assert "Not published" in page and "Prompts can&#x27;t depict &lt;b&gt;real&lt;/b&gt; people." in page
    assert client.get(f"/w/{world.pk}/edit/").status_code == 200
    response = client.post(f"/w/{world.pk}/edit/", form_data(title="Lantern Bog II"))
    assert response.status_code == 302
    world.refresh_from_db()
    assert (world.title, world.status) == ("Lantern Bog II", "draft")


def test_pending_worlds_cannot_be_edited(client, creator):
    world = WorldFactory(creator=creator, status=World.Status.PENDING)
    assert client.get(f"/w/{world.pk}/edit/").status_code == 302
    assert "In review" in html(client.get(f"/w/{world.pk}/"))


# --- remix --------------------------------------------------------------------------------------------


def test_remix_is_prefilled_and_records_lineage(client, creator):
    parent = WorldFactory(
        title="Pine Trail", prompt="a quiet pine forest", mechanics=["collectibles", "weather"]
    )
    page = html(client.get(f"/w/{parent.pk}/remix/"))
    assert 'value="Pine Trail (remix)"' in page and "a quiet pine forest</textarea>" in page
    assert 'value="collectibles" id="id_mechanics_1" checked' in page or 'value="collectibles"' in page
    response = client.post(
        f"/w/{parent.pk}/remix/", form_data(title="Pine Trail Snow", prompt="a snowy pine forest")
    )
    remix = World.objects.get(title="Pine Trail Snow")
    assert response["Location"] == f"/w/{remix.pk}/"
    assert (remix.parent, remix.root, remix.depth, remix.status) == (parent, parent, 1, "draft")
    assert EngagementEvent.objects.filter(kind="remix", world=parent).exists()


def test_remix_from_a_moment_starts_from_it_and_the_page_shows_lineage(client, creator):
    parent = WorldFactory(title="Dune Runner")
    moment = Moment.objects.create(
        world=parent,
        state=b"state-bytes",
        backend="engine",
        preview=image_bytes("JPEG", (128, 128)),
        viewer_key="s:abc",
    )
    page = html(client.get(f"/w/{parent.pk}/remix/?moment={moment.pk}"))
    assert "Starting from a moment in" in page and f"/m/{moment.pk}.jpg" in page
    assert client.get(f"/m/{moment.pk}.jpg")["Content-Type"] == "image/jpeg"
    response = client.post(f"/w/{parent.pk}/remix/?moment={moment.pk}", form_data(title="Dune Moment"))
    remix = World.objects.get(title="Dune Moment")
    assert response.status_code == 302
    spawn = SpawnPoint.objects.get(world=remix)
    assert bytes(spawn.state) == b"state-bytes"

    from worlds.services import world_publish

    world_publish(world=remix)
    page = html(client.get(f"/w/{remix.pk}/"))
    assert "Remixed from a moment in" in page and f'href="/w/{parent.pk}/">Dune Runner</a>' in page
    assert "data-remix-tree" in page and 'aria-current="page">Dune Moment' in page
    assert client.get(f"/w/{parent.pk}/remix/?moment=not-a-uuid").status_code == 404
    gone = client.get(f"/w/{parent.pk}/remix/?moment=00000000-0000-0000-0000-000000000000")
    assert gone.status_code == 404  # expired: the page says why and offers the world's start
    assert "moments can be remixed from for 30 days" in gone.content.decode()
    assert f'href="/w/{parent.pk}/remix/"' in gone.content.decode()
    other = WorldFactory()
    assert client.get(f"/w/{other.pk}/remix/?moment={moment.pk}").status_code == 404


def test_an_anonymous_player_signs_up_and_lands_on_the_moment_remix(client):
    parent = WorldFactory()
    moment = Moment.objects.create(
        world=parent, state=b"s", backend="engine", preview=b"", viewer_key="s:anon"
    )
    remix_url = f"/w/{parent.pk}/remix/?moment={moment.pk}"
    login = client.get(remix_url)
    assert login.status_code == 302
    next_url = login["Location"].split("next=", 1)[1]
    from urllib.parse import unquote

    assert unquote(next_url) == remix_url
    response = client.post(
        "/signup/",
        {
            "username": "newcomer",
            "password1": "reef-drift-42!",
            "password2": "reef-drift-42!",
            "next": unquote(next_url),
        },
    )
    assert response["Location"] == remix_url
    assert "Starting from a moment in" in html(client.get(remix_url))


def test_drafts_cannot_be_remixed(client, creator):
    draft = WorldFactory(status=World.Status.DRAFT, creator=creator)
    assert client.get(f"/w/{draft.pk}/remix/").status_code == 404


# --- the permalink --------------------------------------------------------------------------------------


def test_permalink_has_opengraph_with_absolute_preview_url(client):
    world = WorldFactory(title="Neon Alley", prompt="rain-soaked neon alleys")
    page = html(client.get(f"/w/{world.pk}/"))
    assert '<meta property="og:title" content="Neon Alley">' in page
    assert f'<meta property="og:image" content="http://testserver/w/{world.pk}/preview.jpg">' in page
    assert f'<meta property="og:url" content="http://testserver/w/{world.pk}/">' in page
    assert 'property="og:description" content="rain-soaked neon alleys' in page
    assert "data-remix-moment" in page and f'href="/w/{world.pk}/remix/"' in page


def test_user_text_renders_as_text_everywhere(client, admin_client):
    world = WorldFactory(title=XSS_TITLE, prompt=XSS_PROMPT)
    Comment.objects.create(world=world, author=UserFactory(), body="<b onmouseover=alert(2)>hi</b>")
    pages = {
        "permalink": html(client.get(f"/w/{world.pk}/")),
        "feed": html(client.get("/")),
        "profile": html(client.get(f"/u/{world.creator.username}/")),
        "admin list": html(admin_client.get("/admin/worlds/world/")),
        "admin change": html(admin_client.get(f"/admin/worlds/world/{world.pk}/change/")),
        "admin comments": html(admin_client.get("/admin/worlds/comment/")),
    }
    for name, page in pages.items():
        assert XSS_TITLE not in page and XSS_PROMPT not in page, name
        assert "<b onmouseover" not in page, name
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in pages["permalink"]
    og = pages["permalink"].split('property="og:title" content="')[1].split('"')[0]
    assert "<" not in og and "&lt;script&gt;" in og
    from worlds.selectors import world_cards

    # Card JSON (the feed API) carries the raw text; cards.js writes it with textContent only.
    assert world_cards(worlds=[world], viewer_key=None)[0].as_json()["title"] == XSS_TITLE


# --- social -----------------------------------------------------------------------------------------------


def test_comments(client, creator):
    world = WorldFactory()
    response = client.post(f"/w/{world.pk}/comments/", {"body": "  What a view!  "})
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    assert "What a view!" in html(client.get(f"/w/{world.pk}/"))

    response = client.post(f"/w/{world.pk}/comments/", {"body": f"you {BLOCKED_WORD}"})
    assert response.status_code == 400
    page = html(response)
    block = page[page.index('id="field-body"') :]
    assert "Your comment breaks the rules." in block[: block.index("</ul>")]
    response = client.post(f"/w/{world.pk}/comments/", {"body": "x" * 501})
    assert response.status_code == 400 and Comment.objects.count() == 1

    client.logout()
    assert client.post(f"/w/{world.pk}/comments/", {"body": "anon"})["Location"].startswith("/login/")


def test_comment_rate_limit_answers_429(client, creator, settings):
    settings.WORLDFEED_RATE_LIMITS = {**settings.WORLDFEED_RATE_LIMITS, "comment": "2/minute"}
    world = WorldFactory()
    for i in range(2):
        assert client.post(f"/w/{world.pk}/comments/", {"body": f"c{i}"}).status_code == 302
    response = client.post(f"/w/{world.pk}/comments/", {"body": "c3"})
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert "commenting very fast" in html(response) and Comment.objects.count() == 2


def test_report_creates_a_review_case(client, creator):
    from moderation.models import ReviewCase

    world = WorldFactory()
    response = client.post(f"/w/{world.pk}/report/", {"reason": "broken", "details": "stuck at spawn"})
    assert response.status_code == 302
    case = ReviewCase.objects.get(world=world)
    assert "Broken or unplayable: stuck at spawn" in case.summary and case.reporter == creator
    assert EngagementEvent.objects.filter(kind="report", world=world).exists()
    response = client.post(f"/w/{world.pk}/report/", {"reason": "nonsense"})
    assert response.status_code == 400 and 'id="report" open' in html(response)


def post_json(client, url, payload=None):
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def test_bookmark_share_not_interested_and_follow(client):
    world = WorldFactory()
    assert post_json(client, f"/api/worlds/{world.pk}/bookmark/").status_code == 401
    assert post_json(client, f"/api/worlds/{world.pk}/share/", {"via": "clipboard"}).json()["url"] == (
        f"http://testserver/w/{world.pk}/"
    )
    assert post_json(client, f"/api/worlds/{world.pk}/not-interested/").json()["ok"]

    fan = UserFactory()
    client.force_login(fan)
    assert post_json(client, f"/api/worlds/{world.pk}/bookmark/", {"saved": True}).json() == {"saved": True}
    assert post_json(client, f"/api/worlds/{world.pk}/bookmark/").json() == {"saved": False}  # toggle
    assert not Bookmark.objects.exists()
    assert post_json(client, f"/api/worlds/{world.pk}/follow/").json() == {"following": True, "followers": 1}
    assert post_json(client, f"/api/worlds/{world.pk}/follow/", {"following": False}).json() == {
        "following": False,
        "followers": 0,
    }
    kinds = list(EngagementEvent.objects.filter(world=world).order_by("id").values_list("kind", "data"))
    assert kinds == [
        ("share", {"via": "clipboard"}),
        ("not_interested", {}),
        ("follow", {"creator": world.creator_id}),
    ]
    draft = WorldFactory(status=World.Status.DRAFT)
    assert post_json(client, f"/api/worlds/{draft.pk}/share/").status_code == 404


def test_profile_lists_published_worlds_remixes_and_followers(client):
    maker = UserFactory(username="pixelpilot")
    original = WorldFactory(creator=maker, title="Orbital Deck")
    WorldFactory(creator=maker, title="Deck Remix", parent=original)
    WorldFactory(creator=maker, title="Secret Draft", status=World.Status.DRAFT)
    page = html(client.get("/u/pixelpilot/"))
    assert "Orbital Deck" in page and "Deck Remix" in page and "Secret Draft" not in page
    assert "0</strong> followers" in page
    client.force_login(maker)
    assert "Secret Draft" in html(client.get("/u/pixelpilot/"))
    assert client.get("/u/nobody-here/").status_code == 404


def test_preview_image_is_jpeg(client):
    world = WorldFactory()
    response = client.get(f"/w/{world.pk}/preview.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    Image.open(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
