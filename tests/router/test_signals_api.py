"""Trygghetssignaler through the router: the actions' internal API, the console's add/correct, the roles, the
page and the export — with every count below the threshold suppressed in every view and export."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from router.app import create_app
from router.keys import DB_KEY
from router.signals import purge_until_stopped
from router.signals.keys import SIGNAL_STORE_KEY
from router.signals.models import Signal
from tests.router.client_steps import add_agent, login, new_conversation
from tests.router.signals_fixtures import (
    INTERNAL, RARE_PLACE, csv_rows, json_counts, login_page_only, page_numbers, record, seed_signals,
    small_numbers,
)

pytestmark = pytest.mark.asyncio


async def _signals(client) -> list[Signal]:
    async with client.app[DB_KEY]() as session:
        return list((await session.exec(select(Signal))).all())


async def test_a_feeling_unsafe_message_gives_one_signal_and_no_conversation_or_text(client):
    conversation_id, _ = await new_conversation(client)
    text = "jag känner mig otrygg i parken vid Fredriksdal på kvällarna, ring mig på 070-123 45 67"
    response = await record(client, text, district="Fredriksdal", conversation_id=conversation_id)
    assert response.status == 201
    body = await response.json()
    assert body["recorded"] is True
    [signal] = await _signals(client)
    assert (signal.district, signal.category, signal.time_of_day, signal.place, signal.source) == (
        "Fredriksdal", "otrygghet", "kväll", "parken", "chat"
    )
    assert signal.public_id == body["id"] and signal.day.isoformat() == "2026-11-30" and signal.month == "2026-11"
    stored = json.dumps(signal.model_dump(mode="json"), ensure_ascii=False)
    # The phone number whole, not "070": a stored time's microseconds can hold those digits.
    assert conversation_id not in stored and "070-123" not in stored and "45 67" not in stored
    assert "känner" not in stored


async def test_declining_removes_exactly_that_signal(client):
    first = await (await record(client, "otryggt på Söder")).json()
    second = await (await record(client, "otryggt i Dalhem")).json()
    removed = await client.delete(f"/internal/signals/{first['id']}", headers=INTERNAL)
    assert await removed.json() == {"removed": True}
    assert [s.public_id for s in await _signals(client)] == [second["id"]]
    again = await client.delete(f"/internal/signals/{first['id']}", headers=INTERNAL)
    assert await again.json() == {"removed": False}


async def test_a_danger_now_message_gives_no_signal(client):
    response = await record(client, "det är någon med kniv i parken vid Fredriksdal just nu, hjälp")
    assert await response.json() == {"recorded": False, "reason": "danger_now"}
    assert await _signals(client) == []


async def test_other_intents_give_no_signal_and_bad_input_is_refused_in_swedish(client):
    assert (await (await record(client, "när öppnar ni", intent="opening_hours")).json())["recorded"] is False
    empty = await record(client, "   ")
    assert empty.status == 400
    assert (await client.post("/internal/signals", json={"text": "otryggt"})).status == 401
    assert await _signals(client) == []


async def test_unknown_and_misspelled_districts(client):
    await record(client, "otryggt här", district="Fredriksdahl")
    await record(client, "otryggt här", district="Atlantis")
    await record(client, "otryggt vid torget i stan")
    assert sorted(s.district for s in await _signals(client)) == ["Centrum", "Fredriksdal", "okänd"]


async def test_a_kommunvagledare_corrects_or_adds_the_signal_of_a_conversation(client):
    await add_agent(client, "anna")
    csrf = await login(client, "anna")
    conversation_id, _ = await new_conversation(client)
    await record(client, "otryggt vid parken", district="Söder", conversation_id=conversation_id)
    url = f"/api/agent/conversations/{conversation_id}/signal"
    shown = await (await client.get(url)).json()
    assert shown["signal"]["district"] == "Söder" and "Fredriksdal" in shown["districts"]
    corrected = await client.put(url, json={"district": "Fredriksdal", "category": "belysning"},
                                 headers={"X-CSRF-Token": csrf})
    assert corrected.status == 200
    [signal] = await _signals(client)
    assert (signal.district, signal.category, signal.place) == ("Fredriksdal", "belysning", "parken")

    # A danger-now conversation gave no signal; the kommunvägledare confirms one when closing.
    other, _ = await new_conversation(client)
    assert (await (await client.get(f"/api/agent/conversations/{other}/signal")).json())["signal"] is None
    added = await client.put(f"/api/agent/conversations/{other}/signal",
                             json={"district": "drottninghog", "category": "grupper"}, headers={"X-CSRF-Token": csrf})
    assert (await added.json())["signal"]["source"] == "agent"
    assert sorted(s.district for s in await _signals(client)) == ["Drottninghög", "Fredriksdal"]
    bad = await client.put(url, json={"district": "Söder", "category": "ufo"}, headers={"X-CSRF-Token": csrf})
    assert bad.status == 400 and "Kategorin" in (await bad.json())["message"]
    assert len(await _signals(client)) == 2


async def test_roles_analyst_reads_only_the_signals(client):
    await add_agent(client, "olle", role="analyst")
    assert await login_page_only(client, "olle") == "/admin/signals"
    assert (await client.get("/admin/signals")).status == 200
    assert (await client.get("/admin/signals/export.json")).status == 200
    assert (await client.get("/api/agent/me")).status == 403
    assert (await client.get("/api/agent/queue")).status == 403
    assert (await client.get("/api/admin/dashboard")).status == 403
    conversation_id, _ = await new_conversation(client)
    assert (await client.get(f"/api/agent/conversations/{conversation_id}/signal")).status == 403
    console = await client.get("/agent", allow_redirects=False)
    assert console.status == 303 and console.headers["Location"] == "/admin/signals"
    page = await (await client.get("/admin/signals")).text()
    assert 'href="/admin/data"' not in page and 'href="/agent"' not in page


async def test_agents_may_not_see_the_picture_and_strangers_must_log_in(client):
    anonymous = await client.get("/admin/signals", allow_redirects=False)
    assert anonymous.status == 303
    assert (await client.get("/admin/signals/export.csv")).status == 401
    await add_agent(client, "anna")
    await login(client, "anna")
    assert (await client.get("/admin/signals")).status == 403
    assert (await client.get("/admin/signals/export.csv")).status == 403


async def test_the_page_shows_every_view_and_no_count_below_the_threshold(client):
    await seed_signals(client)
    await add_agent(client, "admin", role="admin")
    await login(client, "admin")
    response = await client.get("/admin/signals")
    html = await response.text()
    assert response.status == 200
    cells, svg = page_numbers(html)
    assert small_numbers(cells) == [] and small_numbers(svg) == []
    for heading in ("Stadsdel och kategori", "Förändring mot föregående period", "Per månad", "Tid på dygnet",
                    "Veckodag", "Vanligaste platserna per stadsdel"):
        assert heading in html
    assert "<\u00a05" in cells and "7" in cells and "11" in cells  # Fredriksdal: 7 + 4 hidden
    assert "−16,7\u00a0%" in cells  # Söder 5 against 6
    assert "parken" in cells and "torget" in cells and RARE_PLACE not in html
    assert "oktober 2026" in html and "1 december 2025" in html


async def test_the_exports_never_hold_a_count_below_the_threshold(client):
    await seed_signals(client)
    await add_agent(client, "olle", role="analyst")
    await login_page_only(client, "olle")
    document = await (await client.get("/admin/signals/export.json")).json()
    counts = json_counts(document)
    assert counts and all(count is None or count >= 5 for count in counts)
    assert None in counts and 7 in counts
    assert RARE_PLACE not in json.dumps(document, ensure_ascii=False)
    for view in ("district_category", "change_per_district", "per_month", "time_of_day", "weekday", "top_places"):
        assert document[view], view
    response = await client.get("/admin/signals/export.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="trygghetssignaler-')
    rows = csv_rows(await response.text())
    assert rows[0] == ["vy", "stadsdel", "etikett", "antal"]
    shown = [row[3] for row in rows[1:]]
    assert "< 5" in shown and "7" in shown
    assert small_numbers(shown) == []
    assert {row[0] for row in rows[1:]} == {
        "stadsdel_kategori", "forandring_mot_foregaende_period", "per_manad", "tid_pa_dygnet", "veckodag", "platser"
    }
    assert RARE_PLACE not in await response.text()


async def test_a_wrong_period_is_explained_in_swedish(client):
    await add_agent(client, "admin", role="admin")
    await login(client, "admin")
    page = await client.get("/admin/signals?from=2026-13-01")
    assert page.status == 400 and "ÅÅÅÅ-MM-DD" in await page.text()
    export = await client.get("/admin/signals/export.json?from=2026-11-30&to=2026-01-01")
    assert export.status == 400 and "före" in (await export.json())["message"]


async def test_signals_past_retention_are_deleted(client):
    store = client.app[SIGNAL_STORE_KEY]
    await record(client, "otryggt på Söder")
    old = await (await record(client, "otryggt i Dalhem")).json()
    async with client.app[DB_KEY]() as session:
        row = (await session.exec(select(Signal).where(Signal.public_id == old["id"]))).one()
        row.day = store.today() - timedelta(days=1096)
        session.add(row)
        await session.commit()
    assert await store.purge() == 1
    assert [s.district for s in await _signals(client)] == ["Söder"]


async def test_the_privacy_notice_states_the_signals_retention(client):
    html = await (await client.get("/integritet")).text()
    assert "Var människor känner sig otrygga" in html and "1095 dagar (3 år)" in html


async def test_the_threshold_is_a_setting(aiohttp_client, settings, clock, options, tmp_path):
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    for source in settings.settings_dir.glob("*.yml"):
        (settings_dir / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (settings_dir / "signals.yml").write_text("threshold: 1\n", encoding="utf-8")
    client = await aiohttp_client(create_app(replace(settings, settings_dir=settings_dir), clock=clock, options=options))
    await record(client, "jag känner mig otrygg i parken vid Fredriksdal på kvällarna")
    await add_agent(client, "olle", role="analyst")
    await login_page_only(client, "olle")
    document = await (await client.get("/admin/signals/export.json")).json()
    cell = next(item for item in document["district_category"]
                if (item["district"], item["category"]) == ("Fredriksdal", "otrygghet"))
    assert cell == {"district": "Fredriksdal", "category": "otrygghet", "count": 1, "shown": "1", "suppressed": False}


async def test_the_monthly_tallies_agree_with_the_signals_after_every_kind_of_write(client):
    """Whole months come from the tallies, edges from the signals: a period of whole months and the same
    period counted from the signals alone (one long edge) must give the same picture."""
    from datetime import date

    from router.signals.aggregation import Period, count_signals, split
    from router.signals.models import SignalCreate

    store = client.app[SIGNAL_STORE_KEY]
    await seed_signals(client)
    taken = await store.record(SignalCreate(district="Söder", category="grupper", place="torget"), day=date(2026, 11, 2))
    corrected = await store.record(SignalCreate(district="Dalhem", category="annat"), day=date(2026, 10, 9))
    await store.remove(taken.id)
    await store.correct(corrected.id, "Söder", "grupper")
    whole = Period(date(2025, 12, 1), date(2026, 11, 30))
    assert split(whole)[1] == [] and len(split(whole)[0]) == 12
    assert split(Period(date(2026, 10, 15), date(2026, 10, 20))) == ([], [Period(date(2026, 10, 15), date(2026, 10, 20))])
    from_tallies = await count_signals(client.app[DB_KEY], whole, 5, 5)
    edges = Period(date(2025, 12, 2), date(2026, 11, 30))  # starts on the 2nd: no whole month at its start …
    from_signals = await count_signals(client.app[DB_KEY], edges, 5, 5)
    assert split(edges)[0][0] == "2026-01"
    assert from_tallies.by_district_category == from_signals.by_district_category
    assert from_tallies.by_district_category[("Söder", "grupper")] == 6
    assert from_tallies.by_month == from_signals.by_month
    assert from_tallies.by_time_of_day == from_signals.by_time_of_day
    assert from_tallies.by_weekday == from_signals.by_weekday
    assert from_tallies.top_places == from_signals.top_places
    assert from_tallies.previous_by_district == {"Söder": 6}


async def test_a_purge_under_way_when_the_router_stops_is_finished_not_cancelled():
    """Cancelling the purge inside its transaction cancelled its rollback too (SQLAlchemy logged "Exception
    during reset" when a short test app shut down right after starting); stopping waits for the purge."""
    started, release, finished = asyncio.Event(), asyncio.Event(), []

    class SlowStore:
        async def purge(self) -> int:
            started.set()
            await release.wait()
            finished.append(True)
            return 0

    stop = asyncio.Event()
    task = asyncio.create_task(purge_until_stopped(SlowStore(), stop))
    await started.wait()
    stop.set()
    asyncio.get_running_loop().call_later(0.05, release.set)
    await asyncio.wait_for(task, 5)
    assert finished == [True]
