"""Trygghetssignaler without a server: the district list, what a message gives, small-number suppression and
the settings file."""
from __future__ import annotations

from pathlib import Path

import pytest

from router.signals.capture import capture, category_of, place_of, time_of_day_of, weekday_of
from router.signals.config import PROJECT_ROOT, SignalsConfigError, load_signals_config
from router.signals.districts import UNKNOWN, load_districts
from router.signals.suppression import cell, change_text

DISTRICTS = load_districts(PROJECT_ROOT / "data" / "lookups" / "stadsdel.yml")


@pytest.mark.parametrize(("given", "expected"), [
    ("Fredriksdal", "Fredriksdal"),
    ("fredriksdal", "Fredriksdal"),
    ("Fredriksdahl", "Fredriksdal"),  # misspelled: the nearest known
    ("drottninghog", "Drottninghög"),  # a synonym without å/ä/ö
    ("stan", "Centrum"),
    ("Gotham", UNKNOWN),
    ("", UNKNOWN),
    (None, UNKNOWN),
])
def test_districts_are_normalised_to_the_citys_list(given, expected):
    assert DISTRICTS.normalise(given) == expected


def test_the_district_list_is_the_assistants_lookup_table():
    assert "Fredriksdal" in DISTRICTS.names and "Ödåkra" in DISTRICTS.names
    assert UNKNOWN not in DISTRICTS.names


def test_a_district_named_in_the_text_is_found():
    assert DISTRICTS.find_in("jag känner mig otrygg i parken vid Fredriksdal på kvällarna") == "Fredriksdal"
    assert DISTRICTS.find_in("otryggt vid Västra Ramlösa skola") == "Västra Ramlösa"
    assert DISTRICTS.find_in("otryggt överallt") is None


def test_an_entity_wider_than_the_district_still_finds_it():
    text = "jag känner mig otrygg i parken vid Fredriksdal på kvällarna"
    assert DISTRICTS.resolve("parken vid Fredriksdal", text) == "Fredriksdal"
    assert DISTRICTS.resolve("parken", text) == "Fredriksdal"
    assert DISTRICTS.resolve(None, text) == "Fredriksdal"
    assert DISTRICTS.resolve("Fredriksdahl", "otryggt") == "Fredriksdal"
    assert DISTRICTS.resolve("Gotham", "otryggt i Gotham") == UNKNOWN


def test_the_done_when_message_gives_fredriksdal_otrygghet_kvall():
    signal = capture("feeling_unsafe", "jag känner mig otrygg i parken vid Fredriksdal på kvällarna", "Fredriksdal")
    assert signal is not None
    assert (signal.district, signal.category, signal.time_of_day, signal.weekday, signal.place) == (
        "Fredriksdal", "otrygghet", "kväll", None, "parken"
    )


@pytest.mark.parametrize(("intent", "text", "category"), [
    ("feeling_unsafe", "det är mörkt i tunneln vid Söder", "belysning"),
    ("feeling_unsafe", "ungdomar hänger i trappuppgången på Drottninghög varje kväll", "grupper"),
    ("report_fault", "det är klotter på skolan", "klotter"),
    ("report_fault", "någon har krossat rutorna i busskuren", "skadegörelse"),
    ("report_fault", "trasig lampa på min gata", "belysning"),
    ("feeling_unsafe", "folk langar knark vid stationen", "narkotika"),
    ("feeling_unsafe", "bilarna kör fort förbi skolan", "trafik"),
    ("report_fault", "något är fel i parken", "annat"),
])
def test_categories(intent, text, category):
    assert category_of(intent, text) == category


def test_time_of_day_and_weekday_only_when_said():
    assert time_of_day_of("otryggt på nätterna") == "natt"
    assert time_of_day_of("otryggt på Söder") is None
    assert weekday_of("på helgerna är det stökigt") == "helg"
    assert weekday_of("fredagskvällar vid torget") == "fredag"
    assert weekday_of("otryggt") is None


def test_the_place_holds_no_name_number_or_email():
    assert place_of("Kalle Svensson 070-123 45 67 hänger i parken") == "parken"
    assert place_of("mejla mig på anna@example.com om gatan") is None
    assert place_of("jag heter Anna och är rädd") is None


def test_other_intents_give_no_signal():
    assert capture("opening_hours", "när öppnar ni på kvällen", "okänd") is None


def test_counts_below_the_threshold_carry_no_number():
    assert cell(4, 5).count is None and cell(4, 5).text == "<\u00a05"
    assert cell(0, 5).count is None
    assert cell(5, 5).count == 5
    assert cell(12345, 5).text == "12\u00a0345"
    assert change_text(cell(5, 5), cell(6, 5)) == "−16,7\u00a0%"
    assert change_text(cell(7, 5), cell(4, 5)) == "–"


def test_settings_defaults_and_mistakes(tmp_path: Path):
    assert load_signals_config(tmp_path).threshold == 5
    assert load_signals_config(tmp_path).retention_days == 1095
    shipped = load_signals_config(PROJECT_ROOT / "settings")
    assert (shipped.threshold, shipped.retention_days) == (5, 1095)
    (tmp_path / "signals.yml").write_text("threshold: 0\n", encoding="utf-8")
    with pytest.raises(SignalsConfigError, match="threshold"):
        load_signals_config(tmp_path)
    (tmp_path / "signals.yml").write_text("retention_days: tre år\n", encoding="utf-8")
    with pytest.raises(SignalsConfigError, match="retention_days"):
        load_signals_config(tmp_path)


def test_the_citys_account_can_give_the_analyst_role():
    from router.core.config import OidcConfig
    from router.handoff.sso.staff import role_from

    config = OidcConfig("https://id.example", "chat", "secret", "roles", frozenset({"kvl"}), frozenset({"adm"}),
                        frozenset({"brottsforebyggare"}))
    assert role_from({"roles": ["brottsforebyggare"]}, config) == "analyst"
    assert role_from({"roles": ["brottsforebyggare", "kvl"]}, config) == "agent"
    assert role_from({"roles": ["annat"]}, config) is None
