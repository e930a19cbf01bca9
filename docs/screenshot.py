"""Make docs/screenshot.png: `kg viz` on the bundled graph, opened in headless Chromium.

    python docs/screenshot.py            # needs Debian's chromium at /usr/bin/chromium

The page is written by the real command, every non-file request is refused, a concept is found
with the search box, which focuses it, highlights its neighbours and shows its details.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
CONCEPT = "https://w3id.org/ssp-kg/id/market-visibility"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "graph.html"
        subprocess.run([sys.executable, "-m", "kg", "viz", "-o", str(page_path)], check=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1440, "height": 860})
            page.route(
                "**/*",
                lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_(),
            )
            page.goto(page_path.as_uri())
            while not page.evaluate("() => !!(window.kgView && window.kgView.ready)"):
                time.sleep(0.05)  # (wait_for_function would need eval, which the page forbids)
            index = page.evaluate("iri => kgView.data.info.findIndex(x => x[4] === iri)", CONCEPT)
            label = page.evaluate("i => kgView.data.info[i][1]", index)
            page.fill("#kg-search", label)
            page.press("#kg-search", "Enter")
            page.wait_for_timeout(900)  # the focus animation
            page.locator("#kg-search").blur()
            page.screenshot(path=str(DOCS / "screenshot.png"))
            browser.close()
    print(DOCS / "screenshot.png")


if __name__ == "__main__":
    main()
