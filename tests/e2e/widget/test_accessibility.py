"""WCAG 2.1 AA checks with axe-core in the widget's states, layout at 320 px and 200 % zoom,
reduced motion and the print stylesheet. Screenshots and axe results go to test-artifacts/widget/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.browser import checked_page
from tests.e2e.router_sites import SiteConversation, WidgetSite
from .chat_page import ChatPage


def queued_conversation(chat: ChatPage) -> SiteConversation:
    """A conversation with the bot's buttons and links, then waiting in the queue (the queue box on screen)."""
    conv = chat.open()
    chat.send("knappar")
    chat.send("länkar")
    expect(chat.bubbles).to_have_count(4)
    chat.site.queue(conv)
    expect(chat.panel.get_by_role("region", name="Du står i kö")).to_be_visible()
    return conv


def agent_joins(chat: ChatPage, conv: SiteConversation) -> None:
    """Anna takes the chat, writes with a link and is typing again: every kind of message is in the log."""
    chat.site.agent.joins(conv)
    chat.site.agent.says(conv, "Hej! Jag heter Anna. Läs mer på https://helsingborg.se/trygghet")
    chat.site.agent.types(conv)
    expect(chat.bubbles).to_have_count(6)
    expect(chat.panel.get_by_role("status").filter(has_text="skriver")).to_be_visible()


def test_axe_finds_no_serious_or_critical_violations(
    browser: Browser, widget_site: WidgetSite, axe_path: Path, artifacts: Path
) -> None:
    with checked_page(browser, widget_site, bypass_csp=True) as page:  # axe is injected as an inline script
        check_states_with_axe(ChatPage(page, widget_site), axe_path, artifacts)


def check_states_with_axe(chat: ChatPage, axe_path: Path, artifacts: Path) -> None:
    results: dict[str, list[dict]] = {}
    chat.goto()
    results["page, chat closed"] = run_axe(chat.page, axe_path)
    conv = queued_conversation(chat)
    results["conversation in the queue"] = run_axe(chat.page, axe_path)
    agent_joins(chat, conv)
    results["conversation with an agent"] = run_axe(chat.page, axe_path)
    chat.send("Mitt personnummer är 811228-9874")
    expect(chat.prompt).to_be_visible()
    results["personnummer warning"] = run_axe(chat.page, axe_path)
    chat.prompt.get_by_role("button", name="Ändra").click()
    chat.input.fill("x" * 2001)
    results["too long"] = run_axe(chat.page, axe_path)
    chat.site.agent.closes(conv)
    expect(chat.panel.get_by_role("group", name="Fick du hjälp?")).to_be_visible()
    results["closed with feedback"] = run_axe(chat.page, axe_path)
    chat.page.set_viewport_size({"width": 320, "height": 640})
    results["closed at 320 px"] = run_axe(chat.page, axe_path)

    (artifacts / "axe-results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    blocking = {state: [v for v in violations if v["impact"] in BLOCKING] for state, violations in results.items()}
    assert all(not v for v in blocking.values()), json.dumps(blocking, indent=2, ensure_ascii=False)


def layout_problems(page: Page) -> list[str]:
    """Things that break reflow: sideways scrolling, or chat controls that cannot be brought into the
    window. In short windows the whole panel scrolls, so there each control is scrolled to first."""
    return page.evaluate(
        """() => {
            const problems = [];
            const w = window.innerWidth, h = window.innerHeight;
            if (document.documentElement.scrollWidth > w) problems.push('page scrolls sideways');
            const panel = document.querySelector('.hbgc-panel');
            if (!panel || panel.hidden) return problems;
            if (panel.scrollWidth > panel.clientWidth) problems.push('panel scrolls sideways');
            const panelScrolls = getComputedStyle(panel).overflowY === 'auto';
            const top = panelScrolls ? document.querySelector('.hbgc-header').getBoundingClientRect().bottom : 0;
            const scrollTop = panel.scrollTop;
            const promptOpen = !document.querySelector('.hbgc-prompt').hidden;
            const ended = document.querySelector('.hbgc-composer').hidden;
            // While a question is open it replaces the tools on narrow screens, and must fit itself;
            // when the chat is over, the end section (feedback, new chat) replaces the text field.
            const parts = ['.hbgc-header', promptOpen ? '.hbgc-prompt' : '.hbgc-tools'];
            parts.push(...(ended ? ['.hbgc-end'] : ['.hbgc-input', '.hbgc-send']));
            if (!panelScrolls) parts.push('.hbgc-scroll');  // else the messages scroll with the panel
            for (const sel of parts) {
                const el = document.querySelector(sel);
                if (panelScrolls && sel !== '.hbgc-header') el.scrollIntoView({block: 'end'});
                const r = el.getBoundingClientRect();
                const minTop = sel === '.hbgc-header' ? 0 : top;
                if (r.left < 0 || r.right > w + 0.5 || r.top < minTop - 0.5 || r.bottom > h + 0.5 || r.height < 1)
                    problems.push(sel + ' outside the window: ' + JSON.stringify(r));
            }
            panel.scrollTop = scrollTop;
            return problems;
        }"""
    )


@pytest.mark.parametrize(
    ("name", "viewport", "scale"),
    [
        ("1280", {"width": 1280, "height": 800}, 1),
        ("320", {"width": 320, "height": 640}, 1),
        ("zoom-200", {"width": 640, "height": 360}, 2),  # a 1280×720 window at 200 % zoom
    ],
)
def test_layout_and_screenshots(
    browser: Browser, widget_site: WidgetSite, artifacts: Path, name: str, viewport: dict, scale: int
) -> None:
    with checked_page(browser, widget_site, viewport=viewport, device_scale_factor=scale) as page:
        chat = ChatPage(page, widget_site)
        chat.goto()
        expect(chat.launcher).to_be_visible()
        page.screenshot(path=str(artifacts / f"page-{name}.png"))
        assert layout_problems(page) == []
        conv = queued_conversation(chat)
        page.screenshot(path=str(artifacts / f"queued-{name}.png"))
        assert layout_problems(page) == []
        agent_joins(chat, conv)
        # The log follows its newest line, Anna's typing (tests/e2e/widget/test_scrolling.py has the cases).
        expect(chat.panel.get_by_role("status").filter(has_text="skriver")).to_be_in_viewport(ratio=1)
        page.screenshot(path=str(artifacts / f"chat-{name}.png"))
        assert layout_problems(page) == []
        chat.send("Ring mig på 070-123 45 67")
        expect(chat.prompt).to_be_visible()
        page.screenshot(path=str(artifacts / f"warning-{name}.png"))
        assert layout_problems(page) == []
        expect(chat.prompt.get_by_role("button", name="Skicka ändå")).to_be_in_viewport()
        chat.prompt.get_by_role("button", name="Ändra").click()
        chat.site.agent.closes(conv)
        expect(chat.panel.get_by_role("group", name="Fick du hjälp?")).to_be_in_viewport()
        page.screenshot(path=str(artifacts / f"closed-{name}.png"))
        assert layout_problems(page) == []


def test_reduced_motion_stops_the_typing_animation(page: Page, chat: ChatPage) -> None:
    conv = chat.open()
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    expect(chat.bubbles).to_have_count(1)  # Anna's joining
    chat.site.agent.types(conv)
    typing = chat.panel.locator(".hbgc-typing--on")
    expect(typing).to_be_visible()
    assert typing.evaluate("el => getComputedStyle(el, '::after').animationName") == "hbgc-pulse"
    page.emulate_media(reduced_motion="reduce")
    assert typing.evaluate("el => getComputedStyle(el, '::after').animationName") == "none"


def test_print_shows_only_the_conversation(page: Page, chat: ChatPage, artifacts: Path) -> None:
    conv = chat.open()
    chat.send("Hej")
    expect(chat.bubbles).to_have_count(2)
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    chat.site.agent.says(conv, "Hej, läs https://helsingborg.se")
    expect(chat.bubbles).to_have_count(4)
    page.evaluate("window.print = () => {}")  # headless chromium cannot open the print dialog
    chat.panel.get_by_role("button", name="Skriv ut").click()
    expect(page.locator("html")).to_have_class("hbgc-printing")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Brottsförebyggande arbete", exact=True)).to_be_hidden()
    expect(chat.launcher).to_be_hidden()
    expect(chat.input).to_be_hidden()
    expect(chat.bubbles).to_have_count(4)
    for i in range(4):
        expect(chat.bubbles.nth(i)).to_be_visible()
    page.screenshot(path=str(artifacts / "print.png"), full_page=True)
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(page.locator("html")).not_to_have_class("hbgc-printing")
    # Printing the host page itself leaves the chat out.
    expect(chat.panel).to_be_hidden()
    expect(page.get_by_role("heading", name="Brottsförebyggande arbete", exact=True)).to_be_visible()
