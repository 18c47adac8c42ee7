"""axe-core in a page: the WCAG violations it finds, and which impacts block a test."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

BLOCKING = {"serious", "critical"}


def run_axe(page: Page, axe_path: Path) -> list[dict]:
    # Evaluated through the DevTools protocol, not a script tag: pages with a strict CSP (the console) keep it.
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(axe_path.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' '))}));
        }"""
    )
    return result
