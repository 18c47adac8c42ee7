"""axe-core in a page: the WCAG violations it finds, and which impacts block a test. One helper for every
browser test (widget, console, admin pages, the journeys)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def run_axe(page: Page, axe_path: Path = AXE_JS) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now. Evaluated through the DevTools protocol, not a script
    tag, so pages with a strict CSP (the console, the admin pages) keep it."""
    if not axe_path.exists():
        pytest.fail("axe-core is not installed: run `npm ci --prefix tests/e2e`")
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(axe_path.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document);
            return {passes: r.passes.length,
                    violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                        nodes: v.nodes.map(n => n.target.join(' '))}))};
        }"""
    )
    assert result["passes"] > 0, result  # axe really looked at the page
    return result["violations"]
