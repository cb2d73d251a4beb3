"""`make web-audit`: the built app against a running demo platform.

Prints the initial JavaScript (gzip) of web/dist, Lighthouse's performance, accessibility
and best-practices scores (mobile, its default) of the home page and an item page, and
Chromium's installability verdict (Page.getInstallabilityErrors over CDP, with the service
worker in control). Lighthouse comes from web/node_modules (npm ci) and runs Debian's
Chromium. Figures are printed, not asserted: they depend on the machine's load.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.demo_platform import REPO, demo_platform  # noqa: E402

CHROMIUM = os.environ.get("MGOV_CHROMIUM", "/usr/bin/chromium")
DIST = REPO / "web" / "dist"
LIGHTHOUSE = REPO / "web" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")


def initial_js_gzip() -> tuple[int, int]:
    """(bytes gzipped, files) of the JavaScript index.html loads before anything else."""
    html = (DIST / "index.html").read_text()
    paths = re.findall(r'<script[^>]+src="/([^"]+\.js)"', html) + re.findall(r'<link rel="modulepreload"[^>]+href="/([^"]+\.js)"', html)
    return sum(len(gzip.compress((DIST / p).read_bytes(), 9)) for p in paths), len(paths)


def lighthouse(url: str) -> dict[str, float]:
    """Category scores, and `benchmark`: Lighthouse's own measure of this machine's CPU at
    the time (benchmarkIndex; a quiet desktop is ~1000+, a loaded one much less)."""
    out = subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout", f"--only-categories={','.join(CATEGORIES)}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(out.stdout)
    scores = {c: report["categories"][c]["score"] * 100 for c in CATEGORIES}
    scores["benchmark"] = report["environment"]["benchmarkIndex"]
    scores["lcp_s"] = report["audits"]["largest-contentful-paint"]["numericValue"] / 1000
    scores["tbt_ms"] = report["audits"]["total-blocking-time"]["numericValue"]
    return scores


def installability(base: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="mgov-audit-profile-") as profile:
        # A real profile: Chromium never offers to install from an incognito window.
        browser = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(base + "/")
            page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            cdp = browser.new_cdp_session(page)
            errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
            return [e["errorId"] for e in errors]
        finally:
            browser.close()


def main() -> int:
    size, files = initial_js_gzip()
    print(f"initial JavaScript: {size / 1024:.1f} KB gzip in {files} file(s) (budget 200 KB)")
    if not LIGHTHOUSE.exists():
        print("lighthouse is missing: run `cd web && npm ci` (or `make web`)", file=sys.stderr)
        return 2
    with demo_platform() as base:
        items = httpx.get(f"{base}/v1/tenants/xihu/services", params={"q": "营业执照"}).json()["items"]
        pages = {"home": f"{base}/", "item": f"{base}/items/{items[0]['id']}"}
        extra = ("lcp_s", "tbt_ms", "benchmark")
        print(f"{'page':<6} " + " ".join(f"{c:>15}" for c in CATEGORIES + extra))
        for name, url in pages.items():
            scores = lighthouse(url)
            print(f"{name:<6} " + " ".join(f"{scores[c]:>15.0f}" for c in CATEGORIES) + f" {scores['lcp_s']:>15.1f}"
                  + " ".join(f"{scores[c]:>15.0f}" for c in extra[1:]))
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; Lighthouse's mobile preset slows the CPU 4x on top)")
        errors = installability(base)
        print("installable: yes" if not errors else f"installable: no ({', '.join(errors)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
