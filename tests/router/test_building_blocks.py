"""Small parts on their own: pub/sub, token buckets, the handoff settings file."""
from __future__ import annotations

from pathlib import Path

import pytest

from router.bus import rate_limit
from facts.contact import load_contact_facts
from router.handoff.config import HandoffConfigError, load_canned_answers, load_handoff_config
from router.bus.pubsub import LocalPubSub, SubscriberTooSlow

SETTINGS_DIR = Path(__file__).resolve().parents[2] / "settings"


@pytest.mark.asyncio
async def test_pubsub_delivers_to_subscribers_of_the_channel_only() -> None:
    bus = LocalPubSub()
    async with bus.subscribe("a") as first, bus.subscribe("a") as second, bus.subscribe("b") as other:
        await bus.publish("a", {"n": 1})
        assert await first.get() == {"n": 1}
        assert await second.get() == {"n": 1}
        await bus.publish("b", {"n": 2})
        assert await other.get() == {"n": 2}
    await bus.publish("a", {"n": 3})  # nobody listens any more: no error


@pytest.mark.asyncio
async def test_pubsub_slow_subscriber_is_told_to_resync() -> None:
    bus = LocalPubSub(max_pending=2)
    async with bus.subscribe("a") as subscription:
        for n in range(3):
            await bus.publish("a", {"n": n})
        assert [await subscription.get(), await subscription.get()] == [{"n": 0}, {"n": 1}]
        with pytest.raises(SubscriberTooSlow):
            await subscription.get()


def test_token_bucket_allows_bursts_then_refills(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(rate_limit.time, "monotonic", lambda: now[0])
    limiter = rate_limit.RateLimiter(per_minute=3)
    assert [limiter.allow("x") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("y")
    now[0] += 20  # one token back (3 a minute)
    assert [limiter.allow("x"), limiter.allow("x")] == [True, False]


def test_shipped_settings_load() -> None:
    contact = load_contact_facts(SETTINGS_DIR)
    config = load_handoff_config(SETTINGS_DIR, contact)
    assert config.closing_margin_minutes == 15
    assert config.contact is contact
    assert config.close_categories
    answers = load_canned_answers(SETTINGS_DIR, contact)
    assert answers and not any("{" in answer.text for answer in answers)
    assert any(contact.phone in answer.text for answer in answers)


@pytest.mark.parametrize(
    "content, field",
    [
        ("closing_margin_minutes: soon\nclose_categories: [a]", "closing_margin_minutes"),
        ("close_categories: []", "close_categories"),
        ("close_categories: [a]\ncontact_center: {phone: '042-10 50 00'}", "contact_center: moved to contact.yml"),
        ("- not a mapping", "(file)"),
        ("key: [unclosed", "not valid YAML"),
    ],
)
def test_wrong_handoff_settings_name_the_field(tmp_path, content, field) -> None:
    (tmp_path / "handoff.yml").write_text(content, encoding="utf-8")
    with pytest.raises(HandoffConfigError, match=field.replace("(", r"\(").replace(")", r"\)")):
        load_handoff_config(tmp_path, load_contact_facts(SETTINGS_DIR))


@pytest.mark.parametrize(
    "text, message",
    [
        ("Ring {contact_fax}.", "canned_answers[0].text: unknown placeholder {contact_fax}"),
        ("Ring {}.", "canned_answers[0].text: braces must enclose a placeholder name"),
    ],
)
def test_a_canned_answer_with_a_wrong_placeholder_names_it(tmp_path, text, message) -> None:
    (tmp_path / "canned_answers.yml").write_text(f"canned_answers:\n  - title: T\n    text: '{text}'\n", encoding="utf-8")
    with pytest.raises(HandoffConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace("{", r"\{").replace("}", r"\}")):
        load_canned_answers(tmp_path, load_contact_facts(SETTINGS_DIR))
