"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

from chinhquyen.conftest import *  # noqa: F403 - shared fixtures (agency_tree, officials, citizen)

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from fixtures are
# still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHINHQUYEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


AXE_JS = os.path.join(os.path.dirname(__file__), "vendor", "axe-core", "axe.min.js")


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (vendored from npm, tests only) on the current page; serious problems only.

    The script is evaluated through the DevTools protocol, so the page's strict CSP does not have
    to allow it (a <script> tag would be refused, as it should be). Each violation is returned with its rule id, help text and offending selectors.
    """
    with open(AXE_JS, encoding="utf-8") as fh:
        page.evaluate(fh.read())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def transfer_bytes(page, url: str) -> int:
    """Bytes transferred to load ``url`` in a fresh page with an empty cache (first visit)."""
    sizes: list[int] = []

    def on_finished(request):
        response = request.response()
        if response is None:
            return
        sizes_ = request.sizes()
        sizes.append(sizes_["responseBodySize"] + sizes_["responseHeadersSize"])

    page.on("requestfinished", on_finished)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", on_finished)
    return sum(sizes)
