"""The swipe feed end to end: a real server, system Chromium, live frames over the play socket.

Figures from `window.worldfeed.stats` (first frame, fps, input latency) are printed; run with `-s` to
see them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to a scratch folder so a test run leaves the tree clean; refresh the committed ones with
# WORLDFEED_SCREENSHOTS_DIR=docs/screenshots.
SCREENSHOTS = Path(os.environ.get("WORLDFEED_SCREENSHOTS_DIR") or "/tmp/worldfeed-screenshots")
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
LIVE_TIMEOUT_MS = 60_000  # the first session of a cold server warms the backend up

STATS_JS = "() => JSON.parse(JSON.stringify(window.worldfeed.stats))"
CANVAS_JS = """() => {
  const canvas = document.querySelector('.card.is-active canvas, [data-world-page] canvas');
  const {data} = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += data[i] * 3 + data[i + 1] * 5 + data[i + 2] * 7;
  return {sum, url: canvas.toDataURL('image/png')};
}"""


def wait_live(page, world_id: int, frames: int = 5) -> dict:
    """Wait until the session of `world_id` has drawn `frames` frames; return its stats."""
    page.wait_for_function(
        "([id, n]) => { const s = window.worldfeed && window.worldfeed.stats;"
        " return !!s && Number(s.worldId) === id && s.state === 'live' && s.framesDrawn >= n; }",
        arg=[world_id, frames],
        timeout=LIVE_TIMEOUT_MS,
    )
    return page.evaluate(STATS_JS)


def wait_focused(page, index: int) -> None:
    page.wait_for_function(
        "i => window.worldfeed.feed && window.worldfeed.feed.index === i", arg=index, timeout=5000
    )


def card_ids(page) -> list[int]:
    page.wait_for_selector(".card[data-world-id]")
    return [
        int(x)
        for x in page.eval_on_selector_all(".card[data-world-id]", "els => els.map(e => e.dataset.worldId)")
    ]


def touch(cdp, kind: str, points: list[tuple[float, float]]) -> None:
    """One touch event through the browser's input pipeline; each point is a finger (index = id).

    `cdp` is one CDP session per page: the browser tracks the touches of a gesture per session.
    """
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def touch_swipe(cdp, x: float, y_from: float, y_to: float, steps: int = 10) -> None:
    """A real finger swipe: touch down, move in steps at ~60 Hz, lift."""
    touch(cdp, "touchStart", [(x, y_from)])
    for i in range(1, steps + 1):
        touch(cdp, "touchMove", [(x, y_from + (y_to - y_from) * i / steps)])
        time.sleep(0.016)
    touch(cdp, "touchEnd", [])


def centre(box: dict, fx: float = 0.5, fy: float = 0.5) -> tuple[float, float]:
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def report(label: str, stats: dict) -> None:
    keys = (
        "worldId",
        "backend",
        "firstFrameMs",
        "liveMs",
        "fps",
        "framesReceived",
        "framesDrawn",
        "framesDroppedClient",
        "framesSkippedServer",
        "actionsSent",
        "rttMs",
        "latency",
    )
    print(f"\n[worldfeed stats] {label}: " + json.dumps({k: stats.get(k) for k in keys}))


def set_hidden(page, hidden: bool) -> None:
    """Make the page believe its tab was hidden (or shown) and tell it so."""
    page.evaluate(
        """hidden => {
      Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => hidden ? 'hidden' : 'visible'});
      document.dispatchEvent(new Event('visibilitychange'));
    }""",
        hidden,
    )


def collect_event_batches(page) -> list[dict]:
    batches: list[dict] = []

    def on_request(request):
        if request.method == "POST" and request.url.endswith("/api/events/"):
            batches.append({"body": json.loads(request.post_data or "{}"), "request": request})

    page.on("request", on_request)
    return batches


def test_phone_swipe_to_second_world_and_play(browser, live_site):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    batches = collect_event_batches(page)
    try:
        page.goto(live_site + "/")
        ids = card_ids(page)
        assert len(ids) >= 2, "the feed should show at least two worlds"

        # The focused card shows its preview at once, then turns live.
        first = page.locator(".card").first
        assert first.locator("img.world__preview").evaluate("img => img.complete && img.naturalWidth > 0")
        first_stats = wait_live(page, ids[0])
        report("phone, first card", first_stats)
        assert first_stats["firstFrameMs"] is not None and first_stats["width"] > 0
        # On a touch screen the d-pad and jump button are there; the keyboard hint is not.
        assert first.locator("[data-dpad]").is_visible() and first.locator("[data-jump]").is_visible()
        assert not page.locator(".hint--panel").is_visible()

        # Swipe up on the metadata (the d-pad keeps its touches for play) -> the second world.
        info = first.locator(".card__info").bounding_box()
        x, y = info["x"] + info["width"] / 2, info["y"] + info["height"] / 2
        cdp = context.new_cdp_session(page)
        touch_swipe(cdp, x, y, y - 480)
        wait_focused(page, 1)
        assert page.evaluate("() => document.querySelector('.feed').scrollTop") == pytest.approx(
            page.evaluate("() => document.querySelector('.card:nth-child(2)').offsetTop"), abs=2
        )
        wait_live(page, ids[1])
        # The first card's session was released: one socket open, its stats closed.
        page.wait_for_function("() => window.worldfeed.openSockets === 1", timeout=5000)
        assert (
            page.evaluate("id => window.worldfeed.sessions.find(s => Number(s.worldId) === id).state", ids[0])
            == "closed"
        )

        # The card after the focused one has its preview loaded already.
        page.wait_for_function(
            "() => { const img = document.querySelector('.card:nth-child(3) img.world__preview');"
            " return !img || (img.loading === 'eager' && img.complete && img.naturalWidth > 0); }",
            timeout=5000,
        )

        # Hold "d" (right) for a second, with key repeat: frames keep coming and the picture changes.
        before = page.evaluate(STATS_JS)
        canvas_before = page.evaluate(CANVAS_JS)
        page.keyboard.down("d")
        for _ in range(4):
            page.wait_for_timeout(250)
            page.keyboard.down("d")  # Playwright sends these with repeat=true
        during = page.evaluate(STATS_JS)
        canvas_during = page.evaluate(CANVAS_JS)
        page.keyboard.up("d")
        page.wait_for_timeout(400)
        after = page.evaluate(STATS_JS)
        assert during["framesReceived"] - before["framesReceived"] > 10
        assert canvas_during["url"] != canvas_before["url"] and canvas_during["sum"] != canvas_before["sum"]
        assert during["heldButtons"] == ["right"] and after["heldButtons"] == []
        # Key repeat does not resend: exactly one action for the press and one for the release.
        assert after["actionsSent"] - before["actionsSent"] == 2
        assert after["lastActionApplied"] >= 1
        assert after["latency"]["samples"] >= 1 and after["latency"]["p50"] is not None
        assert after["acksSent"] == after["framesDrawn"], "every frame shown is acked"
        report("phone, second card after holding d", after)

        # Multi-touch on the on-screen controls: one thumb on the d-pad's right, one on jump.
        card = page.locator(".card.is-active")
        right = centre(card.locator("[data-dpad]").bounding_box(), fx=0.88)
        jump = centre(card.locator("[data-jump]").bounding_box())
        touch(cdp, "touchStart", [right, jump])
        page.wait_for_timeout(300)
        held = page.evaluate(STATS_JS)["heldButtons"]
        touch(cdp, "touchEnd", [])
        page.wait_for_timeout(300)
        assert held == ["right", "jump"]
        assert page.evaluate(STATS_JS)["heldButtons"] == []
        assert page.evaluate("() => window.worldfeed.feed.index") == 1, (
            "touching the controls does not scroll"
        )

        page.screenshot(path=str(SCREENSHOTS / "feed-phone.png"))

        # Engagement: impressions for both worlds, and leaving the first one is a skip or a dwell.
        page.evaluate("() => window.worldfeed.events.flush()")
        page.wait_for_timeout(300)
        events = [e for b in batches for e in b["body"].get("events", [])]
        impressions = {e["world"] for e in events if e["type"] == "impression"}
        assert {ids[0], ids[1]} <= impressions
        left = [e for e in events if e["world"] == ids[0] and e["type"] in ("skip", "dwell")]
        assert len(left) == 1 and isinstance(left[0]["ms"], int)
        for batch in batches:
            response = batch["request"].response()
            assert response is not None and response.status == 200, batch["body"]
        assert not errors, errors
    finally:
        context.close()


def test_desktop_keyboard_navigation_and_like(browser, live_site):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(live_site + "/")
        ids = card_ids(page)
        assert len(ids) >= 2
        report("desktop, first card", wait_live(page, ids[0]))
        assert page.locator(".hint--panel").is_visible()
        assert not page.locator(".card").first.locator("[data-dpad]").is_visible()

        def at_card(index: int) -> None:
            wait_focused(page, index)
            offset = page.evaluate(
                "() => { const f = document.querySelector('.feed'); return f.scrollTop / f.clientHeight; }"
            )
            assert offset == pytest.approx(index, abs=0.01), "keyboard moves exactly one card"

        page.keyboard.press("ArrowDown")
        at_card(1)
        if len(ids) >= 3:
            page.keyboard.press("PageDown")
            at_card(2)
            page.keyboard.press("PageUp")
            at_card(1)
        # One wheel step moves one card, whichever way.
        page.mouse.move(720, 450)
        page.mouse.wheel(0, 120)
        at_card(2 if len(ids) >= 3 else 1)
        page.wait_for_timeout(300)
        page.mouse.wheel(0, -120)
        at_card(1)
        stats = wait_live(page, ids[1])
        assert stats["actionsSent"] == 0, "navigation keys are not world input"
        page.wait_for_function("() => window.worldfeed.openSockets === 1", timeout=5000)

        # Space jumps (an action), it does not scroll the feed.
        page.keyboard.press("Space")
        page.wait_for_timeout(300)
        assert page.evaluate(STATS_JS)["actionsSent"] == 2
        assert page.evaluate("() => window.worldfeed.feed.index") == 1

        # The like button toggles through the API and shows the server's answer.
        like = page.locator(".card.is-active [data-action='like']")
        count = like.locator("[data-field='like_count']")
        was_pressed, was_count = like.get_attribute("aria-pressed"), int(count.inner_text())
        with page.expect_response(lambda r: r.url.endswith(f"/api/worlds/{ids[1]}/like/")) as response_info:
            like.click()
        data = response_info.value.json()
        assert response_info.value.status == 200
        page.wait_for_function("el => !el.disabled", arg=like.element_handle())
        assert like.get_attribute("aria-pressed") == str(data["liked"]).lower()
        assert int(count.inner_text()) == data["like_count"]
        assert data["liked"] != (was_pressed == "true")
        assert data["like_count"] == was_count + (1 if data["liked"] else -1)
        with page.expect_response(lambda r: r.url.endswith(f"/api/worlds/{ids[1]}/like/")):
            like.click()
        page.wait_for_function("el => !el.disabled", arg=like.element_handle())
        assert like.get_attribute("aria-pressed") == was_pressed and int(count.inner_text()) == was_count

        page.mouse.move(10, 10)  # no hover styles in the screenshot
        wait_live(page, ids[1], frames=20)
        page.screenshot(path=str(SCREENSHOTS / "feed-desktop.png"))
        report("desktop, second card", page.evaluate(STATS_JS))

        # A hidden tab closes its socket; coming back starts a new session of the same world.
        sessions = page.evaluate("() => window.worldfeed.sessions.length")
        # The dwell so far goes out with navigator.sendBeacon (JSON), which the server accepts.
        with page.expect_response(lambda r: r.url.endswith("/api/events/")) as beacon:
            set_hidden(page, True)
        assert beacon.value.status == 200, beacon.value.text()
        page.wait_for_function("() => window.worldfeed.openSockets === 0", timeout=5000)
        set_hidden(page, False)
        page.wait_for_function("n => window.worldfeed.sessions.length === n + 1", arg=sessions, timeout=5000)
        wait_live(page, ids[1])
        assert not errors, errors
    finally:
        context.close()


def test_world_page_plays_and_unknown_world_is_404(browser, live_site):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        page.goto(live_site + "/")
        world_id = card_ids(page)[0]
        page.goto(f"{live_site}/w/{world_id}/")
        stats = wait_live(page, world_id)
        report("world page", stats)
        page.keyboard.down("ArrowUp")  # on a world page every arrow moves in the world
        page.wait_for_timeout(200)
        page.keyboard.up("ArrowUp")
        page.wait_for_timeout(200)
        assert page.evaluate(STATS_JS)["actionsSent"] == 2

        response = page.goto(f"{live_site}/w/987654321/")
        assert response.status == 404
        assert page.locator(".error-page").is_visible()
        assert page.locator("a.button[href='/']").is_visible()
    finally:
        context.close()


def test_feed_appends_cards_from_the_api(browser, live_site):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        page.goto(live_site + "/")
        ids = card_ids(page)
        more = page.request.get(f"{live_site}/api/feed/?exclude={','.join(map(str, ids))}").json()["cards"]
        # Walk towards the end; within a few cards of it the feed asks for more.
        for index in range(1, len(ids)):
            page.keyboard.press("PageDown")
            wait_focused(page, index)
            if page.evaluate("() => window.worldfeed.feed.cardCount") > len(ids):
                break
        if not more:
            pytest.skip("the catalogue fits on the first page; nothing to append")
        page.wait_for_function("n => window.worldfeed.feed.cardCount > n", arg=len(ids), timeout=5000)
        appended = page.evaluate(
            """n => [...document.querySelectorAll('.card[data-world-id]')].slice(n).map(c => ({
            id: Number(c.dataset.worldId),
            title: c.querySelector('[data-field=title]').textContent,
            creator: c.querySelector('[data-field=creator_name]').textContent,
            href: c.querySelector('[data-link=url]').getAttribute('href'),
            preview: c.querySelector('img.world__preview').getAttribute('src'),
        }))""",
            len(ids),
        )
        assert not {a["id"] for a in appended} & set(ids), "no world twice"
        first = next(c for c in more if c["id"] == appended[0]["id"])
        assert appended[0]["title"] == first["title"] and appended[0]["creator"] == first["creator_name"]
        assert appended[0]["href"].endswith(first["url"]) and appended[0]["preview"].endswith(
            first["preview_url"]
        )
        # An appended card plays like any other.
        page.evaluate(
            "n => window.worldfeed.feed.go(n)", len(ids) - page.evaluate("() => window.worldfeed.feed.index")
        )
        wait_focused(page, len(ids))
        wait_live(page, appended[0]["id"])
    finally:
        context.close()


def test_client_modules_parse_frames_and_inputs(browser, live_site):
    """The player's pure parts, run in the browser on the very modules the site serves."""
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        page.goto(live_site + "/static/css/app.css")  # same origin, no player running
        result = page.evaluate("""async () => {
          const player = await import('/static/js/player.js');
          const touchpad = await import('/static/js/touchpad.js');
          const frame = (magic, version, codec, extra = 3) => {
            const buf = new ArrayBuffer(20 + extra);
            const v = new DataView(buf);
            v.setUint8(0, magic[0]); v.setUint8(1, magic[1]); v.setUint8(2, version); v.setUint8(3, codec);
            v.setUint32(4, 70000, true); v.setUint32(8, 42, true); v.setFloat64(12, 1716000000123.5, true);
            new Uint8Array(buf, 20).set([0xff, 0xd8, 0xff].slice(0, extra));
            return buf;
          };
          const rejects = (buf) => { try { player.parseFrame(buf); return false; } catch (e) {
            return e instanceof player.FrameError; } };
          const ok = player.parseFrame(frame([0x57, 0x46], 1, 2));
          const hundred = Array.from({length: 100}, (_, i) => i + 1);
          return {
            parsed: {seq: ok.seq, lastAction: ok.lastAction, serverTime: ok.serverTime, type: ok.type,
                     bytes: [...ok.bytes]},
            rejects: [rejects(frame([0x57, 0x47], 1, 1)), rejects(frame([0x57, 0x46], 2, 1)),
                      rejects(frame([0x57, 0x46], 1, 9)), rejects(frame([0x57, 0x46], 1, 1, 0))],
            p50: player.percentile(hundred, 50), p99: player.percentile(hundred, 99),
            empty: player.percentile([], 50),
            canonical: player.canonicalButtons(['jump', 'left', 'left', 'bogus', 'up']),
            crisp: [player.crispSize(390, 128, 1), player.crispSize(526, 128, 1), player.crispSize(390, 128, 3),
                    player.crispSize(100, 128, 1)],
            dpad: [touchpad.dpadButtons(1, 0), touchpad.dpadButtons(0.7, -0.7), touchpad.dpadButtons(0, 1),
                   touchpad.dpadButtons(-0.9, 0.2), touchpad.dpadButtons(0.1, 0.1)],
          };
        }""")
        assert result["parsed"] == {
            "seq": 70000,
            "lastAction": 42,
            "serverTime": 1716000000123.5,
            "type": "image/webp",
            "bytes": [0xFF, 0xD8, 0xFF],
        }
        assert result["rejects"] == [True, True, True, True]
        assert (result["p50"], result["p99"], result["empty"]) == (50, 99, None)
        assert result["canonical"] == ["up", "left", "jump"]
        assert result["crisp"] == [384, 512, pytest.approx(384), 100]
        assert result["dpad"] == [["right"], ["up", "right"], ["down"], ["left"], []]
    finally:
        context.close()
