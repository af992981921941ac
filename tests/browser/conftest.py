"""Headless Chromium for the browser journey (STYLE.md, Tests): Debian's /usr/bin/chromium, never `playwright install`.

Without Chromium the browser tests skip with a clear message, except where REQUIRE_BROWSER=1 (set by .ci/run):
there a missing browser fails the run, because a skipped journey in CI would prove nothing.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

HALL_PC = {"viewport": {"width": 1024, "height": 768}, "locale": "zh-CN"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} — REQUIRE_BROWSER=1, so the browser journey may not be skipped.", pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run the browser journey.")


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM calls while a loop
    # runs. The test's own ORM calls (seed_demo, look-ups, the flush after the test) are plain synchronous code,
    # so allow them — only while the browser is up, not for the rest of the session.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist (make test: --dist loadgroup) the journeys share one worker, one after another: one
    # Chromium and one live server at a time, while the other workers run the rest of the suite.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, request):
    """new_page(**context options) -> a page in a fresh context; failed tests leave screenshots in test-artifacts/."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{**HALL_PC, **options})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                page.screenshot(path=ARTIFACTS / f"failed-{request.node.name}-{i}-{j}.png", full_page=True)
        context.close()
