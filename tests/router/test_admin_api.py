"""The /admin pages and /api/admin: roles, CSRF, the inbox, annotation, editing with every bad input,
the one-job-at-a-time rule, the deploy gate, hot swap, rollback, history, dashboard and audit log."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from datetime import timedelta

import pytest
import yaml
from sqlmodel import select

from router.admin.keys import ADMIN_KEY
from router.admin.models import AuditEntry, Review
from router.admin.training_data import Project, comparable, nlu_intents
from router.keys import DB_KEY
from router.models import CHAT, Case, Feedback
from tests.router.client_steps import add_agent, login, new_conversation
from tests.router.constants import MONDAY_10
from tests.router.admin_fixtures import as_admin, evaluated_model, resident_message, snapshot_files

pytestmark = pytest.mark.asyncio

GET_ENDPOINTS = [
    "/api/admin/inbox", "/api/admin/intents", "/api/admin/responses", "/api/admin/job", "/api/admin/models",
    "/api/admin/models/1/evaluation", "/api/admin/models/1/confusion.png", "/api/admin/history",
    "/api/admin/dashboard", "/api/admin/audit",
]
POST_ENDPOINTS = [
    "/api/admin/inbox/1/annotate", "/api/admin/intents/greet/examples", "/api/admin/intents/greet/examples/remove",
    "/api/admin/import", "/api/admin/responses/utter_greet/0", "/api/admin/train", "/api/admin/models/1/evaluate",
    "/api/admin/cross-validation", "/api/admin/models/1/deploy", "/api/admin/models/1/rollback",
]
PAGES = ["/admin", "/admin/data", "/admin/models", "/admin/dashboard", "/admin/audit"]


# --- roles and CSRF ---------------------------------------------------------------------------------

async def test_residents_get_403_and_anonymous_callers_401_and_pages_redirect_to_login(admin_client):
    _, resident_auth = await new_conversation(admin_client)
    for path in GET_ENDPOINTS:
        assert (await admin_client.get(path, headers=resident_auth)).status == 403, path
        assert (await admin_client.get(path)).status == 401, path
    for path in POST_ENDPOINTS:
        assert (await admin_client.post(path, json={}, headers=resident_auth)).status == 403, path
        assert (await admin_client.post(path, json={})).status == 401, path
    for path in PAGES:
        response = await admin_client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/agent/login?next=admin", path


async def test_agents_get_403_everywhere(admin_client, project):
    await add_agent(admin_client, "anna", "agent")
    csrf = {"X-CSRF-Token": await login(admin_client, "anna")}
    before = snapshot_files(project)
    for path in GET_ENDPOINTS:
        response = await admin_client.get(path)
        assert response.status == 403, path
        assert (await response.json())["error"] == "forbidden"
    for path in POST_ENDPOINTS:
        response = await admin_client.post(path, json={"examples": ["hej hej hallå"], "folds": 3}, headers=csrf)
        assert response.status == 403, path
    for path in PAGES:
        response = await admin_client.get(path)
        assert response.status == 403, path
        assert "bara för administratörer" in await response.text()
    assert snapshot_files(project) == before
    assert admin_client.app[ADMIN_KEY].jobs.current is None


async def test_every_post_needs_the_csrf_token(admin_client, project):
    await as_admin(admin_client)
    before = snapshot_files(project)
    for path in POST_ENDPOINTS:
        for headers in ({}, {"X-CSRF-Token": "wrong"}):
            response = await admin_client.post(path, json={"examples": ["en helt ny mening här"]}, headers=headers)
            assert response.status == 403, path
            assert (await response.json())["error"] == "csrf"
    assert snapshot_files(project) == before


async def test_pages_are_swedish_accessible_and_have_no_inline_script(admin_client):
    await as_admin(admin_client)
    for path in PAGES:
        response = await admin_client.get(path)
        assert response.status == 200, path
        html = await response.text()
        assert '<html lang="sv">' in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html and " on" + "click=" not in html
        # every form control has a label
        for control_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            if f'id="{control_id}"' in html and 'type="hidden"' not in html.split(f'id="{control_id}"')[0][-80:]:
                assert f'for="{control_id}"' in html or 'aria-label' in html.split(f'id="{control_id}"')[1][:200], (path, control_id)


# --- inbox --------------------------------------------------------------------------------------------

async def test_inbox_lists_uncertain_fallback_and_handoff_messages_newest_first_masked(admin_client):
    await as_admin(admin_client)
    await resident_message(admin_client, "hej", "greet", 0.98, MONDAY_10 - timedelta(minutes=50))
    _, low = await resident_message(
        admin_client, "kan ni ringa mig på 070-123 45 67", "contact_details", 0.41, MONDAY_10 - timedelta(minutes=40))
    _, fallback = await resident_message(
        admin_client, "mitt personnummer är 811218-9876, mejla anna@example.se", "nlu_fallback", 0.5,
        MONDAY_10 - timedelta(minutes=30))
    conversation, handed = await resident_message(
        admin_client, "det är krångel med grannen", "feeling_unsafe", 0.92, MONDAY_10 - timedelta(minutes=20))
    await resident_message(admin_client, "/human_handoff", "human_handoff", 1.0, MONDAY_10 - timedelta(minutes=19),
                           conversation_id=conversation)
    async with admin_client.app[DB_KEY]() as session:
        session.add(Case(kind=CHAT, status="queued", reason="requested", conversation_id=conversation,
                         created_at=MONDAY_10 - timedelta(minutes=18)))
        await session.commit()

    body = await (await admin_client.get("/api/admin/inbox")).json()
    items = body["items"]
    assert [item["id"] for item in items] == [handed, fallback, low]
    assert items[0]["reasons"] == ["handoff"] and items[0]["intent"] == "feeling_unsafe"
    assert items[1]["reasons"] == ["fallback", "low_confidence"]
    assert items[1]["text"] == "mitt personnummer är [personnummer], mejla [e-post]"
    assert items[2]["text"] == "kan ni ringa mig på [telefonnummer]" and items[2]["confidence"] == 0.41
    assert body["threshold"] == 0.6

    assert [i["id"] for i in (await (await admin_client.get("/api/admin/inbox?reason=fallback")).json())["items"]] == [fallback]
    assert [i["id"] for i in (await (await admin_client.get("/api/admin/inbox?intent=contact_details")).json())["items"]] == [low]
    bad = await admin_client.get("/api/admin/inbox?reason=whatever")
    assert bad.status == 400
    bad = await admin_client.get("/api/admin/inbox?intent=../../etc")
    assert bad.status == 400


async def test_annotating_appends_a_masked_example_to_the_file_that_holds_the_intent(admin_client, project):
    csrf = await as_admin(admin_client)
    _, message = await resident_message(admin_client, "Ring  mig på 0701234567 om  öppettiderna tack", "greet", 0.3)
    before = (project / "data/nlu/contact_center.yml").read_text()
    response = await admin_client.post(
        f"/api/admin/inbox/{message}/annotate", json={"action": "intent", "intent": "opening_hours"}, headers=csrf)
    assert response.status == 200, await response.text()
    assert (await response.json())["example"] == "Ring mig på [telefonnummer] om öppettiderna tack"
    after = (project / "data/nlu/contact_center.yml").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["    - Ring mig på [telefonnummer] om öppettiderna tack"]
    block = next(b for b in yaml.safe_load(after)["nlu"] if b["intent"] == "opening_hours")
    assert block["examples"].splitlines()[-1] == "- Ring mig på [telefonnummer] om öppettiderna tack"
    assert (await (await admin_client.get("/api/admin/inbox")).json())["items"] == []
    again = await admin_client.post(
        f"/api/admin/inbox/{message}/annotate", json={"action": "dismiss"}, headers=csrf)
    assert again.status == 409


async def test_out_of_scope_and_dismiss(admin_client, project):
    csrf = await as_admin(admin_client)
    _, first = await resident_message(admin_client, "var kan jag hyra en kanot i sommar", "nlu_fallback", 0.5)
    _, second = await resident_message(admin_client, "asdf qwerty", "nlu_fallback", 0.5,
                                       MONDAY_10 + timedelta(minutes=1))
    before = snapshot_files(project)
    response = await admin_client.post(f"/api/admin/inbox/{second}/annotate", json={"action": "dismiss"}, headers=csrf)
    assert response.status == 200 and (await response.json())["outcome"] == "dismissed"
    assert snapshot_files(project) == before
    response = await admin_client.post(f"/api/admin/inbox/{first}/annotate", json={"action": "out_of_scope"}, headers=csrf)
    assert response.status == 200
    other = yaml.safe_load((project / "data/nlu/other.yml").read_text())
    block = next(b for b in other["nlu"] if b["intent"] == "out_of_scope")
    assert block["examples"].splitlines()[-1] == "- var kan jag hyra en kanot i sommar"
    async with admin_client.app[DB_KEY]() as session:
        outcomes = {r.message_id: r.outcome for r in (await session.exec(select(Review))).all()}
    assert outcomes == {first: "out_of_scope", second: "dismissed"}


@pytest.mark.parametrize("body, status, code", [
    ({"action": "intent", "intent": "no_such_intent"}, 404, "unknown_intent"),
    ({"action": "intent", "intent": "Greet!"}, 400, "bad_intent_name"),
    ({"action": "intent", "intent": None}, 400, "no_intent"),
    ({"action": "intent", "intent": ""}, 400, "no_intent"),
    ({"action": "intent"}, 400, "no_intent"),
    ({"action": "delete"}, 400, "bad_action"),
    ({}, 400, "bad_action"),
])
async def test_bad_annotations_change_nothing(admin_client, project, body, status, code):
    csrf = await as_admin(admin_client)
    _, message = await resident_message(admin_client, "en mening som ingen förstod", "nlu_fallback", 0.5)
    before = snapshot_files(project)
    response = await admin_client.post(f"/api/admin/inbox/{message}/annotate", json=body, headers=csrf)
    assert response.status == status
    assert (await response.json())["error"] == code
    assert snapshot_files(project) == before
    assert len((await (await admin_client.get("/api/admin/inbox")).json())["items"]) == 1


async def test_annotating_a_duplicate_or_unknown_message_is_refused(admin_client, project):
    csrf = await as_admin(admin_client)
    _, message = await resident_message(admin_client, "  HEJSAN ", "greet", 0.2)
    response = await admin_client.post(
        f"/api/admin/inbox/{message}/annotate", json={"action": "intent", "intent": "greet"}, headers=csrf)
    assert response.status == 400 and (await response.json())["error"] == "duplicate_example"
    assert (await admin_client.post("/api/admin/inbox/999999/annotate", json={"action": "dismiss"}, headers=csrf)).status == 404
    assert (await admin_client.post("/api/admin/inbox/abc/annotate", json={"action": "dismiss"}, headers=csrf)).status == 404
    assert (await admin_client.post(f"/api/admin/inbox/{message}/annotate", data="not json", headers=csrf)).status == 400


# --- editing examples and responses -------------------------------------------------------------------

@pytest.mark.parametrize("intent, examples, status, code", [
    ("greet", [""], 400, "empty_example"),
    ("greet", ["   "], 400, "empty_example"),
    ("greet", ["x" * 501], 400, "example_too_long"),
    ("greet", ["hej"], 400, "duplicate_example"),
    ("greet", ["HEJ   Där"], 400, "duplicate_example"),
    ("greet", ["en ny hälsning", "En  ny hälsning"], 400, "duplicate_example"),
    ("greet", ["bell\x07"], 400, "bad_example"),
    ("greet", ["/greet"], 400, "bad_example"),
    ("greet", [42], 400, "bad_example"),
    ("greet", [], 400, "no_examples"),
    ("greet", "hej", 400, "no_examples"),
    ("no_such_intent", ["god morgon på er"], 404, "unknown_intent"),
    ("Greet", ["god morgon på er"], 400, "bad_intent_name"),
    ("greet;rm", ["god morgon på er"], 400, "bad_intent_name"),
    ("nlu_fallback", ["god morgon på er"], 404, "unknown_intent"),
])
async def test_bad_examples_are_refused_and_nothing_changes(admin_client, project, intent, examples, status, code):
    csrf = await as_admin(admin_client)
    before = snapshot_files(project)
    response = await admin_client.post(f"/api/admin/intents/{intent}/examples", json={"examples": examples}, headers=csrf)
    assert response.status == status, await response.text()
    assert (await response.json())["error"] == code
    assert snapshot_files(project) == before
    assert admin_client.app[ADMIN_KEY].editor.validator.checked == []


async def test_an_example_from_the_held_out_set_is_refused(admin_client, project):
    csrf = await as_admin(admin_client)
    held_out = yaml.safe_load((project / "tests/nlu/test_nlu.yml").read_text())["nlu"]
    block = next(b for b in held_out if b["intent"] == "opening_hours")
    examples = [re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line[2:]) for line in block["examples"].splitlines()]
    trained = {comparable(e) for _, listed in nlu_intents(Project(project)).values() for e in listed}
    example = next(e for e in examples if comparable(e) not in trained)
    response = await admin_client.post("/api/admin/intents/contact_details/examples",
                                       json={"examples": [example.upper()]}, headers=csrf)
    assert response.status == 400 and (await response.json())["error"] == "held_out_example"


async def test_add_and_remove_examples_and_list_intents(admin_client, project):
    csrf = await as_admin(admin_client)
    original = (project / "data/nlu/basics.yml").read_text()
    response = await admin_client.post("/api/admin/intents/thank/examples",
                                       json={"examples": ["tack så jättemycket för hjälpen idag"]}, headers=csrf)
    assert response.status == 200, await response.text()
    intents = {i["name"]: i for i in (await (await admin_client.get("/api/admin/intents")).json())["intents"]}
    assert intents["thank"]["file"] == "data/nlu/basics.yml"
    assert intents["thank"]["examples"][-1] == "tack så jättemycket för hjälpen idag"
    assert set(intents) >= {"greet", "emergency", "out_of_scope"}
    response = await admin_client.post("/api/admin/intents/thank/examples/remove",
                                       json={"example": "TACK så jättemycket för hjälpen  idag"}, headers=csrf)
    assert response.status == 200
    assert (project / "data/nlu/basics.yml").read_text() == original
    missing = await admin_client.post("/api/admin/intents/thank/examples/remove", json={"example": "finns inte alls"},
                                      headers=csrf)
    assert missing.status == 404
    empty = await admin_client.post("/api/admin/intents/thank/examples/remove", json={"example": ""}, headers=csrf)
    assert empty.status == 400
    audit = (await (await admin_client.get("/api/admin/audit")).json())["entries"]
    assert [e["action"] for e in audit] == ["remove_example", "add_examples"]
    assert audit[0]["actor"] == "ada" and audit[0]["target"] == "thank"


async def test_editing_a_response_text_rewrites_one_line(admin_client, project):
    csrf = await as_admin(admin_client)
    before = (project / "domain.yml").read_text()
    responses = {r["name"]: r for r in (await (await admin_client.get("/api/admin/responses")).json())["responses"]}
    old = responses["utter_bot_challenge"]["variants"][0]["text"]
    new = old.replace("042-10 50 00", "042-10 50 99") + ' Svara "ja" eller nej.'
    response = await admin_client.post("/api/admin/responses/utter_bot_challenge/0", json={"text": new}, headers=csrf)
    assert response.status == 200, await response.text()
    after = (project / "domain.yml").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and len(before.splitlines()) == len(after.splitlines())
    assert yaml.safe_load(after)["responses"]["utter_bot_challenge"][0]["text"] == new
    entry = (await (await admin_client.get("/api/admin/audit")).json())["entries"][0]
    assert entry["action"] == "edit_response" and entry["details"]["before"] == old


@pytest.mark.parametrize("path, body, status", [
    ("/api/admin/responses/utter_nothing/0", {"text": "Hej"}, 404),
    ("/api/admin/responses/utter_greet/9", {"text": "Hej"}, 404),
    ("/api/admin/responses/utter_greet/0", {"text": ""}, 400),
    ("/api/admin/responses/utter_greet/0", {"text": "   "}, 400),
    ("/api/admin/responses/utter_greet/0", {"text": 5}, 400),
    ("/api/admin/responses/utter_greet/0", {"text": "x" * 2001}, 400),
    ("/api/admin/responses/utter_greet/0", {"text": "nul\x00"}, 400),
    ("/api/admin/responses/greet/0", {"text": "Hej"}, 400),
    ("/api/admin/responses/utter_greet/-1", {"text": "Hej"}, 404),
])
async def test_bad_response_edits_change_nothing(admin_client, project, path, body, status):
    csrf = await as_admin(admin_client)
    before = snapshot_files(project)
    response = await admin_client.post(path, json=body, headers=csrf)
    assert response.status == status, await response.text()
    assert snapshot_files(project) == before


HOSTILE = [
    "nlu:\n- intent: greet\n  examples: &a |\n    - tjenare mannen\nx: *a\n",
    "nlu: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "nlu:\n- intent: greet\n  examples: !custom |\n    - hejsan kompis\n",
    "nlu: [\n",
    "- just a list\n",
    "nlu:\n- intent: greet\n  examples: |\n    hej utan streck\n",
    "nlu:\n- intent: greet\n  examples: |\n    - hallå alla\n  extra: 1\n",
    "nlu:\n- intent: ../../etc/passwd\n  examples: |\n    - hallå alla\n",
    "nlu:\n- intent: unknown_thing\n  examples: |\n    - hallå alla\n",
    "a" * 60_001,
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_invalid_or_hostile_yaml_is_refused(admin_client, project, text):
    csrf = await as_admin(admin_client)
    before = snapshot_files(project)
    response = await admin_client.post("/api/admin/import", json={"yaml": text}, headers=csrf)
    assert response.status in (400, 404), await response.text()
    assert (await response.json())["message"]
    assert snapshot_files(project) == before


async def test_importing_examples_for_two_intents(admin_client, project):
    csrf = await as_admin(admin_client)
    text = ("nlu:\n- intent: thank\n  examples: |\n    - stort tack för svaret du gav\n"
            "- intent: report_fault\n  examples: |\n    - gatlampan utanför porten är trasig sedan i fredags\n")
    response = await admin_client.post("/api/admin/import", json={"yaml": text}, headers=csrf)
    assert response.status == 200, await response.text()
    assert "stort tack för svaret du gav" in (project / "data/nlu/basics.yml").read_text()
    assert "gatlampan utanför porten är trasig sedan i fredags" in (project / "data/nlu/unsafe_places.yml").read_text()
    validator = admin_client.app[ADMIN_KEY].editor.validator
    assert set(validator.checked[0]) == {"data/nlu/basics.yml", "data/nlu/unsafe_places.yml"}


# --- one job at a time -------------------------------------------------------------------------------

async def test_a_second_training_or_evaluation_while_one_runs_gets_409(admin_client):
    csrf = await as_admin(admin_client)
    jobs = admin_client.app[ADMIN_KEY].jobs
    release = asyncio.Event()

    async def busy(job):
        job.stage = "training"
        await release.wait()

    started = jobs.start("train", "someone", busy)
    while started.stage != "training":
        await asyncio.sleep(0.01)
    for path, body in (("/api/admin/train", {}), ("/api/admin/models/1/evaluate", {}),
                       ("/api/admin/cross-validation", {"folds": 3})):
        response = await admin_client.post(path, json=body, headers=csrf)
        assert response.status == 409, path
        assert (await response.json())["error"] == "job_running"
    job = (await (await admin_client.get("/api/admin/job")).json())["job"]
    assert job["status"] == "running" and job["stage_text"] == "Tränar"
    release.set()
    await jobs.wait()
    assert (await (await admin_client.get("/api/admin/job")).json())["job"]["status"] == "succeeded"


@pytest.mark.parametrize("folds", [1, 11, "5", True, None])
async def test_cross_validation_needs_a_sensible_fold_count(admin_client, folds):
    csrf = await as_admin(admin_client)
    response = await admin_client.post("/api/admin/cross-validation", json={"folds": folds}, headers=csrf)
    assert response.status == 400
    assert admin_client.app[ADMIN_KEY].jobs.current is None


# --- deploy gate, swap, rollback, history -----------------------------------------------------------------

async def test_the_gate_refuses_a_worse_model_unless_overridden_with_a_reason(admin_client, project, model_server):
    csrf = await as_admin(admin_client)
    serving = await evaluated_model(admin_client, project, "old", 0.90, 1.0, age_minutes=60)
    worse = await evaluated_model(admin_client, project, "worse", 0.88, 1.0)
    model_server.serving = serving.path

    response = await admin_client.post(f"/api/admin/models/{worse.id}/deploy", json={}, headers=csrf)
    assert response.status == 409
    body = await response.json()
    assert body["error"] == "gate" and "0.900" in body["message"] and "0.880" in body["message"]
    short = await admin_client.post(f"/api/admin/models/{worse.id}/deploy", json={"override_reason": "ok"}, headers=csrf)
    assert short.status == 400
    assert model_server.loads == []

    evaluation = await (await admin_client.get(f"/api/admin/models/{worse.id}/evaluation")).json()
    assert evaluation["serving"]["id"] == serving.id and len(evaluation["gate_problems"]) == 1

    reason = "Nytt telefonnummer måste ut i dag, F1 följs upp"
    response = await admin_client.post(f"/api/admin/models/{worse.id}/deploy", json={"override_reason": reason}, headers=csrf)
    assert response.status == 200, await response.text()
    assert model_server.loads == [worse.path]
    assert model_server.stand_ins.started == ["worse.tar.gz"]  # residents were served by a stand-in meanwhile
    assert (project / "models" / "in-service").resolve() == Path(worse.path)  # what a restarted Rasa serves
    deployed = await response.json()
    assert deployed["total_seconds"] >= deployed["stand_in_seconds"] >= 0 and deployed["swap_seconds"] >= 0
    history = (await (await admin_client.get("/api/admin/history")).json())["history"]
    assert [(h["model"]["name"], h["kind"], h["serving"]) for h in history] == [
        ("worse.tar.gz", "deploy", True), ("old.tar.gz", "startup", False)]
    assert history[0]["override_reason"] == reason and history[1]["until"] == history[0]["from"]
    async with admin_client.app[DB_KEY]() as session:
        entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "deploy"))).one()
    assert entry.actor == "ada" and entry.details["override_reason"] == reason

    again = await admin_client.post(f"/api/admin/models/{worse.id}/deploy", json={}, headers=csrf)
    assert again.status == 409 and (await again.json())["error"] == "already_serving"

    back = await admin_client.post(f"/api/admin/models/{serving.id}/rollback", headers=csrf)
    assert back.status == 200, await back.text()
    assert model_server.serving == serving.path
    assert (project / "models" / "in-service").resolve() == Path(serving.path)
    history = (await (await admin_client.get("/api/admin/history")).json())["history"]
    assert [(h["model"]["name"], h["kind"]) for h in history][0] == ("old.tar.gz", "rollback")


@pytest.mark.parametrize("f1, recall, passes", [
    (0.895, 1.0, True),      # a drop of 0.005 is within 0.01
    (0.93, 1.0, True),
    (0.889, 1.0, False),     # a drop of 0.011
    (0.95, 0.98, False),     # an emergency missed
    (None, None, False),     # not evaluated
])
async def test_gate_thresholds(admin_client, project, model_server, f1, recall, passes):
    csrf = await as_admin(admin_client)
    serving = await evaluated_model(admin_client, project, "old", 0.90, 1.0, age_minutes=60)
    candidate = await evaluated_model(admin_client, project, "new", f1, recall)
    model_server.serving = serving.path
    response = await admin_client.post(f"/api/admin/models/{candidate.id}/deploy", json={}, headers=csrf)
    assert response.status == (200 if passes else 409), await response.text()
    assert model_server.loads == ([candidate.path] if passes else [])


async def test_rollback_only_to_a_model_that_served_and_failed_swaps_change_nothing(admin_client, project, model_server):
    csrf = await as_admin(admin_client)
    serving = await evaluated_model(admin_client, project, "old", 0.90, 1.0, age_minutes=60)
    never = await evaluated_model(admin_client, project, "never", 0.95, 1.0)
    model_server.serving = serving.path
    response = await admin_client.post(f"/api/admin/models/{never.id}/rollback", headers=csrf)
    assert response.status == 409 and (await response.json())["error"] == "never_served"
    model_server.stand_ins.fail = True
    response = await admin_client.post(f"/api/admin/models/{never.id}/deploy", json={}, headers=csrf)
    assert response.status == 502
    body = await response.json()
    assert body["error"] == "model_does_not_load" and "trasig modell" in body["message"]
    assert model_server.loads == [] and model_server.serving == serving.path
    model_server.stand_ins.fail, model_server.fail = False, True
    response = await admin_client.post(f"/api/admin/models/{never.id}/deploy", json={}, headers=csrf)
    assert response.status == 502 and (await response.json())["error"] == "swap_failed"
    assert model_server.serving == serving.path and not (project / "models" / "in-service").exists()
    history = (await (await admin_client.get("/api/admin/history")).json())["history"]
    assert [h["kind"] for h in history] == ["startup"]
    for path in ("/api/admin/models/999/deploy", "/api/admin/models/x/deploy"):
        assert (await admin_client.post(path, json={}, headers=csrf)).status == 404
    bad = await admin_client.post(f"/api/admin/models/{never.id}/deploy", json={"override_reason": 5}, headers=csrf)
    assert bad.status == 400


async def test_the_command_line_deploys_through_the_router_with_the_internal_secret(
    admin_client, project, model_server, settings
):
    serving = await evaluated_model(admin_client, project, "old", 0.90, 1.0, age_minutes=60)
    better = await evaluated_model(admin_client, project, "better", 0.92, 1.0)
    model_server.serving = serving.path
    secret = {"X-Internal-Secret": settings.internal_secret}
    url = f"/internal/admin/models/{better.id}/deploy"
    assert (await admin_client.post(url, json={"actor": "cli:ops"})).status == 401
    for actor in (None, "ops", "cli:", "cli:" + "x" * 100, 5):
        response = await admin_client.post(url, json={"actor": actor}, headers=secret)
        assert response.status == 400, actor
    assert model_server.loads == []
    response = await admin_client.post(url, json={"actor": "cli:ops"}, headers=secret)
    assert response.status == 200, await response.text()
    assert model_server.loads == [better.path]
    back = await admin_client.post(f"/internal/admin/models/{serving.id}/rollback", json={"actor": "cli:ops"}, headers=secret)
    assert back.status == 200 and model_server.serving == serving.path
    history = (await (await admin_client.get("/api/admin/history", headers=await as_admin(admin_client))).json())["history"]
    assert [(h["kind"], h["actor"]) for h in history] == [("rollback", "cli:ops"), ("deploy", "cli:ops"), ("startup", "system")]


async def test_models_are_listed_with_the_one_in_service(admin_client, project, model_server):
    await as_admin(admin_client)
    serving = await evaluated_model(admin_client, project, "old", 0.90, 1.0, age_minutes=60)
    (project / "models" / "found-on-disk.tar.gz").write_bytes(b"x")
    model_server.serving = serving.path
    models = (await (await admin_client.get("/api/admin/models")).json())["models"]
    assert {m["name"]: m["serving"] for m in models} == {"old.tar.gz": True, "found-on-disk.tar.gz": False}
    missing = await admin_client.get(f"/api/admin/models/{serving.id}/confusion.png")
    assert missing.status == 404


# --- dashboard and audit ------------------------------------------------------------------------------------

async def test_dashboard_numbers_and_charts(admin_client):
    await as_admin(admin_client)
    c1, _ = await resident_message(admin_client, "hej", "greet", 0.9, MONDAY_10 - timedelta(days=1))
    c2, _ = await resident_message(admin_client, "öppettider?", "opening_hours", 0.9)
    await resident_message(admin_client, "blä", "nlu_fallback", 0.5, conversation_id=c2)
    await resident_message(admin_client, "hallå", "greet", 0.9, conversation_id=c2)
    async with admin_client.app[DB_KEY]() as session:
        for wait in (60, 120, 600):
            session.add(Case(kind=CHAT, status="closed", conversation_id=c2, created_at=MONDAY_10, wait_seconds=wait))
        session.add(Feedback(conversation_id=c1, helped=True, created_at=MONDAY_10))
        session.add(Feedback(conversation_id=c2, helped=False, created_at=MONDAY_10))
        await session.commit()
    stats = await (await admin_client.get("/api/admin/dashboard?days=7")).json()
    assert stats["conversations"] == 2
    assert [d["count"] for d in stats["per_day"]][-2:] == [1, 1] and len(stats["per_day"]) == 7
    assert stats["top_intents"][0] == {"intent": "greet", "count": 2}
    assert stats["fallback_rate"] == 0.25 and stats["handoff_rate"] == 0.5
    assert stats["wait_median_seconds"] == 120 and stats["wait_p90_seconds"] == 600
    assert (stats["feedback_yes"], stats["feedback_no"]) == (1, 1)
    html = await (await admin_client.get("/admin/dashboard?days=7")).text()
    assert html.count('<svg class="chart"') == 7 and 'role="img"' in html
    assert "<title" in html and "Hälsning: 2" in html and "Fick du hjälp?" in html
    for bad in ("0", "91", "x", "-1"):
        assert (await admin_client.get(f"/api/admin/dashboard?days={bad}")).status == 400


async def test_audit_page_shows_who_did_what(admin_client, project):
    csrf = await as_admin(admin_client)
    await admin_client.post("/api/admin/intents/thank/examples", json={"examples": ["tusen tack för allt"]}, headers=csrf)
    html = await (await admin_client.get("/admin/audit")).text()
    assert "Lade till träningsexempel" in html and "ada" in html and "tusen tack för allt" in html


async def test_models_and_history_still_list_when_rasa_cannot_be_asked(admin_client, project):
    csrf = await as_admin(admin_client)
    model = await evaluated_model(admin_client, project, "old", 0.90, 1.0)
    models = (await (await admin_client.get("/api/admin/models")).json())["models"]
    assert [(m["name"], m["serving"]) for m in models] == [("old.tar.gz", False)]
    assert (await (await admin_client.get("/api/admin/history")).json())["history"] == []
    response = await admin_client.post(f"/api/admin/models/{model.id}/deploy", json={}, headers=csrf)
    assert response.status == 502 and (await response.json())["error"] == "rasa_unavailable"
