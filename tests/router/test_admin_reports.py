"""What the administrators read: the audit log (local time, Swedish actions, readable details, filters,
CSV), the dashboard (Swedish numbers, weeks, closing categories, waits per week and hour, intents in
Swedish), the models page's facts (training time, data changed since the model in service, errors in
words) and every page's title naming its audience."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from assistant.training import inputs_manifest, manifest_file
from router.admin.keys import ADMIN_KEY
from router.keys import DB_KEY
from router.models import CHAT, LEFT_MESSAGE, Case, Feedback
from tests.router.client_steps import add_agent, login
from tests.router.constants import MONDAY_10
from tests.router.admin_fixtures import RefusingValidator, as_admin, evaluated_model, resident_message

pytestmark = pytest.mark.asyncio

PAGES = ["/admin", "/admin/data", "/admin/models", "/admin/dashboard", "/admin/audit"]


def _title_and_heading(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    heading = re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))
    return title, heading


# --- titles -------------------------------------------------------------------------------------------------

async def test_every_admin_page_and_the_admin_login_name_their_audience(admin_client):
    anonymous = await admin_client.get("/agent/login?next=admin")
    title, heading = _title_and_heading(await anonymous.text())
    assert "administratör" in title and "administratör" in heading, (title, heading)
    assert "kommunvägledare" not in title + heading, (title, heading)
    title, heading = _title_and_heading(await (await admin_client.get("/agent/login")).text())
    assert "kommunvägledare" in title and "kommunvägledare" in heading
    await as_admin(admin_client)
    for page in PAGES:
        title, heading = _title_and_heading(await (await admin_client.get(page)).text())
        assert "administratörer" in title and "för administratörer" in heading, (page, title, heading)


# --- audit log --------------------------------------------------------------------------------------------

async def test_the_audit_log_is_in_local_time_swedish_words_and_readable_details(admin_client, project):
    csrf = await as_admin(admin_client)
    await admin_client.post("/api/admin/intents/thank/examples", json={"examples": ["tusen tack för allt"]},
                            headers=csrf)
    _, message = await resident_message(admin_client, "något oklart", "nlu_fallback", 0.2)
    await admin_client.post(f"/api/admin/inbox/{message}/annotate", json={"action": "dismiss"}, headers=csrf)
    html = await (await admin_client.get("/admin/audit")).text()
    times = re.findall(r'<td class="nowrap">([^<]*)</td>', html)
    assert len(times) == 2 and all(re.fullmatch(r"2026-11-30 10:00:\d\d", t) for t in times), times  # 09.00 UTC
    assert "Lade till träningsexempel" in html and "Granskade ett inkorgsmeddelande" in html
    assert "”tusen tack för allt”" in html and "beslut:</span> avfärdat" in html
    for literal in ("['", "{'", "None", "&#39;", "add_examples</td>"):
        assert literal not in html, literal
    entries = (await (await admin_client.get("/api/admin/audit")).json())["entries"]
    assert entries[0]["action_text"] == "Granskade ett inkorgsmeddelande"
    assert entries[1]["detail_texts"] == [["fil", "data/nlu/basics.yml"], ["exempel", "”tusen tack för allt”"]]


async def test_the_audit_log_filters_by_person_action_and_date(admin_client, project):
    audit = admin_client.app[ADMIN_KEY].audit
    await as_admin(admin_client)
    await audit.record("ada", "deploy", "a.tar.gz", macro_f1=0.91234, gate_problems=None)
    await audit.record("bea", "train_failed", None, seconds=3.5, error="Rasa avslutades med felkod 1: fel")
    await audit.record("bea", "deploy", "b.tar.gz", macro_f1=0.9)

    async def rows(query: str) -> list[tuple[str, str]]:
        entries = (await (await admin_client.get("/api/admin/audit" + query)).json())["entries"]
        return [(e["actor"], e["action"]) for e in entries]

    assert await rows("?actor=bea") == [("bea", "deploy"), ("bea", "train_failed")]
    assert await rows("?action=deploy") == [("bea", "deploy"), ("ada", "deploy")]
    assert await rows("?actor=bea&action=deploy") == [("bea", "deploy")]
    assert await rows("?from=2026-11-30&to=2026-11-30") == [("bea", "deploy"), ("bea", "train_failed"), ("ada", "deploy")]
    assert await rows("?from=2026-12-01") == []
    assert await rows("?to=2026-11-29") == []
    html = await (await admin_client.get("/admin/audit?actor=bea&action=train_failed")).text()
    assert "Träningen misslyckades" in html and "makro-F1" not in html and "tid (s):</span> 3,5" in html
    assert '<option value="bea" selected>' in html
    assert 'href="/admin/audit.csv?actor=bea&amp;action=train_failed"' in html
    for bad in ("?from=30-11-2026", "?from=2026-12-02&to=2026-12-01"):
        response = await admin_client.get("/api/admin/audit" + bad)
        assert response.status == 400 and (await response.json())["error"] == "bad_date"


async def test_the_audit_log_exports_as_csv_for_a_swedish_spreadsheet(admin_client, project):
    audit = admin_client.app[ADMIN_KEY].audit
    await audit.record("ada", "deploy", "a.tar.gz", macro_f1=0.91234)
    await audit.record("ada", "edit_response", "=HYPERLINK(\"http://x\")", variant=0, before="Hej", after="Hej!")
    assert (await admin_client.get("/admin/audit.csv")).status == 401
    await add_agent(admin_client, "agnes", "agent")
    await login(admin_client, "agnes")
    assert (await admin_client.get("/admin/audit.csv")).status == 403
    await as_admin(admin_client)
    response = await admin_client.get("/admin/audit.csv?action=deploy")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = (await response.read()).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [["Tid (svensk tid)", "Vem", "Vad", "Gäller", "Detaljer"],
                    [rows[1][0], "ada", "Driftsatte en modell", "a.tar.gz", "makro-F1: 0,912"]]
    assert re.fullmatch(r"2026-11-30 10:00:\d\d", rows[1][0]), rows[1][0]
    every = list(csv.reader(io.StringIO((await (await admin_client.get("/admin/audit.csv")).read()).decode()
                                        .removeprefix("\ufeff")), delimiter=";"))
    assert every[1][3] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet shows it as text, never runs it
    assert every[1][4] == "variant: 1 | före: ”Hej” | efter: ”Hej!”"


# --- dashboard ---------------------------------------------------------------------------------------------

async def test_the_dashboard_in_swedish_with_weeks_categories_and_waits(admin_client):
    await as_admin(admin_client)
    last_week = MONDAY_10 - timedelta(days=7)
    # This week: four conversations, one handed over (closed with a category), one left a message.
    c1, _ = await resident_message(admin_client, "hej", "greet", 0.9)
    c2, _ = await resident_message(admin_client, "öppettider", "opening_hours", 0.9)
    c3, _ = await resident_message(admin_client, "jag vill prata med någon", "human_handoff", 0.9)
    c4, _ = await resident_message(admin_client, "lämna meddelande", "leave_message", 0.9)
    # Last week: one conversation, without a person.
    await resident_message(admin_client, "vad är lägesbilden", "lagesbild", 0.9, last_week)
    async with admin_client.app[DB_KEY]() as session:
        session.add(Case(kind=CHAT, status="closed", conversation_id=c3, created_at=MONDAY_10,
                         queued_at=MONDAY_10, wait_seconds=90, category="Hänvisad till polisen (114 14 eller polisen.se)"))
        session.add(Case(kind=LEFT_MESSAGE, status="queued", conversation_id=c4, created_at=MONDAY_10))
        session.add(Feedback(conversation_id=c1, helped=True, created_at=MONDAY_10))
        session.add(Feedback(conversation_id=c2, helped=True, created_at=MONDAY_10))
        session.add(Feedback(conversation_id=c3, helped=False, created_at=MONDAY_10))
        await session.commit()
    stats = await (await admin_client.get("/api/admin/dashboard?days=14")).json()
    assert stats["self_service"] == pytest.approx(3 / 5) and stats["self_service_target"] == 0.7
    weeks = [(w["week"], w["conversations"], w["without_person"], w["feedback_yes"], w["feedback_no"])
             for w in stats["weeks"]]
    assert weeks[-2:] == [("2026-11-23", 1, 1, 0, 0), ("2026-11-30", 4, 2, 2, 1)]
    assert stats["categories"] == [{"category": "Hänvisad till polisen (114 14 eller polisen.se)", "count": 1}]
    assert stats["wait_by_hour"] == [{"hour": 10, "count": 1, "median_seconds": 90, "p90_seconds": 90}]
    html = await (await admin_client.get("/admin/dashboard?days=14")).text()
    nbsp = "\u00a0"
    assert f"60,0{nbsp}%" in html  # three of five without a person
    assert f"Mål 70{nbsp}%" in html and f"50,0{nbsp}%" in html  # the week's share: 2 of 4
    assert f"1,5{nbsp}min" in html and "<th scope=\"row\">10–11</th>" in html
    assert f"v.{nbsp}48" in html and f"v.{nbsp}49" in html
    assert "Vill prata med en kommunvägledare" in html and "Hänvisad till polisen" in html
    assert f"66,7{nbsp}%" in html  # two of three answered yes
    assert not re.search(r"\d\.\d\s?%", html), "a decimal point in a percentage"


# --- models page ------------------------------------------------------------------------------------------

async def test_the_models_page_says_what_changed_since_the_model_in_service(admin_client, project, model_server):
    await as_admin(admin_client)
    serving = await evaluated_model(admin_client, project, "served", 0.9, 1.0)
    manifest = dict(inputs_manifest(project), started_at="2026-11-30T07:00:00+00:00", seconds=754.2)
    manifest_file(project / "models" / "served.tar.gz").write_text(json.dumps(manifest))
    model_server.serving = serving.path

    async def changes() -> dict:
        return (await (await admin_client.get("/api/admin/models")).json())["data_changes"]

    assert await changes() == {"changed": False, "serving": "served.tar.gz", "files": [], "intents": []}
    basics = project / "data/nlu/basics.yml"
    basics.write_text(basics.read_text().replace("  examples: |\n", "  examples: |\n    - god middag\n", 1))
    (project / "data/intent_descriptions.yml").write_text("intent_descriptions:\n  greet: Hälsning\n")
    assert await changes() == {"changed": True, "serving": "served.tar.gz", "files": ["data/nlu/basics.yml"],
                               "intents": ["greet"]}
    model = next(m for m in (await (await admin_client.get("/api/admin/models")).json())["models"])
    assert model["training_started_at"] == "2026-11-30T07:00:00+00:00" and model["training_seconds"] == 754.2


async def test_a_model_trained_elsewhere_gets_its_training_time_from_its_manifest(admin_client, project):
    await as_admin(admin_client)
    models = project / "models"
    models.mkdir(exist_ok=True)
    (models / "other.tar.gz").write_bytes(b"model")
    manifest_file(models / "other.tar.gz").write_text(json.dumps(
        {"files": {}, "intents": {}, "started_at": "2026-11-29T20:00:00+00:00", "seconds": 600}))
    listed = (await (await admin_client.get("/api/admin/models")).json())["models"]
    assert [(m["name"], m["created_at"]) for m in listed] == [("other.tar.gz", "2026-11-29T20:10:00+00:00")]


async def test_failed_jobs_are_told_in_words_and_training_is_validated_first(admin_client, project):
    csrf = await as_admin(admin_client)
    jobs = admin_client.app[ADMIN_KEY].jobs
    response = await admin_client.post("/api/admin/models/4242/evaluate", headers=csrf)
    assert response.status == 202
    await jobs.wait()
    job = (await (await admin_client.get("/api/admin/job")).json())["job"]
    assert job["status"] == "failed" and job["error"] == "Modellen finns inte."
    # The full `rasa data validate` runs before a training: a project it refuses is never trained.
    refusing = RefusingValidator()
    admin_client.app[ADMIN_KEY].lifecycle.validator = refusing
    response = await admin_client.post("/api/admin/train", headers=csrf)
    assert response.status == 202
    await jobs.wait()
    job = (await (await admin_client.get("/api/admin/job")).json())["job"]
    assert refusing.projects_checked == 1
    assert job["status"] == "failed" and job["error"].startswith("Rasa godkände inte träningsdata:")
    assert "Error(" not in job["error"] and not list((project / "models").glob("*.tar.gz"))
