"""Web app benchmark: what each page ships, and how long a person waits, beside raw API calls.

1. JS and CSS per page of ``web/dist``, gzipped (level 6, as a server sends them): every script
   and stylesheet a page links, plus every module those scripts import statically.
2. Time to a rendered dashboard (score card with its nine components, the chart drawn, funding
   options listed) in Chromium, from navigation start, beside the same data fetched as raw API
   calls (the dashboard's eight GETs, concurrently, one warm HTTP client); and the layout shift
   while data arrives.
3. Time to the first streamed chat token in the page (Enter pressed -> first answer text on
   screen) beside the first ``chunk`` event of the same request made raw over HTTP.

The API runs in this process (uvicorn thread, demo data on SQLite, the offline assistant).

    python -m bench.web [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.chat import demo_settings
from bench.common import median_ms, table
from bench.mcp import ROOT
from vaultra_mcp.loopback import BackgroundServer
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.services.identity import demo_password

DIST = ROOT / "web" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
JS_BUDGET_KB = 100.0
DEVON, DEVON_EMAIL = 2, "devon@voltline.example"
ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*rel="stylesheet"[^>]*\bhref)="(/_astro/[^"]+)"')
IMPORT = re.compile(r'(?:from|import)\s*"(\./[^"]+\.js)"')
DASHBOARD_CALLS: list[tuple[str, dict[str, str | int]]] = [
    ("/users/me", {}),
    ("/web/config", {}),
    ("/readiness", {}),
    ("/metrics", {"period": "12m"}),
    ("/recommendations", {"status": "all", "limit": 50}),
    ("/funding-options", {}),
    ("/readiness/history", {"limit": 60}),
    ("/integrations/stripe/status", {}),
]
# Recorded by the page itself, so no round trip to the test driver is counted.
PROBE = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
}).observe({type: 'layout-shift', buffered: true});
const done = () => document.querySelectorAll('#components li').length === 9
  && document.querySelector('#metrics-chart canvas') && document.querySelector('#funding .option');
new MutationObserver((_, observer) => {
  if (window.__rendered === undefined && done()) { window.__rendered = performance.now(); }
  const last = '.message-assistant:last-child .answer p:not([data-waiting])';
  const answer = document.querySelector(last);
  if (window.__asked !== undefined && window.__token === undefined && answer) {
    window.__token = performance.now() - window.__asked;
  }
}).observe(document, {childList: true, subtree: true});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && e.target.id === 'chat-input') {
    window.__asked = performance.now(); window.__token = undefined;
  }
}, true);
"""


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def closure(asset: str) -> set[str]:
    """The asset and every module it imports statically, as /_astro/ paths."""
    seen, todo = set(), [asset]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.endswith(".js"):
            text = (DIST / current.lstrip("/")).read_text(encoding="utf-8")
            todo += [f"/_astro/{name.removeprefix('./')}" for name in IMPORT.findall(text)]
    return seen


def page_weights() -> list[tuple[str, int, float, float]]:
    rows = []
    for html in sorted(DIST.rglob("index.html")):
        where = html.parent.relative_to(DIST).as_posix()
        page = "/" if where == "." else f"/{where}/"
        assets: set[str] = set()
        for linked in ASSET.findall(html.read_text(encoding="utf-8")):
            assets |= closure(linked)
        js = [a for a in assets if a.endswith(".js")]
        css = [a for a in assets if a.endswith(".css")]
        rows.append(
            (
                page,
                len(js),
                sum(gz(DIST / a.lstrip("/")) for a in js) / 1024,
                sum(gz(DIST / a.lstrip("/")) for a in css) / 1024,
            )
        )
    return rows


async def raw_dashboard(url: str, headers: dict[str, str], runs: int) -> list[float]:
    times = []
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers, timeout=30) as c:
        for n in range(runs + 2):
            started = time.perf_counter()
            answers = await asyncio.gather(*(c.get(p, params=q) for p, q in DASHBOARD_CALLS))
            if n >= 2:  # the first two warm the pool and the caches, as page loads do below
                times.append(time.perf_counter() - started)
            for answer in answers:
                answer.raise_for_status()
    return times


async def raw_first_token(url: str, headers: dict[str, str], runs: int) -> list[float]:
    times = []
    sse = {**headers, "Accept": "text/event-stream"}
    body = {"message": "How fundable am I right now?"}
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=30) as client:
        for n in range(runs + 1):
            started = time.perf_counter()
            async with client.stream("POST", "/agent/chat", json=body, headers=sse) as response:
                async for line in response.aiter_lines():
                    if line == "event: chunk":
                        if n:
                            times.append(time.perf_counter() - started)
                        break
    return times


def browser_figures(url: str, runs: int, password: str) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float]] = {"cold": [], "warm": [], "cls": [], "token": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 1000})
        context.add_init_script(PROBE)
        login = {"email": DEVON_EMAIL, "password": password}
        context.request.post("/api/v1/auth/session", data=login, headers={"Origin": url})
        for n in range(runs + 1):  # a new context each time: nothing cached
            fresh = browser.new_context(base_url=url, viewport={"width": 1440, "height": 1000})
            fresh.add_cookies(context.cookies())  # type: ignore[arg-type]
            fresh.add_init_script(PROBE)
            cold = fresh.new_page()
            cold.goto("/dashboard/")
            cold.wait_for_function("() => window.__rendered !== undefined")
            if n:  # the first run also warms the server
                figures["cold"].append(cold.evaluate("window.__rendered") / 1000)
            fresh.close()
        page = context.new_page()
        for n in range(runs + 1):
            page.goto("/dashboard/")
            page.wait_for_function("() => window.__rendered !== undefined")
            page.wait_for_timeout(300)  # let late shifts (fonts, chart) be counted
            if n:
                figures["warm"].append(page.evaluate("window.__rendered") / 1000)
                figures["cls"].append(page.evaluate("window.__cls"))
        page.goto("/chat/")
        page.wait_for_selector("[data-assistant]")
        for n in range(runs + 1):
            page.fill("#chat-input", "How fundable am I right now?")
            page.keyboard.press("Enter")
            page.wait_for_function("() => window.__token !== undefined")
            page.wait_for_selector(".message-assistant:last-child[data-complete=true]")
            if n:
                figures["token"].append(page.evaluate("window.__token") / 1000)
        browser.close()
    return figures


async def main(runs: int) -> None:
    from api_shell.app import create_app

    if not (DIST / "index.html").is_file():
        print("web/dist is not built (make web): nothing to measure")
        return
    weights = page_weights()
    rows = [[p, str(n), f"{js:.1f}", f"{css:.1f}"] for p, n, js, css in weights]
    print("JS and CSS each page ships (gzip level 6, KB)")
    print(table(["page", "JS files", "JS KB", "CSS KB"], rows))
    dashboard_js = next(js for p, _, js, _ in weights if p == "/dashboard/")
    verdict = "within" if dashboard_js <= JS_BUDGET_KB else "OVER"
    print(f"dashboard JS {dashboard_js:.1f} KB: {verdict} the {JS_BUDGET_KB:.0f} KB budget\n")
    if not CHROMIUM.is_file():
        print(f"no Chromium at {CHROMIUM}: browser timings skipped")
        return
    settings = (await demo_settings()).changed(http={"web_dir": str(DIST)})
    headers = {"Authorization": f"Bearer {mint_jwt(settings, DEVON, int(time.time()))}"}
    password = demo_password(settings.auth.hash_key.get_secret_value().encode(), DEVON_EMAIL, 7)
    async with BackgroundServer(create_app(settings), lifespan="on") as url:
        raw = await raw_dashboard(url, headers, runs)
        raw_token = await raw_first_token(url, headers, runs)
        page = await asyncio.to_thread(browser_figures, url, runs, password)
    print(f"Chromium against the API on 127.0.0.1, Voltline Gadgets, median of {runs}")
    timing = [
        ["dashboard rendered, empty cache", f"{median_ms(page['cold']):.0f}"],
        ["dashboard rendered, warm cache", f"{median_ms(page['warm']):.0f}"],
        ["the same 8 API calls, raw (yardstick)", f"{median_ms(raw):.0f}"],
        ["chat: first token on screen", f"{median_ms(page['token']):.0f}"],
        ["chat: first chunk event, raw (yardstick)", f"{median_ms(raw_token):.0f}"],
    ]
    print(table(["measure", "ms"], timing))
    print(
        f"dashboard (warm) = {median_ms(page['warm']) / median_ms(raw):.1f}x the raw calls; "
        f"first chat token = {median_ms(page['token']) / median_ms(raw_token):.1f}x the raw "
        f"first chunk; layout shift while loading: {statistics.median(page['cls']):.3f} (CLS)"
    )


def _cli() -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_cli().runs))
