"""How the tests reach the widget on the demo page: by role and accessible name, as a person would."""
from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.e2e.router_sites import SiteConversation, WidgetSite

from .conftest import RunningServer, wait_until
from .stand_in_router import Conversation


class ChatPage:
    """The widget served by the real router (`WidgetSite`) or, for the tests that still script the agent
    side and faults with it, by the stand-in router (`RunningServer`)."""

    def __init__(self, page: Page, server: RunningServer | WidgetSite) -> None:
        self.page = page
        self.server = server
        self.base_url = server.url
        self.router = getattr(server, "router", None)
        self.launcher: Locator = page.get_by_role("button", name="Chatta med oss")
        self.panel: Locator = page.get_by_role("dialog", name="Chatta med Helsingborgs stad")
        self.input: Locator = page.get_by_role("textbox", name="Skriv ditt meddelande")
        self.send_button: Locator = self.panel.get_by_role("button", name="Skicka", exact=True)
        self.log: Locator = page.get_by_role("log", name="Meddelanden")
        self.bubbles: Locator = self.log.locator(".hbgc-bubble")
        self.prompt: Locator = page.get_by_role("alertdialog")

    def goto(self) -> None:
        self.page.goto(self.base_url + "/")

    def open(self) -> Conversation | SiteConversation:
        """Load the demo page, open the chat and wait until the resident can write and, when the stand-in
        takes WebSockets, until the socket has authenticated (frames the agent side sends then arrive)."""
        self.goto()
        self.launcher.click()
        expect(self.input).to_be_enabled()
        if isinstance(self.server, WidgetSite):
            return self.server.conversation_of(self.page)
        conv = self.router.only()
        if self.router.ws_enabled:
            wait_until(lambda: conv.sockets, what="the chat's authenticated socket")
        return conv

    def agent(self, action: str, *args) -> None:
        """Play the router/agent side: run a StandInRouter coroutine such as "agent_says"."""
        self.server.call(getattr(self.router, action), *args)

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def expect_bubbles(self, *texts: str) -> None:
        """The log shows exactly these messages (each as "<sender>: <text>"), in order."""
        expect(self.bubbles).to_have_text(list(texts))
