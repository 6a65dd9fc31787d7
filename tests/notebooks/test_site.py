"""The course site (``make book``) built from this session's smoke execution, opened in headless Chromium.

Runs after test_notebooks.py (same session, same executed notebooks): builds the site without
re-executing anything, serves it on 127.0.0.1 and checks, page by page, that it loads without console
errors, that every image is loaded and drawn, and that the navigation reaches every lesson.
Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and Selenium.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import regression_harness as harness

from fusionlab import paths
from fusionlab.cli.notebook_runner import list_notebooks

NOTEBOOKS = list_notebooks()
BUILD_SCRIPT = paths.repo_root() / "book" / "build_book.py"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
PAGE_TIMEOUT_S = 30


def _find(names) -> str | None:
    return next((shutil.which(n) for n in names if shutil.which(n)), None)


@pytest.fixture(scope="module")
def site(smoke_runs) -> Path:
    """Build the site from the session's executed smoke notebooks (each executed once, shared with the tests)."""
    for notebook in NOTEBOOKS:
        smoke_runs.get(notebook)
    output = harness.session_dir() / "book"
    tic = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--profile", "smoke", "--notebooks", str(smoke_runs.notebooks_dir),
         "--output", str(output)], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"make book failed:\n{completed.stdout}\n{completed.stderr}"
    print(f"site built in {time.perf_counter() - tic:.1f} s: {output / 'html' / 'index.html'}")
    return output / "html"


@pytest.fixture(scope="module")
def server(site):
    """``http.server`` on a free port of 127.0.0.1 serving the site; stopped after the module."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through chromedriver, keeping the browser console log."""
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver_path = _find(CHROMIUM), _find(("chromedriver",))
    if binary is None or driver_path is None:
        message = ("Debian's chromium and chromium-driver are needed for the site test "
                   "(apt-get install -y chromium chromium-driver; .ci/run does it)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1600", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    yield driver
    driver.quit()


def _open(driver, url: str) -> list[dict]:
    """Load ``url``, wait for it and its images; return the SEVERE console messages it produced."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    deadline = time.monotonic() + PAGE_TIMEOUT_S
    while time.monotonic() < deadline:
        # scroll through the page so that lazily loaded images load too
        done = driver.execute_script(
            "window.scrollTo(0, document.body.scrollHeight);"
            "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete);")
        if done:
            break
        time.sleep(0.2)
    driver.execute_script("window.scrollTo(0, 0);")
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def _pages(site: Path) -> list[str]:
    return ["index.html"] + [f"{p.stem}.html" for p in NOTEBOOKS]


def test_site_has_every_lesson(site):
    missing = [page for page in _pages(site) if not (site / page).is_file()]
    assert not missing, f"the site in {site} lacks {missing}"


def test_every_page_loads_without_console_errors_and_draws_its_images(site, server, browser):
    problems = []
    for page in _pages(site):
        severe = _open(browser, urljoin(server, page))
        problems += [f"{page}: console {entry['message']}" for entry in severe]
        images = browser.execute_script(
            "return Array.from(document.images).map(i => {const r = i.getBoundingClientRect();"
            " return {src: i.getAttribute('src'), natural: i.naturalWidth, width: r.width, height: r.height}; });")
        for image in images:
            if not image["natural"] > 0:
                problems.append(f"{page}: image {image['src']} did not load (naturalWidth 0)")
            elif not (image["width"] > 0 and image["height"] > 0):
                problems.append(f"{page}: image {image['src']} has no rendered size "
                                f"({image['width']}x{image['height']})")
    assert not problems, "site problems:\n  " + "\n  ".join(problems)


def test_lessons_show_figures_and_tables(site):
    """Lessons that save figures show them as images on their page (the executed copy's outputs)."""
    pages_without = []
    for notebook in NOTEBOOKS:
        executed = harness.session_dir() / "notebooks" / notebook.name
        if harness.count_images(executed) and "<img" not in (site / f"{notebook.stem}.html").read_text():
            pages_without.append(notebook.stem)
    assert not pages_without, f"pages without their figures: {pages_without}"


def test_navigation_reaches_every_lesson(site, server, browser):
    """Following the site's own links from the landing page reaches every lesson page."""
    from selenium.webdriver.common.by import By

    seen, queue = set(), ["index.html"]
    while queue and len(seen) < 200:
        page = queue.pop(0)
        if page in seen:
            continue
        seen.add(page)
        browser.get(urljoin(server, page))
        for link in browser.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = urldefrag(link.get_attribute("href") or "")[0]
            parsed = urlparse(href)
            if href.startswith(server) and parsed.path.endswith(".html"):
                queue.append(parsed.path.lstrip("/"))
    missing = [p for p in _pages(site) if p not in seen]
    assert not missing, f"no link path from index.html reaches {missing} (reached {sorted(seen)})"


def test_screenshots(site, server, browser):
    """Screenshots of the landing page and one lesson, for a person to look at."""
    folder = harness.session_dir() / "site-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    lesson = next((p.stem for p in NOTEBOOKS if p.stem.startswith("05_")), NOTEBOOKS[0].stem)
    for page in ("index", lesson):
        _open(browser, urljoin(server, f"{page}.html"))
        target = folder / f"{page}.png"
        assert browser.save_screenshot(str(target)) and target.stat().st_size > 0
        print(f"screenshot: {target}")
