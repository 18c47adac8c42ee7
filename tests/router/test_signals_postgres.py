"""The signals' aggregation and storage on PostgreSQL, as a scaled-out deployment runs them: the same
picture as on SQLite, small counts suppressed, and taking a signal back."""
from __future__ import annotations

from dataclasses import replace

import pytest

from router.app import create_app
from tests.router.client_steps import add_agent, login
from tests.router.signals_fixtures import INTERNAL, RARE_PLACE, json_counts, record, seed_signals

pytestmark = pytest.mark.asyncio


async def test_the_picture_on_postgres(postgres_database, aiohttp_client, settings, clock, options) -> None:
    app = create_app(replace(settings, database_url=postgres_database), clock=clock, options=options)
    client = await aiohttp_client(app)
    await seed_signals(client)
    taken_back = await (await record(client, "otryggt i parken vid Fredriksdal på kvällarna")).json()
    assert (await (await client.delete(f"/internal/signals/{taken_back['id']}", headers=INTERNAL)).json()) == {
        "removed": True
    }
    await add_agent(client, "admin", role="admin")
    await login(client, "admin")
    document = await (await client.get("/admin/signals/export.json")).json()
    counts = json_counts(document)
    assert all(count is None or count >= 5 for count in counts)
    matrix = {(item["district"], item["category"]): item["count"] for item in document["district_category"]}
    assert matrix[("Fredriksdal", "otrygghet")] == 7 and matrix[("Fredriksdal", "belysning")] is None
    assert matrix[("Söder", "grupper")] == 5
    months = {item["month"]: item["count"] for item in document["per_month"]}
    assert months["oktober 2026"] == 11 and months["september 2026"] is None
    change = {item["district"]: item["change"] for item in document["change_per_district"]}
    assert change["Söder"] == "−16,7\u00a0%"
    # In the order of the city's district list (data/lookups/stadsdel.yml), as on SQLite.
    assert [(p["district"], p["place"], p["count"]) for p in document["top_places"]] == [
        ("Söder", "torget", 5), ("Fredriksdal", "parken", 7)
    ]
    assert RARE_PLACE not in str(document)
