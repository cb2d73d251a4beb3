"""`make web-audit`: the built app against a running demo platform.

Prints the initial JavaScript (gzip) of web/dist, Lighthouse's performance, accessibility
and best-practices scores (mobile, its default) of the home page and an item page, and
Chromium's installability verdict (Page.getInstallabilityErrors over CDP, with the service
worker in control). Lighthouse comes from web/node_modules (npm ci) and runs Debian's
Chromium. Figures are printed, not asserted: they depend on the machine's load, so each
page is audited several times (`--runs`, 3 by default) and every run is printed with the
median, the load average and Lighthouse's own CPU benchmark of the moment beside them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
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


METRICS = {  # column: (Lighthouse audit, divisor for printing)
    "fcp_s": ("first-contentful-paint", 1000),
    "lcp_s": ("largest-contentful-paint", 1000),
    "si_s": ("speed-index", 1000),
    "tbt_ms": ("total-blocking-time", 1),
    "cls": ("cumulative-layout-shift", 1),
}
COLUMNS = (*CATEGORIES, *METRICS, "benchmark")


def lighthouse(url: str) -> dict[str, float]:
    """Category scores, the metrics behind performance, and `benchmark`: Lighthouse's own
    measure of this machine's CPU at the time (benchmarkIndex; a quiet desktop is ~1000+, a
    loaded one much less)."""
    out = subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout", f"--only-categories={','.join(CATEGORIES)}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(out.stdout)
    scores = {c: report["categories"][c]["score"] * 100 for c in CATEGORIES}
    for column, (audit, divisor) in METRICS.items():
        scores[column] = report["audits"][audit]["numericValue"] / divisor
    scores["benchmark"] = report["environment"]["benchmarkIndex"]
    return scores


def row(label: str, scores: dict[str, float]) -> str:
    cells = [f"{scores[c]:>8.0f}" for c in CATEGORIES] + [f"{scores[c]:>8.2f}" if c == "cls" else f"{scores[c]:>8.1f}" if c.endswith("_s")
                                                          else f"{scores[c]:>8.0f}" for c in (*METRICS, "benchmark")]
    return f"{label:<14} " + " ".join(cells)


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median is printed too)")
    runs = max(1, parser.parse_args().runs)
    size, files = initial_js_gzip()
    print(f"initial JavaScript: {size / 1024:.1f} KB gzip in {files} file(s) (budget 200 KB)")
    if not LIGHTHOUSE.exists():
        print("lighthouse is missing: run `cd web && npm ci` (or `make web`)", file=sys.stderr)
        return 2
    with demo_platform() as base:
        items = httpx.get(f"{base}/v1/tenants/xihu/services", params={"q": "营业执照"}).json()["items"]
        pages = {"home": f"{base}/", "item": f"{base}/items/{items[0]['id']}"}
        print(f"{'page':<14} " + " ".join(f"{c[:8]:>8}" for c in COLUMNS))
        for name, url in pages.items():
            results = []
            for n in range(1, runs + 1):
                results.append(lighthouse(url))
                print(row(f"{name} run {n}", results[-1]) + f"   (load average {os.getloadavg()[0]:.1f})", flush=True)
            if runs > 1:
                print(row(f"{name} median", {c: statistics.median(r[c] for r in results) for c in COLUMNS}))
        print(f"(on {os.cpu_count()} CPUs; Lighthouse's mobile preset slows the CPU 4x on top; the benchmark column is its CPU index)")
        errors = installability(base)
        print("installable: yes" if not errors else f"installable: no ({', '.join(errors)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
