"""Create and remix end to end: sign up, create a world, test-play the draft, submit it, remix a published
world from a moment (on its page and from a feed card), and see the lineage on the new world's page.

Screenshots of the create, remix and world pages (phone 390x844 and desktop 1440x900) go to
docs/screenshots/.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.browser.test_feed import DESKTOP, LIVE_TIMEOUT_MS, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser

PASSWORD = "lantern-bog-77!"
HIDE_SKIP_LINK = ".skip-link{display:none}"  # full-page captures of emulated phones misplace fixed elements


def scene_png() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (320, 240), (32, 96, 72))
    image.paste((250, 210, 90), (200, 30, 250, 80))
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def wait_drawn(page, world_id: int, frames: int = 5) -> None:
    page.wait_for_function(
        "([id, n]) => { const s = window.worldfeed && window.worldfeed.stats;"
        " return !!s && Number(s.worldId) === id && s.state === 'live' && s.framesDrawn >= n; }",
        arg=[world_id, frames],
        timeout=LIVE_TIMEOUT_MS,
    )


def world_id_of(url: str) -> int:
    return int(re.search(r"/w/(\d+)/", url).group(1))


def published_world_id(page, base: str, creator: str, title: str) -> int:
    page.goto(f"{base}/u/{creator}/")
    href = page.locator(".tile__link", has_text=title).first.get_attribute("href")
    return world_id_of(href)


def fill_create_form(page, *, title: str, prompt: str, image: bool) -> None:
    page.fill("#id_title", title)
    page.fill("#id_prompt", prompt)
    page.check("input[name=mechanics][value=hazards]")
    page.check("input[name=mechanics][value=daynight]")
    if image:
        page.set_input_files(
            "#id_reference_image", {"name": "scene.png", "mimeType": "image/png", "buffer": scene_png()}
        )
        page.wait_for_selector("[data-dropzone-preview]:not([hidden])")


def remix_from_moment_on_page(page, base: str, world_id: int) -> str:
    page.goto(f"{base}/w/{world_id}/")
    wait_drawn(page, world_id, frames=8)
    page.keyboard.down("d")
    page.wait_for_timeout(400)
    page.keyboard.up("d")
    page.click("[data-remix-moment]")
    page.wait_for_url(re.compile(r"/w/\d+/remix/\?moment=[0-9a-f-]{36}$"), timeout=20_000)
    return page.url


def test_sign_up_create_test_play_and_remix_from_a_moment(browser, live_site):
    base = live_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = browser.new_context(**DESKTOP)
    page = desktop.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Sign up from the Create button: log-in wall, then sign up, then straight back to /create/.
    page.goto(base + "/")
    page.click(".nav__create")
    page.wait_for_url("**/login/?next=/create/")
    page.click("text=Create an account")
    page.fill("#id_username", "lanternmaker")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/create/")

    # A bad image comes back beside its field, nothing saved, the text kept.
    fill_create_form(page, title="Lantern Bog", prompt="a misty swamp with lantern lights", image=False)
    page.set_input_files(
        "#id_reference_image",
        {"name": "scene.png", "mimeType": "image/png", "buffer": b"definitely not a png"},
    )
    page.click("button[type=submit]")
    error = page.locator("#field-reference_image .field__errors")
    assert "not a PNG, JPEG or WebP" in error.inner_text()
    assert page.input_value("#id_title") == "Lantern Bog"

    # Create with a real starting scene, then test-play the draft.
    fill_create_form(
        page,
        title="Lantern Bog",
        prompt="a misty swamp with lantern lights and slow bog creatures",
        image=True,
    )
    page.add_style_tag(content=HIDE_SKIP_LINK)
    page.screenshot(path=str(SCREENSHOTS / "create-desktop.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/w/\d+/$"))
    draft_id = world_id_of(page.url)
    assert "Draft" in page.locator("[data-world-status]").inner_text()
    wait_drawn(page, draft_id)
    stats = page.evaluate("() => window.worldfeed.stats")
    assert stats["framesDrawn"] >= 5 and stats["backend"]

    # Submit: the moderation gate takes it (pending, or already decided by the time we look).
    page.click("[data-submit-world]")
    page.wait_for_url(f"{base}/w/{draft_id}/")
    assert page.locator("[data-world-page]").get_attribute("data-status") in {
        "pending",
        "published",
        "rejected",
    }

    # Remix a published world from a moment reached while playing it.
    parent_id = published_world_id(page, base, "mossgarden", "Pine Trail")
    remix_from_moment_on_page(page, base, parent_id)
    assert "Starting from a moment in" in page.inner_text(".source")
    assert page.input_value("#id_prompt")  # prefilled from the parent
    page.screenshot(path=str(SCREENSHOTS / "remix-desktop.png"), full_page=True)
    page.fill("#id_title", "Pine Trail, from here")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/w/\d+/$"))
    remix_id = world_id_of(page.url)
    assert remix_id not in (parent_id, draft_id)

    # The new world shows where it came from, and it plays (from the captured moment).
    lineage = page.locator("[data-lineage]").inner_text()
    assert "Remixed from a moment in" in lineage and "Pine Trail" in lineage and "@mossgarden" in lineage
    current = page.locator("[data-remix-tree] .tree__node--current").inner_text()
    assert "Pine Trail, from here" in current and "from a moment" in current
    wait_drawn(page, remix_id)
    page.screenshot(path=str(SCREENSHOTS / "world-desktop.png"))

    # A published world's page: comment on it (text, not HTML), then picture it.
    page.goto(f"{base}/w/{parent_id}/")
    page.fill("#id_body", "Found a <b>secret</b> ledge past the second tree!")
    page.click(".comment-form button[type=submit]")
    page.wait_for_url(f"{base}/w/{parent_id}/#comments")
    assert (
        page.locator(".comment__text").last.inner_text()
        == "Found a <b>secret</b> ledge past the second tree!"
    )
    page.goto(f"{base}/w/{parent_id}/")
    wait_drawn(page, parent_id)
    page.screenshot(path=str(SCREENSHOTS / "world-published-desktop.png"))

    # From a feed card: the Remix sheet offers the moment once the card is live.
    page.goto(base + "/")
    page.wait_for_function(
        "() => window.worldfeed && window.worldfeed.feed && window.worldfeed.feed.worldId",
        timeout=LIVE_TIMEOUT_MS,
    )
    feed_world = page.evaluate("() => window.worldfeed.feed.worldId")
    wait_drawn(page, feed_world, frames=5)
    page.click(".card.is-active [data-action=remix]")
    page.click("dialog.sheet [data-sheet-item=moment]")
    page.wait_for_url(re.compile(rf"/w/{feed_world}/remix/\?moment="), timeout=20_000)
    assert not errors, errors
    storage = desktop.storage_state()
    desktop.close()

    # Phone screenshots, signed in as the same creator.
    phone = browser.new_context(**PHONE, storage_state=storage)
    page = phone.new_page()
    page.goto(base + "/create/")
    fill_create_form(
        page,
        title="Lantern Bog",
        prompt="a misty swamp with lantern lights and slow bog creatures",
        image=True,
    )
    page.add_style_tag(content=HIDE_SKIP_LINK)
    page.screenshot(path=str(SCREENSHOTS / "create-phone.png"), full_page=True)
    remix_from_moment_on_page(page, base, parent_id)
    page.add_style_tag(content=HIDE_SKIP_LINK)
    page.screenshot(path=str(SCREENSHOTS / "remix-phone.png"), full_page=True)
    page.goto(f"{base}/w/{remix_id}/")
    wait_drawn(page, remix_id)
    page.screenshot(path=str(SCREENSHOTS / "world-phone.png"))
    page.evaluate("() => document.querySelector('.panel').scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "world-phone-details.png"))
    page.goto(f"{base}/w/{parent_id}/")
    wait_drawn(page, parent_id)
    page.screenshot(path=str(SCREENSHOTS / "world-published-phone.png"))
    phone.close()
