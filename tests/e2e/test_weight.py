"""Page weight: sign-in page and first list view under 500 kB of JavaScript on the wire, in at
most 8 files, and no Ant Design CSS generated in the browser (it comes in the build's stylesheet).

The service package (session 13) took the first list view to 513 kB: the vendor chunk carried
all of Ant Design and every icon any page used. Now it carries only what the sign-in page,
the shell and the list run (web/build/chunk-plan.ts): ~415 kB, the rest of antd in a
`vendor-lazy` chunk the other pages share (docs/benchmarks.md, "First-load weight back
under 500 kB"). The file count guards the other way of making it light: more, smaller chunks,
each waiting for one of the browser's 6 connections to the host."""

from __future__ import annotations

from playwright.sync_api import Page, Request

from tests.e2e.conftest import sign_in

LIMIT_BYTES = 500 * 1024
MAX_SCRIPTS = 8


def _script_bytes(requests: list[Request]) -> int:
    """Bytes of JavaScript as transferred (compressed), from the browser's own accounting."""
    return sum(size for _, size in _scripts(requests))


def _scripts(requests: list[Request]) -> list[tuple[str, int]]:
    """Each script's file name and bytes on the wire, printed (`pytest -rP`) for
    docs/benchmarks.md: the number of files matters as much as the bytes (6 at a time per host)."""
    return [
        (request.url.rsplit("/", 1)[-1], request.sizes()["responseBodySize"])
        for request in requests
        if request.resource_type == "script"
    ]


def _report(label: str, requests: list[Request]) -> None:
    """The scripts a view loaded, largest first: which chunk grew is the first question when the
    budget breaks."""
    scripts = _scripts(requests)
    print(f"{label}: {sum(s for _, s in scripts)} bytes in {len(scripts)} scripts")
    for name, size in sorted(scripts, key=lambda item: -item[1]):
        print(f"  {size:>8}  {name}")


def test_login_and_first_list_view_weigh_under_500_kb(page: Page, server: str) -> None:
    seen: list[Request] = []
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(server + "/login")
    page.get_by_test_id("login-submit").wait_for()
    login_weight = _script_bytes(seen)
    _report("sign-in page", seen)
    assert 0 < login_weight < LIMIT_BYTES, login_weight
    assert len(_scripts(seen)) <= MAX_SCRIPTS, _scripts(seen)

    sign_in(page, server)
    fresh = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        fresh.add_cookies(page.context.cookies())  # type: ignore[arg-type]
        list_page = fresh.new_page()
        loaded: list[Request] = []
        list_page.on("requestfinished", lambda request: loaded.append(request))
        list_page.goto(server + "/o/account")
        list_page.locator(".ky-row").first.wait_for()
        list_weight = _script_bytes(loaded)
        _report("first list view", loaded)
        assert 0 < list_weight < LIMIT_BYTES, list_weight
        assert len(_scripts(loaded)) <= MAX_SCRIPTS, _scripts(loaded)
        big = [r for r in loaded if r.resource_type == "script" and _decoded_size(r) > 1024]
        encodings = {r.url: _encoding(r) for r in big}
        assert encodings and all(e == "gzip" for e in encodings.values()), encodings
        _assert_no_boot_waterfall(list_page, loaded)
        assert _antd_styles_generated_in_browser(list_page) == []
    finally:
        fresh.close()


def _encoding(request: Request) -> str | None:
    response = request.response()
    return None if response is None else response.headers.get("content-encoding")


def _decoded_size(request: Request) -> int:
    response = request.response()
    return 0 if response is None else len(response.body())


def _assert_no_boot_waterfall(page: Page, loaded: list[Request]) -> None:
    """The session, the metadata and the list's first page are asked for once each (index.html's
    preloads are reused by the app's own requests), and, with the shell's and the list page's
    code, before the main bundle has arrived: without the server's hints they were asked for
    only after it ran, and the shell's code only after the session came back."""
    paths = [r.url.split("://", 1)[1].split("/", 1)[1] for r in loaded]
    assert paths.count("api/v1/me") == 1, paths
    assert paths.count("api/v1/metadata/objects") == 1, paths
    # one GET of the first page: the URL the server preloads is the one the app asks for
    # (keyi.api.page_hints.PAGE_SIZE and web/src/lib/listQuery.ts PAGE_SIZE agree)
    first_pages = [p for p in paths if p.startswith("api/v1/records/account?")]
    assert first_pages == ["api/v1/records/account?limit=50"], paths
    assert not any(p.startswith("api/v1/records/account/query") for p in paths), paths
    timings = page.evaluate(
        """() => Object.fromEntries(performance.getEntriesByType('resource')
            .map(e => [new URL(e.name).pathname, [e.startTime, e.responseEnd]]))"""
    )
    main_bundle_done = max(end for path, (_, end) in timings.items() if "/vendor-" in path)
    for api_path in ("/api/v1/me", "/api/v1/metadata/objects", "/api/v1/records/account"):
        assert timings[api_path][0] < main_bundle_done, (api_path, timings)
    for page_code in ("/Shell-", "/ListPage-"):
        started = [start for path, (start, _) in timings.items() if page_code in path]
        assert started and started[0] < main_bundle_done, (page_code, timings)


def _antd_styles_generated_in_browser(page: Page) -> list[str]:
    """antd component styles the browser had to generate (cssinjs inserts each as a <style>).
    The build renders them into the stylesheet with a map cssinjs reads; a theme in App.tsx that
    differs from the build's, or a catalog that misses a component of the first page, shows here
    (as ~0.2 s more on a cold first load)."""
    styles: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('style[data-css-hash]')]
            .map(s => s.textContent.slice(0, 100)).filter(t => t.includes('.ant-'))"""
    )
    return styles
