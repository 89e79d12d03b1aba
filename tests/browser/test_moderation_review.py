"""The review page in a real browser: a moderator logs in, scrubs a flagged playthrough, and the page is
screenshotted into docs/screenshots/moderation-review.png.

The world is played by the bots with tests.moderation.strobing_backend (the engine, but holding jump strobes),
so the spammer bot's recording carries photosensitivity hits on its timeline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port, _manage, _run, embedded_site_env
from tests.browser.test_feed import SCREENSHOTS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = SCREENSHOTS / "moderation-review.png"
SETUP = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from moderation.models import ReviewCase
from worlds.models import World
User = get_user_model()
mod = User.objects.create_user("moderator", password="review-pass-1", is_staff=True)
mod.user_permissions.add(*Permission.objects.filter(content_type__app_label="moderation"))
creator = User.objects.get_or_create(username="neonfan")[0]
world = World.objects.create(title="Strobe Alley", prompt="a rainy neon alley where jumping sets off the lights",
                             mechanics=["weather", "daynight"], seed=42, creator=creator, status="pending")
World.objects.filter(pk=world.pk).update(root=world)
print(world.pk)
"""


@pytest.fixture(scope="module")
def admin_site(browser_database, tmp_path_factory):  # noqa: F811
    var_dir = tmp_path_factory.mktemp("moderation-var")
    env = embedded_site_env(
        browser_database, var_dir, WORLDFEED_BACKEND="tests.moderation.strobing_backend.StrobingBackend"
    )
    _run(_manage("migrate", "--noinput"), env, "migrate")
    made = subprocess.run(
        _manage("shell", "-c", SETUP), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert made.returncode == 0, made.stderr
    world_id = made.stdout.strip().splitlines()[-1]
    _run(_manage("playthrough", world_id, "--seconds", "6", "--conclude"), env, "playthrough")
    port = _free_port()
    log = open(var_dir / "daphne.log", "wb")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (var_dir / "daphne.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(base + "/admin/login/", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.3)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_moderator_reviews_a_flagged_playthrough(admin_site, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1360, "height": 1000})
    try:
        page.goto(admin_site + "/admin/login/?next=/admin/moderation/reviewcase/")
        page.fill("#id_username", "moderator")
        page.fill("#id_password", "review-pass-1")
        page.click("input[type=submit]")
        page.wait_for_selector("#result_list")
        assert "Strobe Alley" in page.inner_text("#result_list")
        # other browser tests may have opened cases too (live play sampling): open this world's one
        page.locator("#result_list tbody tr", has_text="Strobe Alley").locator("a").first.click()
        page.wait_for_selector(".mod-player canvas")
        # the timelines' marks are drawn by a deferred script on DOMContentLoaded: the canvas can be in
        # the DOM before that (seen once in CI under load), so wait for it before counting marks
        page.wait_for_load_state("domcontentloaded")
        assert page.locator(".mod-player").count() == 3
        marks = page.locator(".mod-mark.sev-block")
        assert marks.count() >= 1, "the strobing world's playthroughs carry no photosensitivity hit"
        page.wait_for_function("() => document.querySelectorAll('.mod-player[data-ready]').length === 3")
        assert page.locator(".mod-player[data-ready=error]").count() == 0
        # Jump to the random bot's hit: the scrubber moves there.
        page.locator(".mod-player").nth(1).locator(".mod-mark").first.click()
        assert page.locator(".mod-player").nth(1).locator(".mod-time").inner_text() != "0.00 s"
        drawn = page.evaluate("""() => [...document.querySelectorAll('.mod-player canvas')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let s = 0; for (let i = 0; i < d.length; i += 97) s += d[i]; return s; })""")
        assert all(total > 0 for total in drawn), drawn
        assert "Approve" in page.inner_text(".mod-decision")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    except Exception:
        page.screenshot(
            path=str(Path(os.environ.get("TMPDIR", "/tmp")) / "moderation-review-failed.png"), full_page=True
        )
        raise
    finally:
        page.close()
