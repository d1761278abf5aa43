"""End-to-end fixtures: a real `keyi serve` process on SQLite and headless Debian Chromium.

The server runs from a fresh data directory with a small demo company; Playwright drives the
system Chromium (`/usr/bin/chromium`), so no browser is downloaded. Screenshots for the user
guide are rewritten in `docs/screenshots/` (tracked) only when KEYI_UPDATE_SCREENSHOTS=1; an
ordinary run writes them to a temporary directory, so running the tests leaves the working tree
clean.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.mailservers import smtp_maildir

ROOT = Path(__file__).resolve().parents[2]
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = "KEYI_UPDATE_SCREENSHOTS"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEMO_EMAIL = "admin@demo.keyi.dev"
DEMO_PASSWORD = "keyi-demo"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The line uvicorn logs once its socket listens and the application has started.
LISTENING = b"Uvicorn running on"


def start_server(
    command: list[str], env: Mapping[str, str], log_path: Path, timeout: float = 120
) -> subprocess.Popen[bytes]:
    """Start `keyi serve` and return once it says it listens (its own log line, a state rather
    than a polling interval). Its output is copied to `log_path` by a thread, which also wakes
    the wait if the process ends first."""
    process = subprocess.Popen(
        command, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    listening = threading.Event()

    def copy_output() -> None:
        assert process.stdout is not None
        with log_path.open("wb") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if LISTENING in line:
                    listening.set()
        listening.set()  # the process is gone: the waiter finds out below

    threading.Thread(target=copy_output, name="keyi-serve-log", daemon=True).start()
    if not listening.wait(timeout) or process.poll() is not None:
        process.kill()
        raise RuntimeError(f"keyi serve did not start (exit code {process.poll()}); see {log_path}")
    return process


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make install` (make test does)")
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env["KEYI_DATA_DIR"] = str(data_dir)
    env["KEYI_LOGIN_RATE_LIMIT"] = "1000"  # every test signs in from 127.0.0.1
    env["KEYI_MAIL_ALLOW_PRIVATE"] = "1"  # the suite's IMAP server listens on 127.0.0.1
    keyi = [sys.executable, "-m", "keyi.cli"]
    subprocess.run(
        [*keyi, "demo", "--accounts", "40"], env=env, check=True, capture_output=True, timeout=300
    )
    port = free_port()
    process = start_server([*keyi, "serve", "--port", str(port)], env, data_dir / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=30) as response:  # noqa: S310
            assert response.status == 200, "keyi serve listens but is not ready"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Keyi server mailing through a real SMTP server into a Maildir — (its URL, the Maildir)
    — for the journeys that follow mail (service, marketing): one server for both, as each
    journey makes its own records."""
    with smtp_maildir(tmp_path_factory.mktemp("smtp")) as (smtp_port, maildir):
        data_dir = tmp_path_factory.mktemp("mail-journey-data")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
        env |= {
            "KEYI_DATA_DIR": str(data_dir),
            "KEYI_LOGIN_RATE_LIMIT": "1000",
            "KEYI_SMTP_HOST": "127.0.0.1",
            "KEYI_SMTP_PORT": str(smtp_port),
            "KEYI_PUBLIC_URL": url,
            "KEYI_MAIL_ALLOW_PRIVATE": "1",  # the IMAP server is on 127.0.0.1
        }
        keyi = [sys.executable, "-m", "keyi.cli"]
        subprocess.run(
            [*keyi, "demo", "--accounts", "10"], env=env, check=True, capture_output=True,
            timeout=300,
        )  # fmt: skip
        process = start_server([*keyi, "serve", "--port", str(port)], env, data_dir / "server.log")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=30) as response:  # noqa: S310
                assert response.status == 200
            yield url, maildir
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make install-browser` installs Debian's package")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def new_page(
    browser: Browser, *, locale: str = "zh-CN", width: int = 1440, height: int = 900
) -> Page:
    context = browser.new_context(
        locale=locale, viewport={"width": width, "height": height}, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


@pytest.fixture
def pages(browser: Browser) -> Iterator[list[Page]]:
    """Browsers for several people at once (each its own context: its own session); see
    tests.e2e.people.open_page."""
    opened: list[Page] = []
    yield opened
    for p in opened:
        p.context.close()


@pytest.fixture(scope="module")
def api(server: str) -> Any:
    """The demo administrator's REST client (tests.e2e.api.Api)."""
    from tests.e2e.api import Api  # the client imports this module's constants

    return Api(server)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    p = new_page(browser)
    yield p
    p.context.close()


def sign_in(
    page: Page, server: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> None:
    page.goto(server + "/login")
    page.locator("input#email, input[autocomplete=username]").first.fill(email)
    page.locator("input[type=password]").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/login" not in url)


# True once every finite animation or transition in the page has finished (antd's popups zoom
# and slide in and out; skeletons and spinners loop forever and are not waited for) and no shown
# element is in one of antd's (rc-motion's) enter/appear/leave steps. The motion classes are the
# state to wait for, not only the CSS animations: a popup opens in steps, first "prepare" (full
# size at opacity 0, while the dropdown is aligned to its trigger, over several frames on a busy
# machine), then "start" (shrunk to scale(0) or 0.8), and only then "active" with the CSS
# animation running. Only popups and dialogs are looked at: some inline motions (a form field's
# error fading in) never see a transition end and keep their classes. A click aimed during
# "prepare" sees no animation and a still box, and its mouse-up lands beside the item once
# "start" has shrunk it: the menu stays open, nothing chosen.
_SETTLED = """() => document.getAnimations().every(
    (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)
  && !Array.from(document.querySelectorAll('.ant-dropdown, .ant-select-dropdown, '
      + '.ant-picker-dropdown, .ant-popover, .ant-modal, .ant-drawer-content-wrapper'))
    .some((el) => el.getClientRects().length > 0
      && Array.from(el.classList).some((c) => /^ant-[\\w-]+-(appear|enter|leave)$/.test(c)))"""


def settled(page: Page) -> None:
    """Wait until the page's animations have finished: a popup is in place before a click goes
    into it, and a screenshot shows the final frame. A state, not a time."""
    page.wait_for_function(_SETTLED)


def click_settled(page: Page, target: Locator) -> None:
    """Click `target` in a popup or dialog that has just opened, once it is visible and every
    opening step is over (see _SETTLED: a modal's OK clicked during "prepare" stays unclicked)."""
    expect(target).to_be_visible()
    settled(page)
    target.click()


def menu_choice(page: Page, trigger: Locator, name: str | re.Pattern[str]) -> None:
    """Open the dropdown menu of `trigger` and click its item `name` once the menu has finished
    opening (see _SETTLED: a click during the opening steps can miss the item)."""
    trigger.click()
    item = page.locator(".ant-dropdown-menu:visible").get_by_role("menuitem", name=name)
    click_settled(page, item)


def charts_drawn(page: Page) -> None:
    """Wait until every chart on the page has finished drawing (EChart's `data-drawn`)."""
    expect(page.locator(".ky-echart").first).to_have_attribute("data-drawn", "true")
    expect(page.locator(".ky-echart[data-drawn='false']")).to_have_count(0)


def open_dropdown(page: Page, select: Locator) -> Locator:
    """Open an antd Select and return its own dropdown (found through the listbox the open
    combobox names: another select's dropdown may still be fading out)."""
    combobox = select.get_by_role("combobox")
    select.click()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    listbox = combobox.get_attribute("aria-controls")
    assert listbox, "an open antd Select names its listbox"
    return page.locator(".ant-select-dropdown").filter(has=page.locator(f'[id="{listbox}"]'))


def choose(page: Page, select: Locator, text: str) -> None:
    """Pick an option of an antd Select by typing its text and pressing Enter.

    Each step waits on the state the next one needs — the select open before typing, its own
    dropdown's active option showing the text before Enter (another select's dropdown may still
    be fading out), the choice shown in the select afterwards — so a slow machine only makes it
    slower. Enter picks the active option in one step, where a mouse click could land while the
    filtered list re-renders.
    """
    wanted = re.compile(re.escape(text), re.IGNORECASE)
    own_dropdown = open_dropdown(page, select)
    page.keyboard.type(text)
    expect(own_dropdown.locator(".ant-select-item-option-active")).to_contain_text(wanted)
    page.keyboard.press("Enter")
    expect(select).to_contain_text(wanted)


def pick(page: Page, select: Locator, text: str) -> None:
    """Pick the option showing `text` of an antd Select by clicking it in the select's own
    dropdown once that has finished opening (for selects without a search box)."""
    own_dropdown = open_dropdown(page, select)
    option = own_dropdown.locator(".ant-select-item-option").filter(has_text=text)
    expect(option).to_be_visible()
    settled(page)
    option.click()
    # (A multiple select stays open for more choices; the choice shows in it either way.)
    expect(select).to_contain_text(text)


def screenshot_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where screenshots go: the tracked user-guide images only when asked for explicitly (a
    test run must not rewrite files in the repository), else a directory outside it."""
    if env.get(UPDATE_SCREENSHOTS) == "1":
        return DOC_SCREENSHOTS
    return Path(tempfile.gettempdir()) / "keyi-e2e-screenshots"


def screenshot(page: Page, name: str) -> None:
    target = screenshot_dir()
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=False)
