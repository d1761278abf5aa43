"""Browser tests leave the tracked user-guide screenshots alone unless asked to update them."""

from __future__ import annotations

from tests.e2e.conftest import DOC_SCREENSHOTS, ROOT, UPDATE_SCREENSHOTS, screenshot_dir


def test_an_ordinary_run_writes_screenshots_outside_the_repository() -> None:
    target = screenshot_dir({})
    assert target != DOC_SCREENSHOTS
    assert not target.resolve().is_relative_to(ROOT.resolve())


def test_screenshots_update_the_docs_only_when_asked() -> None:
    assert screenshot_dir({UPDATE_SCREENSHOTS: "1"}) == DOC_SCREENSHOTS
    assert screenshot_dir({UPDATE_SCREENSHOTS: "0"}) != DOC_SCREENSHOTS
