"""The widget warns a resident about personal data before sending with its own JavaScript detector, and the
router masks logs and training data with router/privacy/masking.py. Both get the same corpus
(tests/router/masking_cases.py) here: a text the router masks must make the widget warn about exactly the
same passages, and a text the router leaves alone must send without a warning."""
from __future__ import annotations

from playwright.sync_api import Page

from router.privacy.masking import find_sensitive, mask
from tests.e2e.router_sites import WidgetSite
from tests.router.masking_cases import corpus

from .chat_page import ChatPage

# The widget names a samordningsnummer apart (its warning says which); the router masks both as personnummer.
WIDGET_KINDS = {"personnummer": "personnummer", "samordningsnummer": "personnummer", "phone": "telefonnummer",
                "email": "e-post"}

MASK_IN_THE_WIDGET = """(texts) => texts.map((text) => {
    const found = window.__tryggareHelsingborgChat.findSensitiveData(text);
    let masked = "", position = 0;
    for (const f of found) { masked += text.slice(position, f.start) + "[" + f.kind + "]"; position = f.end; }
    return {masked: masked + text.slice(position), kinds: found.map((f) => f.kind)};
})"""


def test_the_widget_finds_what_the_router_masks(site_page: Page, widget_site: WidgetSite) -> None:
    ChatPage(site_page, widget_site).goto()
    texts = corpus()
    widget = site_page.evaluate(MASK_IN_THE_WIDGET, texts)
    disagreements = []
    for text, seen in zip(texts, widget):
        kinds = [WIDGET_KINDS[kind] for kind in seen["kinds"]]
        masked = seen["masked"]
        for kind in ("personnummer", "samordningsnummer", "phone", "email"):
            masked = masked.replace(f"[{kind}]", f"[{WIDGET_KINDS[kind]}]")
        if masked != mask(text) or kinds != [str(m.kind) for m in find_sensitive(text)]:
            disagreements.append((text[:80], masked[:80], mask(text)[:80]))
    assert len(texts) >= 90  # the whole corpus, not an empty list
    assert disagreements == []
