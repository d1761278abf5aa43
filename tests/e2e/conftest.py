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
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

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


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"keyi serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("keyi serve did not become ready")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make install` (make test does)")
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env["KEYI_DATA_DIR"] = str(data_dir)
    env["KEYI_LOGIN_RATE_LIMIT"] = "1000"  # every test signs in from 127.0.0.1
    keyi = [sys.executable, "-m", "keyi.cli"]
    subprocess.run(
        [*keyi, "demo", "--accounts", "40"], env=env, check=True, capture_output=True, timeout=300
    )
    port = free_port()
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [*keyi, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
# and slide in and out; skeletons and spinners loop forever and are not waited for).
_SETTLED = """() => document.getAnimations().every(
    (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)"""


def settled(page: Page) -> None:
    """Wait until the page's animations have finished: a popup is in place before a click goes
    into it, and a screenshot shows the final frame. A state, not a time."""
    page.wait_for_function(_SETTLED)


def charts_drawn(page: Page) -> None:
    """Wait until every chart on the page has finished drawing (EChart's `data-drawn`)."""
    expect(page.locator(".ky-echart").first).to_have_attribute("data-drawn", "true")
    expect(page.locator(".ky-echart[data-drawn='false']")).to_have_count(0)


def choose(page: Page, select: Locator, text: str) -> None:
    """Pick an option of an antd Select by typing its text and pressing Enter.

    Each step waits on the state the next one needs — the select open before typing, its own
    dropdown's active option showing the text before Enter (another select's dropdown may still
    be fading out), the choice shown in the select afterwards — so a slow machine only makes it
    slower. Enter picks the active option in one step, where a mouse click could land while the
    filtered list re-renders.
    """
    combobox = select.get_by_role("combobox")
    wanted = re.compile(re.escape(text), re.IGNORECASE)
    select.click()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    listbox = combobox.get_attribute("aria-controls")
    assert listbox, "an open antd Select names its listbox"
    own_dropdown = page.locator(".ant-select-dropdown").filter(
        has=page.locator(f'[id="{listbox}"]')
    )
    page.keyboard.type(text)
    expect(own_dropdown.locator(".ant-select-item-option-active")).to_contain_text(wanted)
    page.keyboard.press("Enter")
    expect(select).to_contain_text(wanted)


def pick(page: Page, select: Locator, text: str) -> None:
    """Pick the option showing `text` of an antd Select by clicking it in the select's own
    dropdown once that has finished opening (for selects without a search box)."""
    combobox = select.get_by_role("combobox")
    select.click()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    listbox = combobox.get_attribute("aria-controls")
    assert listbox, "an open antd Select names its listbox"
    own_dropdown = page.locator(".ant-select-dropdown").filter(
        has=page.locator(f'[id="{listbox}"]')
    )
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
