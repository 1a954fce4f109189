"""The web app end to end: Chromium against a real `vaultra serve` with the demo data.

Each test is one user story from the issue, with a screenshot per page in .artifacts/browser/.
Every page is also checked for what a user never sees but must not happen: a Content Security
Policy violation, an uncaught script error, a request to another host.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.web.conftest import DEVON, MAYA, PRIYA, ROOT, SAM, TOM, Owner, Server

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PRIVATE = "What should Voltline fix first before the payroll loan?"
XSS_NAME = '<img src=x onerror="window.__pwned=1">Evil & Co'


class Watched:
    """A page and everything it should not have done."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page = page
        self.problems: list[str] = []
        self.foreign: list[str] = []
        origin = urlsplit(server.url).netloc
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "request",
            lambda r: (
                self.foreign.append(r.url)
                if urlsplit(r.url).netloc not in (origin, "") and not r.url.startswith("data:")
                else None
            ),
        )

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            self.problems.append(f"console {message.type}: {message.text}")

    def assert_clean(self, *, allow_status_errors: bool = False) -> None:
        problems = [p for p in self.problems if not (allow_status_errors and "Failed to load" in p)]
        assert problems == []
        assert self.foreign == []


@pytest.fixture
def context(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def sign_in(context: Any, server: Server, who: Owner) -> None:
    """The session cookie, as the sign-in form gets it (same request, same origin)."""
    response = context.request.post(
        "/api/v1/auth/session",
        data={"email": who.email, "password": who.password},
        headers={"Origin": server.url},
    )
    assert response.status == 200, response.text()


def open_page(context: Any, server: Server, path: str) -> Watched:
    watched = Watched(context.new_page(), server)
    watched.page.goto(path)
    return watched


def shot(watched: Watched, artifacts: Path, name: str) -> None:
    watched.page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def serious_accessibility_violations(page: Any) -> list[str]:
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"""
    )


def test_a_new_account_without_data_sees_no_data_yet(context, server, artifacts):
    w = open_page(context, server, "/signup/")
    w.page.fill("#email", "new.owner@example.com")
    w.page.fill("#password", "correct horse battery")
    w.page.click("#signup-submit")
    w.page.wait_for_url("**/dashboard/")
    onboarding = w.page.locator("#onboarding")
    onboarding.wait_for()

    assert "No data yet" in onboarding.inner_text()
    assert w.page.locator("#dashboard-grid").is_hidden()
    shot(w, artifacts, "dashboard-new-account")
    w.page.fill("#business-name", "Fresh Start Bakery")
    w.page.click("#new-business button[type=submit]")
    w.page.locator("#scorecard [data-state=no-data]").wait_for()

    assert "No data yet" in w.page.locator("#scorecard").inner_text()
    assert w.page.locator("#stripe a[href*='integrations/stripe/connect']").count() == 1
    shot(w, artifacts, "dashboard-no-data")
    w.assert_clean(allow_status_errors=True)  # the 409 "not ready" answers are expected


def test_a_demo_owner_sees_the_score_and_components_the_api_gives(context, server, artifacts):
    sign_in(context, server, DEVON)
    w = open_page(context, server, "/dashboard/")
    w.page.locator("#components li").nth(8).wait_for()
    api = server.api(DEVON, "GET", "/readiness").json()["readiness"]

    assert w.page.inner_text("#score-value") == str(api["score"])
    assert w.page.get_attribute("#tier", "data-tier") == api["tier"]
    shown = {
        li.get_attribute("data-key"): int(li.locator("[data-points]").inner_text())
        for li in w.page.locator("#components li").all()
    }
    assert shown == {c["key"]: c["points"] for c in api["components"]}
    w.page.locator("#metrics-chart canvas").wait_for()
    w.page.locator("#funding .option").first.wait_for()
    w.page.locator("#history table").wait_for()
    shot(w, artifacts, "dashboard")
    assert serious_accessibility_violations(w.page) == []
    w.assert_clean()


def test_the_dashboard_fits_a_360_pixel_screen(context, server, artifacts):
    sign_in(context, server, DEVON)
    w = Watched(context.new_page(), server)
    w.page.set_viewport_size({"width": 360, "height": 800})
    w.page.goto("/dashboard/")
    w.page.locator("#components li").first.wait_for()
    w.page.locator("#metrics-chart canvas").wait_for()

    assert w.page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(w, artifacts, "dashboard-360")


def test_an_accepted_recommendation_is_still_accepted_after_a_reload(context, server):
    sign_in(context, server, TOM)
    w = open_page(context, server, "/dashboard/")
    first = w.page.locator("#recs-active .rec[data-status=open]").first
    rec_id = first.get_attribute("data-id")
    first.locator("[data-action=accepted]").click()
    w.page.locator(f".rec[data-id='{rec_id}'][data-status=accepted]").wait_for()
    w.page.reload()
    w.page.locator(f".rec[data-id='{rec_id}']").wait_for()

    assert w.page.get_attribute(f".rec[data-id='{rec_id}']", "data-status") == "accepted"
    stored = server.api(TOM, "GET", "/recommendations", params={"status": "accepted"}).json()
    assert int(rec_id) in [r["id"] for r in stored["items"]]
    w.assert_clean()


def test_the_chat_streams_its_answer_with_a_tool_chip_and_survives_a_reload(
    context, server, artifacts
):
    sign_in(context, server, DEVON)
    w = open_page(context, server, "/chat/")
    w.page.locator("[data-assistant=offline]").wait_for()
    w.page.evaluate(
        """() => {
            window.__renders = 0;
            new MutationObserver(() => {
                if (!document.querySelector('[data-complete]')) window.__renders++;
            }).observe(document.getElementById('messages'), {childList: true, subtree: true});
        }"""
    )
    w.page.fill("#chat-input", "How fundable am I right now?")
    w.page.keyboard.press("Enter")
    answer = w.page.locator(".message-assistant[data-complete=true]")
    answer.wait_for()

    assert (
        w.page.locator(".chip[data-tool=get_readiness_breakdown]").get_attribute("data-state")
        == "ok"
    )
    assert w.page.evaluate("window.__renders") >= 3  # the answer arrived in pieces
    assert "/100" in answer.inner_text()
    assert re.search(r"[?&]c=\d+", w.page.url)
    shot(w, artifacts, "chat")
    assert serious_accessibility_violations(w.page) == []
    w.page.reload()
    w.page.locator(".message-assistant .chip").first.wait_for()

    assert "How fundable am I right now?" in w.page.inner_text("#messages")
    w.page.locator("#conversations a[aria-current=true]").wait_for()
    assert w.page.locator("#conversations a[aria-current=true]").count() == 1
    w.assert_clean()


def test_an_owner_of_two_businesses_chooses_and_switches(context, server, artifacts):
    sign_in(context, server, MAYA)
    w = open_page(context, server, "/dashboard/")
    w.page.locator("#scorecard [data-error=NEEDS_BUSINESS]").wait_for()
    shot(w, artifacts, "dashboard-choose-business")
    names = {b["id"]: b["name"] for b in server.api(MAYA, "GET", "/users/me").json()["businesses"]}

    for business_id in MAYA.business_ids:
        w.page.select_option("#business-switcher", str(business_id))
        w.page.wait_for_url(f"**/dashboard/?business={business_id}")
        w.page.locator("#components li").first.wait_for()
        assert names[business_id] in w.page.inner_text("#scorecard")
    w.assert_clean(allow_status_errors=True)


def test_a_second_account_never_sees_the_first_accounts_data(context, server):
    asked = server.api(DEVON, "POST", "/agent/chat", json={"message": PRIVATE}, timeout=30)
    theirs = asked.json()["conversation_id"]
    sign_in(context, server, SAM)
    w = open_page(context, server, f"/chat/?business={DEVON.business_ids[0]}&c={theirs}")
    w.page.locator("#chat-notice [role=alert]").wait_for()
    devons = server.api(DEVON, "GET", "/readiness").json()["business_name"]

    assert w.page.locator("#messages .message").count() == 0
    assert PRIVATE not in w.page.content()
    assert w.page.input_value("#business-switcher") == str(SAM.business_ids[0])
    assert devons not in w.page.content()
    w.page.goto(f"/dashboard/?business={DEVON.business_ids[0]}")
    w.page.locator("#components li").first.wait_for()
    assert devons not in w.page.content()


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(context, server):
    sign_in(context, server, DEVON)
    w = open_page(context, server, "/settings/")
    w.page.fill("#token-name", "Laptop")
    w.page.click("#token-form button[type=submit]")
    w.page.locator("#install-command").wait_for()
    token = w.page.inner_text("#new-token")

    assert w.page.inner_text("#install-command").endswith(f"--token {token}")
    cookie = next(c for c in context.cookies() if c["name"] == "vaultra_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    w.page.click("#sign-out")
    w.page.wait_for_url("**/signin/?signed_out=1")
    replayed = httpx.get(
        f"{server.url}/api/v1/users/me", cookies={"vaultra_session": cookie["value"]}
    )

    assert replayed.status_code == 401
    assert (
        httpx.get(
            f"{server.url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )  # the personal access token is not a session: it lives on
    w.assert_clean(allow_status_errors=True)


def test_a_business_name_and_a_chat_message_carrying_markup_render_as_text(context, server):
    sign_in(context, server, PRIYA)
    created = context.request.post(
        "/api/v1/users/businesses", data={"name": XSS_NAME}, headers={"Origin": server.url}
    )
    business = created.json()["id"]
    w = open_page(context, server, f"/chat/?business={business}")
    w.page.locator("#business-switcher").wait_for()
    payload = '<script>window.__pwned=1</script><img src="https://evil.example/x.png">'
    w.page.fill("#chat-input", payload)
    w.page.keyboard.press("Enter")
    w.page.locator(".message-assistant[data-complete=true]").wait_for()

    assert w.page.evaluate("window.__pwned") is None
    assert w.page.locator("#business-switcher option:checked").text_content() == XSS_NAME
    assert payload in w.page.locator(".message-user").inner_text()
    assert w.page.locator("img").count() == 0
    assert w.page.evaluate(
        "[...document.scripts].every(s => s.src.startsWith(location.origin + '/_astro/'))"
    )
    w.assert_clean()


def test_model_output_shows_no_remote_image_and_links_only_to_cited_sources(context, server):
    answer = "\n".join(
        [
            "Your score is **97**. ![tracker](https://evil.example/pixel.png)",
            "- Read [Stripe Capital](https://docs.stripe.com/capital)",
            "- Or [claim a prize](https://evil.example/prize) or [run](javascript:alert(1))",
            "<a href='https://evil.example'>raw html</a> https://evil.example/bare",
        ]
    )
    events = "".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n"
        for name, data in [
            ("start", {"conversation_id": 999, "provider": "openai", "model": "m"}),
            ("chunk", {"text": answer}),
            ("complete", {"answer": answer, "conversation_id": 999}),
        ]
    )
    sign_in(context, server, DEVON)
    w = Watched(context.new_page(), server)
    w.page.route(
        "**/api/v1/agent/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=events),
    )
    w.page.goto("/chat/")
    w.page.locator("[data-assistant]").wait_for()  # the page is ready to send
    w.page.fill("#chat-input", "hello")
    w.page.keyboard.press("Enter")
    reply = w.page.locator(".message-assistant[data-complete=true] .answer")
    reply.wait_for()
    hrefs = [a.get_attribute("href") for a in reply.locator("a").all()]

    assert hrefs == ["https://docs.stripe.com/capital"]
    assert reply.locator("img").count() == 0 and "[image not shown: tracker]" in reply.inner_text()
    assert "<a href='https://evil.example'>raw html</a>" in reply.inner_text()
    assert "claim a prize (https://evil.example/prize)" in reply.inner_text()
    w.assert_clean()


def test_a_forged_cross_site_form_post_is_refused_and_changes_nothing(context, server):
    sign_in(context, server, DEVON)
    evil = "http://127.0.0.1:9/"  # same site as the server (ports do not count), another origin
    form = (
        f'<form method="post" enctype="text/plain" action="{server.url}/api/v1/users/businesses">'
        '<input name=\'{"name":"Forged Ltd","x":"\' value=\'"}\'></form>'
        "<script>document.forms[0].submit()</script>"
    )
    page = context.new_page()
    page.route(evil, lambda route: route.fulfill(status=200, content_type="text/html", body=form))
    with page.expect_response("**/api/v1/users/businesses") as answer:
        page.goto(evil)

    assert answer.value.status == 403  # the cookie went along (same site); the origin did not fit
    assert answer.value.json()["error"] == "CROSS_SITE_REQUEST"
    names = [b["name"] for b in server.api(DEVON, "GET", "/users/me").json()["businesses"]]
    assert "Forged Ltd" not in names


def test_failing_api_calls_show_messages_never_a_blank_page(context, server, artifacts):
    sign_in(context, server, DEVON)
    w = Watched(context.new_page(), server)
    w.page.route(
        re.compile(r"/api/v1/readiness\?"),
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"error":"INTERNAL_ERROR","message":"boom","request_id":"r1"}',
        ),
    )
    w.page.route(re.compile(r"/api/v1/funding-options\?"), lambda r: r.abort("connectionrefused"))
    w.page.route(
        re.compile(r"/api/v1/recommendations\?"),
        lambda route: route.fulfill(
            status=429, headers={"Retry-After": "30"}, content_type="application/json", body="{}"
        ),
    )
    w.page.goto("/dashboard/")

    w.page.locator("#scorecard [data-error=INTERNAL_ERROR] button").wait_for()
    assert "Can't reach Vaultra" in w.page.locator("#funding [data-error=OFFLINE]").inner_text()
    assert "Try again in 30 seconds" in w.page.inner_text("#recommendations")
    assert "Reference: r1" in w.page.inner_text("#scorecard")
    w.page.locator("#metrics-chart canvas").wait_for()  # the rest of the page still works
    assert w.page.locator("#metrics-chart canvas").count() == 1
    shot(w, artifacts, "dashboard-errors")


def test_the_lender_report_prints_score_components_and_sources(context, server, artifacts):
    sign_in(context, server, DEVON)
    w = open_page(context, server, "/report/")
    w.page.locator("#report-components tr[data-key]").nth(8).wait_for()
    w.page.emulate_media(media="print")
    api = server.api(DEVON, "GET", "/readiness").json()

    assert w.page.inner_text("#report-score") == f"{api['readiness']['score']}/100"
    assert w.page.locator(".site-header").is_hidden()
    cited = {a.get_attribute("href") for a in w.page.locator(".sources a").all()}
    assert cited == {c["source_url"] for c in api["readiness"]["components"]}
    shot(w, artifacts, "report-print")
    w.assert_clean()


def test_the_sign_in_page_is_accessible_and_reports_a_wrong_password(context, server):
    w = open_page(context, server, "/signin/")
    w.page.fill("#email", DEVON.email)
    w.page.fill("#password", "wrong password!")
    w.page.click("#signin-submit")
    w.page.locator("#signin-error .notice").wait_for()

    assert "Wrong email or password" in w.page.inner_text("#signin-error")
    assert w.page.evaluate("document.activeElement.id") == "password"
    assert serious_accessibility_violations(w.page) == []
