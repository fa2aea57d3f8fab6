"""The Dagster UI in a real browser (Debian's headless Chromium through its ChromeDriver): the asset
groups in the asset graph, imported_batches with its partitions and checks, the Backfills page with
the backfill `dpgf backfill` launched. Screenshots go to the test's output folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from dpgf_assets_tests.e2e.conftest import Deployment

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path):  # noqa: ANN201 - a selenium WebDriver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), (
        "Debian's chromium and chromium-driver are needed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1000",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def test_the_ui_shows_the_groups_the_batches_their_checks_and_the_backfill(deployment: Deployment, browser,
                                                                           tmp_path: Path):
    with deployment.instance() as instance:
        backfills = instance.get_backfills()
    if not backfills:  # alone (-k): a backfill of its own, as the command line launches it
        out = deployment.dpgf("run")
        assert out.returncode == 0, out.stdout + out.stderr
        with deployment.instance() as instance:
            backfills = instance.get_backfills()
    backfill_id = backfills[0].backfill_id

    browser.get(deployment.url)
    _dismiss_welcome(browser)
    browser.get(f"{deployment.url}/locations/dpgf/asset-groups/sharepoint")
    _wait_for_text(browser, ["Asset Group in", "sharepoint_inventory", "imported_batches", "Asset checks",
                             "100% filled"])
    browser.save_screenshot(str(tmp_path / "asset_graph.png"))

    browser.get(f"{deployment.url}/assets/imported_batches?view=partitions")
    _dismiss_welcome(browser)
    _wait_for_text(browser, ["Partitions", "Materialized"])
    browser.save_screenshot(str(tmp_path / "imported_batches_partitions.png"))

    browser.get(f"{deployment.url}/assets/imported_batches?view=checks")
    _wait_for_text(browser, ["failure_rate", "batch_duration", "peak_memory", "free_disk"])
    browser.save_screenshot(str(tmp_path / "imported_batches_checks.png"))

    browser.get(f"{deployment.url}/runs?view=backfills")
    _wait_for_text(browser, [backfill_id, "imported_batches", "dpgf/command: backfill"])
    browser.save_screenshot(str(tmp_path / "backfills.png"))
    for name in ("asset_graph", "imported_batches_partitions", "imported_batches_checks", "backfills"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name


def _dismiss_welcome(browser) -> None:  # noqa: ANN001
    """The UI's first page is covered by a "Join the Dagster community" dialog: Skip it."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            buttons = [b for b in browser.find_elements(By.TAG_NAME, "button") if b.text.strip() == "Skip"]
            if buttons:
                buttons[0].click()
                return
        except WebDriverException:  # the page re-rendered under us: look again
            pass
        if "Join the Dagster community" not in _text(browser) and time.monotonic() > deadline - 20:
            return
        time.sleep(0.5)


def _wait_for_text(browser, texts: list[str], timeout: float = 90) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    missing = texts
    while time.monotonic() < deadline:
        page = _text(browser) + browser.page_source
        missing = [t for t in texts if t not in page]
        if not missing:
            return
        time.sleep(0.5)
    raise AssertionError(f"{browser.current_url}: {missing} not shown within {timeout}s")


def _text(browser) -> str:  # noqa: ANN001
    return browser.execute_script("return document.body ? document.body.innerText : ''") or ""
