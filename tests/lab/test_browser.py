"""The lab in a real browser: `funnelsim lab` served in a subprocess, opened in headless Chromium (Debian's, driven by
Playwright), the engineers slider moved with the keyboard as a person would, every KPI figure on the page
checked against what the model computes for the new settings, and the reset button bringing the baseline back.

Chromium comes from the OS (`.ci/run` installs it; Playwright's own browser download is not reachable). Without
it the test is skipped on a developer's machine and fails under CI, where a skipped browser test would hide a
missing install step.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.lab.model import Lab
from analysis.lab.page import kpi_rows
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Headless and quiet: without the background-networking flags Chromium keeps calling home and floods refused
# connections on a machine without the internet. Playwright gives every launch a fresh profile directory.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEED, REPS = 4, 20
ENGINEERS = '.lab-engineers .noUi-handle'


def _needed(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs Chromium)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("lab") / "server.log"  # a file, not a pipe: a chatty server never blocks on it
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "simulation.cli", "lab", "--port", str(port), "--no-browser", "--seed", str(SEED),
             "--reps", str(REPS)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"funnelsim lab exited with {server.returncode}: {log.read_text()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail("funnelsim lab did not answer within 60 s")
            time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_moving_the_engineers_slider_updates_the_figures(lab_url: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        _needed(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _needed("Playwright is not installed (pip install -e '.[test]')")
    lab = Lab(seed=SEED, reps=REPS)
    before = {r.key: r for r in kpi_rows(lab.compare(lab.start))}
    after = {r.key: r for r in kpi_rows(lab.compare(lab.start.but(engineers=lab.start.engineers + 1)))}
    assert after["nnarr_12m"].variant != before["nnarr_12m"].variant  # else the test could not see a change

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(lab_url)
            status = page.locator("#lab-status")
            expect(status).to_contain_text("your company is the baseline", timeout=30_000)
            nnarr = page.locator('td[data-kpi="nnarr_12m"][data-side="variant"]')
            shown_before = nnarr.inner_text()
            assert shown_before == before["nnarr_12m"].variant == before["nnarr_12m"].baseline

            page.locator(ENGINEERS).focus()
            page.keyboard.press("ArrowRight")  # one step: 3 -> 4 engineers
            expect(status).to_contain_text("simulated in", timeout=20_000)
            expect(nnarr).not_to_have_text(shown_before, timeout=20_000)

            for row in after.values():
                for side in ("baseline", "variant", "change"):
                    cell = page.locator(f'td[data-kpi="{row.key}"][data-side="{side}"]')
                    assert cell.inner_text().strip() == getattr(row, side), (row.key, side)
            assert page.locator("[data-challenge]").count() == 4
            page.screenshot(path=str(tmp_path / "lab.png"), full_page=True)

            page.get_by_role("button", name="Back to the baseline").click()
            expect(status).to_contain_text("your company is the baseline", timeout=20_000)
            expect(nnarr).to_have_text(shown_before)
        finally:
            browser.close()
    assert (tmp_path / "lab.png").stat().st_size > 10_000
