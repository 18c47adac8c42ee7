"""The agent console in Debian chromium after a login with the city's account: the login page's button, the
provider's form, back to the console; online, claim a waiting resident, answer; log out at the provider too.
Screenshots go to test-artifacts/sso/."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.router_sites import SsoSite, go_online
from tests.e2e.browser import PROJECT_ROOT, debian_chromium, wait_until
from tests.router.oidc_fixtures import AGENTS, OpenIdProvider

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "sso"
REPLY = "Hej, jag heter Anna. Hur kan jag hjälpa dig?"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


def test_the_console_works_after_a_login_with_the_city_account(
    browser: Browser, sso_site: SsoSite, oidc_provider: OpenIdProvider
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    oidc_provider.set_user("anna.sund", name="Anna Sund", email="anna.sund@helsingborg.se", groups=[AGENTS])
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(sso_site.url + "/agent")
    expect(page).to_have_url(sso_site.url + "/agent/login")
    page.screenshot(path=ARTIFACTS / "login.png")
    page.get_by_role("link", name="Logga in med stadens konto").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()  # the provider's page
    page.get_by_placeholder("sub").fill("anna.sund")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(sso_site.url + "/agent")
    expect(page.locator(".logout")).to_contain_text("Anna Sund")

    go_online(page)
    conversation_id, token = sso_site.queue_resident()
    page.locator("#queue-list").get_by_role("button", name="Ta chatten").first.click()
    page.get_by_label("Svar till invånaren").fill(REPLY)
    page.locator("#reply-form").get_by_role("button", name="Skicka").click()
    expect(page.get_by_role("log", name="Konversation")).to_contain_text(REPLY)
    wait_until(lambda: any(m.get("text") == REPLY for m in sso_site.resident_sees(conversation_id, token)),
               what="the resident to get the reply", page=page)
    page.screenshot(path=ARTIFACTS / "console.png")

    # Logging out ends the session here and goes on to the provider's logout, which comes back to the login.
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "provider-logout.png")
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(sso_site.url + "/agent/login")
    page.goto(sso_site.url + "/agent")
    expect(page).to_have_url(sso_site.url + "/agent/login")
    assert errors == []
    context.close()
