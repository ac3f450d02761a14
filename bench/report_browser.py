"""Open a Snakemake report in headless Chromium, as a reader would, and screenshot it.

    python bench/report_browser.py results/toy/report.html   # -> results/toy/report_screens/

Saves the landing page and, for every result category in the sidebar, the category's list
and its first item opened (the eye icon); prints the category names in the order the
report shows them. Needs Debian's chromium (`apt-get install chromium`) and the
`playwright` Python package (its own browser download is not needed); neither is a
dependency of the suite, and no test requires them.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

# Chromium on a closed network: without these it keeps trying to reach Google's hosts
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(report: str, chromium: str = "/usr/bin/chromium") -> None:
    report = Path(report).resolve()
    out = report.parent / "report_screens"
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(report.as_uri())
        page.wait_for_timeout(1500)
        page.screenshot(path=out / "00_home.png")
        cats = list(dict.fromkeys(t.strip() for t in page.locator("text=/^[0-9]+(\\.[0-9]+)? /").all_inner_texts()))
        print("categories, in the report's order:", *cats, sep="\n  ")
        for i, cat in enumerate(cats, 1):
            page.goto(report.as_uri())
            page.wait_for_timeout(800)
            page.get_by_text(cat, exact=True).first.click()
            page.wait_for_timeout(600)
            slug = re.sub(r"[^0-9a-z]+", "_", cat.lower()).strip("_")[:40]
            page.screenshot(path=out / f"{i:02d}_{slug}_list.png")
            eye = page.locator('a[iconname="eye"]')
            if eye.count():
                eye.first.click()
                page.wait_for_timeout(1500)
                page.screenshot(path=out / f"{i:02d}_{slug}.png")
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
