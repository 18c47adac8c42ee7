"""The emergency safety net: table tests, and the held-out evaluation set in tests/nlu/emergency_cases.yml."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from router.chat.alarm import tel_url
from router.rasa.client import replies_of
from assistant.safety import (
    EMERGENCY_REPLY,
    ENGLISH_EMERGENCY_REPLY,
    emergency_reply,
    is_emergency,
    is_english,
    normalise,
)

EMERGENCIES = [
    # Fire and smoke.
    "Det brinner i trapphuset!",
    "det brinner hos grannen, vad gör jag",
    "DET BRINNNER I KÄLLAREN",
    "brinner i soprummet på Fredriksdalsgatan",
    "Huset bredvid står i lågor",
    "det kommer svart rök ut från lägenheten under oss",
    "Det luktar bränt och trapphuset är fullt av rök",
    "Brand i en bil på parkeringen vid Väla",
    "eld i papperskorgen utanför skolan, den sprider sig",
    # Breathing, consciousness, bleeding, medical.
    "Min pappa andas inte",
    "han andas int och är blå i ansiktet",
    "Kompisen har slutat andas!!",
    "jag kan inte andas",
    "en man ligger medvetslös vid busshållplatsen",
    "Hon vaknar inte, vad ska jag göra",
    "Det sitter en kille på bänken och blöder mycket från huvudet",
    "min mamma har fått en stroke tror jag",
    # Overdose.
    "Min kompis har tagit en överdos",
    "min bror har överdoserat",
    "hon har tagit en massa tabletter och är jättekonstig",
    "han har svalt en hel burk sömntabletter",
    "tror min vän har od:at",
    "overdos pa toaletten pa centralen",
    # Weapons, shooting, threats to kill.
    "En man hotar folk med kniv på Drottninggatan",
    "Han har en kniv och säger att han ska hugga mig",
    "någon viftar med en pistol utanför Hemköp",
    "Det skjuts på Planteringen!",
    "Skottlossning på Söder nu",
    "Jag hörde skott precis nu utanför mitt fönster",
    "Min ex säger att han ska döda mig",
    "grannen hotar att slå ihjäl sin fru",
    "Det står en kille med ett vapen vid skolan",
    "han är beväpnad och står i porten",
    # Violence now.
    "Några killar slår en kille på Stortorget",
    "Min pappa slår min mamma just nu",
    "Min man slår mig, jag har låst in mig i badrummet",
    "det pågår ett slagsmål utanför krogen",
    "Slagsmål vid Knutpunkten nu, flera inblandade",
    "jag blir misshandlad",
    "hjälp han sparkar på henne",
    "någon misshandlar en person i parken",
    "jag har blivit knivhuggen",
    "min son är knivhuggen och blöder",
    "jag blev precis rånad av tre killar",
    "Jag blev rånad för fem minuter sedan, de sprang mot Olympia",
    "Någon har överfallit en tjej vid stationen, hon ligger kvar",
    # Break-in in progress, intruder.
    "Någon försöker bryta sig in hos mig just nu",
    "det är någon i huset, jag hör steg i köket",
    "Någon bryter sig in i bilen utanför",
    "inbrott pågår i lägenheten bredvid",
    "Det är inbrott i grannens villa, lamporna är tända och glaset är krossat",
    # Chased, kidnapped.
    "Det är en man som förföljer mig hem från bussen",
    "Några killar jagar mig, jag gömmer mig i en port",
    "någon följer efter mig och jag är rädd",
    "min dotter har blivit kidnappad",
    # Suicide.
    "Jag vill ta livet av mig",
    "jag orkar inte leva längre, har tabletterna framför mig",
    "Min kompis skriver att hon ska ta livet av sig ikväll",
    "han står på bron och säger att han ska hoppa",
    "jag vill dö",
    "tänker på självmord hela tiden",
    # Gas and water.
    "Det luktar gas i trapphuset",
    "gasläcka i källaren",
    "Ett barn håller på att drunkna vid Tropical Beach",
    "en hund och en man har gått genom isen på dammen",
    # Cries for help, written in a hurry or without å/ä/ö.
    "Hjälp!",
    "hjalp",
    "HJÄÄÄLP",
    "snälla hjälp mig han är här",
    "hjälp någon, kom fort",
    "det är akut!",
    "jag ar i fara",
    "det brinner hos oss hjalp",
    "nagon forsoker ta sig in genom fonstret",
    "Jag är rädd för mitt liv",
    "Help! Someone is breaking in",
    "my friend is not breathing",
    "He says he will kill me",
    # Written later in batches, each run once unseen to measure how the lexicon generalises.
    "grannen har en kniv och skriker att han ska göra illa mig",
    "en kvinna blöder från armen vid Knutpunkten",
    "det luktar väldigt mycket gas i köket",
    "ser flammor från skogen vid Pålsjö",
    "någon har precis slagit ner en äldre man",
    "en kille har blivit skjuten utanför pizzerian",
    "min sambo har slagit mig och låst dörren, jag kommer inte ut",
    "det small jättehögt och nu brinner en bil",
    "barnet har fått i sig tabletter",
    "min pappa har ramlat och blöder från huvudet",
    "ett gäng står och slår på en kille vid stationen",
    "Jag har fått ett sms där han skriver att han ska döda mig",
    "det är någon som knackar på och försöker öppna dörren",
    "han är på väg hit och säger att han ska skada mig",
    "hon har skurit sig i armarna och det slutar inte blöda",
    "någon har knivhuggit min bror",
    "personen ligger i ett dike och rör sig inte",
    "vår granne hotar med en yxa",
    "han drog en pistol mot mig",
    "rån pågår i Ica-butiken",
    "min lillebror svarar inte och ligger på golvet",
    "Killar kastar sten på bussen och krossar rutorna",
    "en bil har kört på ett barn på Malmövägen",
    "kom fort, pappa har ramlat i trappan och rör sig inte",
    "en man slår sin hund och sen sin fru på gården",
    "Det kommer rök från elcentralen i källaren",
    "några ungdomar har tänt eld på en soptunna vid skolan",
    "min mormor har svårt att prata och ena sidan av ansiktet hänger",
    "jag har tagit 30 alvedon",
    "han ringer och säger att han står utanför och ska skjuta mig",
    "dom håller på att misshandla en kille i tunneln vid centralen",
    "det ligger en man på marken vid Möllevången och blöder",
    "snälla skynda, mitt barn har satt något i halsen",
    "någon har krossat rutan och tagit sig in i vår lägenhet, vi är hemma",
    "min väninna skriver att hon har tagit alla sina tabletter",
    "min dotter kom inte hem i natt och svarar inte i telefon",
    "hjälp det är översvämning och min mamma sitter fast",
    "en bil har kört in i en husvägg och föraren sitter kvar",
    "jag har blivit våldtagen nyss",
    "en kille med kniv springer runt på skolgården",
    "nån försöker slå in dörren hos mig",
    "de slåss med knivar utanför maxi",
    "brinner i trapuset hjalp",
    "min kompis andas jätte konstigt efter att ha tagit nåt",
    "han har en pistol i handen o skriker",
    "jag har tagit massa tabletter",
    "mamma ligger på golvet och svarar inte",
    "ngn följer efter mig från bussen",
    "Hörde typ 5 skott alldeles nyss på gatan",
    "grannen misshandlar sin fru, hör skrik",
    "det ryker ur fönstret på tredje våningen",
    "det är en man i vår trädgård med en kniv",
    "jag vill inte leva mer, har en repstump",
    "Min son har ätit rattgift",
    "några tjejer rånar en kille vid lekplatsen",
    "Killen bredvid mig på bussen har en kniv och hotar föraren",
    "vi sitter fast i hissen och det börjar bli varmt och han får panik",
    "Det är en man som sparkar på en liggande person på Järnvägsgatan",
    "min bror har druckit en hel flaska vodka och spyr och vaknar inte ordentligt",
    "det ryker kraftigt från taket på skolan",
    "Någon står i vår trappuppgång med ett basebollträ och skriker",
    "jag har svalt 20 tabletter",
    "hjälp jag är inlåst i ett förråd",
    "mitt barn har ramlat ner i ån",
    "Det är bråk med knivar vid Ättekulla nu",
    "Jag hör någon skrika på hjälp från parken",
    "en äldre man har kollapsat på bussen",
    "min kille har strypt mig och jag är rädd att han kommer tillbaka ikväll",
    "Jag tror jag får en hjärtattack",
    "grannens balkong brinner",
    "han hotar att skada barnen om jag går",
    "det finns en okänd person i vår källare",
    "någon har kastat en brandbomb mot huset",
    "två män drar en kvinna in i en skåpbil",
    "min dotter skriver att hon ska göra slut på allt ikväll",
    "någon sprejar något i ögonen på folk på torget",
    "vi blir beskjutna",
    "det har börjat brinna i ett elskåp på Söder",
    "min pappa har fått kramp och är helt borta",
    "ett par killar hotar en tjej med en glasflaska",
    "mannen som hotade mig igår står nu utanför min port",
    "jag blöder och kan inte stoppa det",
    "min kompis har skurit sig djupt i handleden",
    "barnet har druckit ur en flaska med T-röd",
    "det är folk som kastar sten på polisen och det brinner bilar",
    "jag är instängd på toaletten och han försöker ta sig in",
    "nån har skjutit på ett fönster i vårt hus",
    "en kvinna skriker att hon blir våldtagen",
    "min sambo har tagit strypgrepp om mig flera gånger ikväll",
    "farfar har trillat och har slagit huvudet, han är förvirrad",
    "det sitter en man fastklämd under en bil",
    "de bankar på min dörr och skriker att de ska döda mig",
    "jag tror någon har lagt gift i min mat",
    "hjälp snabbt mitt barn är borta i köpcentret",
    "någon har knuffat ner en kille på spåret",
]

NOT_EMERGENCIES = [
    # Reporting afterwards.
    "Jag vill anmäla ett inbrott i mitt förråd",
    "Hur polisanmäler jag att min cykel blev stulen?",
    "Jag blev rånad förra veckan, vart vänder jag mig?",
    "Vi hade inbrott i somras och känner oss otrygga",
    "Min bil har blivit vandaliserad, hur anmäler jag det?",
    "Jag har blivit hotad på nätet och vill anmäla det",
    "Det var ett slagsmål utanför skolan igår",
    "Min son blev misshandlad för två år sedan och mår fortfarande dåligt",
    "Jag vill anmäla en misshandel som hände i helgen",
    "Grannens garage brann för några veckor sedan",
    "Någon har sprayat klotter på vår fasad",
    "jag vill tipsa om att det säljs narkotika i parken",
    # Prevention, the city's work, statistics.
    "Vad gör kommunen mot skjutningarna?",
    "Hur förebygger ni inbrott i villaområden?",
    "Hur kan jag skydda mig mot inbrott när vi är på semester?",
    "Har våldet ökat i Helsingborg?",
    "Hur många inbrott var det i Drottninghög förra året?",
    "Finns det statistik över knivvåld bland unga?",
    "Vad är lägesbilden för brottsligheten 2023–2024?",
    "Hur jobbar ni mot gängkriminalitet?",
    "Vad gör ni för att minska skjutningar?",
    "Hur fungerar samarbetet mellan kommunen och polisen?",
    "Vad är Tryggare Helsingborg?",
    # Hypothetical or general questions.
    "Vad ska jag göra om jag ser ett inbrott?",
    "Vad gör man om man hittar en kniv i parken?",
    "Vilket nummer ringer man om det inte är akut?",
    "Vad är skillnaden mellan 112 och 114 14?",
    "Vad ska jag göra om någon bryter sig in?",
    # Feeling unsafe, without danger now.
    "Jag känner mig otrygg i Dalhem på kvällarna",
    "Jag är rädd att gå hem från stationen när det är mörkt",
    "Det är mörkt vid busshållplatsen på Söder och jag känner mig otrygg",
    "Jag är orolig för att min son bär kniv",
    "Jag läste om skottlossningen i tidningen och blev rädd",
    # Everything else the assistant answers.
    "När har kontaktcenter öppet?",
    "Har ni öppet på lördag?",
    "Jag vill prata med en kommunvägledare",
    "Gatlampan utanför mitt hus är trasig",
    "Hur lång tid tar det innan klotter tas bort?",
    "Jag vill lämna ett meddelande",
    "Tack för hjälpen!",
    "Kan du hjälpa mig att hitta öppettiderna?",
    "Jag behöver hjälp med att förstå hur man anmäler",
    "Hej! Vad kan du hjälpa till med?",
    "Hur skyddas mina personuppgifter?",
    "Jag vill lämna ett kriminellt gäng, vem kan hjälpa mig?",
    "Var finns Brottsofferjouren?",
    "Mitt hjärta blöder för alla som drabbas",
    "Finns det brandvarnare att låna?",
    "Kan jag skjuta upp mitt besök till på fredag?",
    "Vi bor på ett hotell just nu och undrar om öppettider",
    "Vilka stadsdelar ingår i satsningen?",
    "Hur ofta skriver ni en lägesbild?",
    "Är det här en robot?",
    "Jag vill klaga på hur kommunen jobbar med trygghet",
    # Written later in batches, each run once unseen to measure how the lexicon generalises.
    "Hur anmäler jag att någon har hotat mig på Instagram?",
    "Min granne spelar hög musik hela nätterna",
    "Var kan jag få stöd efter att ha blivit rånad?",
    "Brottsofferjouren, kan de hjälpa mig efter en misshandel?",
    "Hur kan jag hjälpa en vän som utsätts för våld i hemmet?",
    "Kan man få hjälp med inbrottsskydd?",
    "När är det brandövning på skolan?",
    "Ska jag ringa polisen om grannen bråkar varje helg?",
    "Hur gör jag en polisanmälan om misshandel?",
    "Jag skulle vilja prata med någon om att mitt barn har blivit mobbat",
    "Min moped blev stulen i natt, hur anmäler jag?",
    "Är det farligt att gå genom Slottshagen på natten?",
    "Varför svarar ingen i telefon hos er?",
    "Jag har en fråga om kameraövervakning på torget",
    "Hur blir man volontär i trygghetsvandringarna?",
    "Kan ni skicka info om trygghetsvandringar?",
    "Var kan jag läsa om kommunens brottsförebyggande arbete?",
    "Vad har polisen för nummer om det inte är bråttom?",
    "Jag är intresserad av grannsamverkan mot brott",
    "Har ni statistik över bilbränder?",
    "Min cykel blev stulen i morse vid stationen",
    "Jag vill anmäla en trasig gatlykta",
    "Hej jag undrar hur jag tar kontakt med socialtjänsten",
    "Jag har blivit utsatt för bedrägeri, vad gör jag?",
    "Hur fungerar det med kameror i Drottninghög?",
    "Hur ska jag prata med mitt barn om knivar och våld?",
    "Får man bära kniv när man fiskar?",
    "Jag vill klaga på att polisen aldrig kommer när vi ringer",
    "hur mkt kostar det att ringa 11414",
    "är det farligt i fredriksdal på kvällen",
    "vill bara säga att ni gör ett bra jobb med tryggheten",
    "vrf tar det så lång tid att få svar på mejl",
    "min granne klottrar på väggen, vem tar bort det",
    "Vem ska jag kontakta om min son har hamnat i fel umgänge?",
    "Finns det någon att prata med om man har varit med om ett rån?",
    "Jag jobbar i en butik och vill veta hur vi ska agera vid rån",
    "Hur länge sparas chatten?",
    "jag har en fråga om polisens samverkan med kommunen",
    "Vad innebär välfärdsbrottslighet?",
    "Jag vill veta mer om avhopparverksamheten",
    "hur söker jag bidrag för trygghetsskapande åtgärder",
    "Vilka öppettider har Stortorget 17?",
    "Min dotter blev rånad på sin mobil förra veckan och polisen har lagt ner ärendet",
    "Hur ser ni på att det blivit fler bränder i soprum?",
    "Vi vill ha bättre belysning i parken, vem beslutar om det?",
    "Jag undrar om ni har information om brottsofferstöd på arabiska",
    "Kan jag vara anonym om jag tipsar om narkotikaförsäljning?",
    "Jag har fått ett hotfullt brev från en granne för ett tag sedan",
    "Vad gör jag om mitt barn har varit inblandat i ett slagsmål på skolan?",
    "Hur pratar jag med min tonåring som blivit rånad?",
    "Min granne har skadat min bil med flit",
    "När kommer nästa lägesbild?",
    "Jag vill prata med någon om min sons kriminalitet",
    "Var kan jag lämna en klagomål om ordningsvakterna?",
    "Det är mycket bråk på min gata på helgerna",
    "jag vill anmäla skadegörelse på min bil som hände i helgen",
    "Kommer det fler poliser till Drottninghög?",
    "hur söker man jobb som ordningsvakt",
    "Kan ni förklara vad otillåten påverkan är?",
    "Vilka organisationer samarbetar ni med?",
    "Hur hjälper jag min dotter som har ångest efter ett rån?",
    "Jag vill ge beröm till kontaktcenter",
    "Min lägenhet har mögel, vem kontaktar jag?",
    "Det var en brand i mitt hus för några år sedan, hur får jag ut försäkringen?",
    "Varför får vi inte veta mer om skjutningen på Söder?",
    "Jag vill lämna ett tips om ett rattfyllo som brukar köra här",
    "Finns det någon trygghetsapp?",
    "Vad ska jag säga till mina barn om det som hände vid skolan?",
    "Hur kan vi minska inbrotten i vår förening?",
    "Kan jag skicka bilder på klottret?",
]


@pytest.mark.parametrize("message", EMERGENCIES)
def test_emergencies_are_flagged(message):
    assert is_emergency(message), message


@pytest.mark.parametrize("message", NOT_EMERGENCIES)
def test_non_emergencies_are_not_flagged(message):
    assert not is_emergency(message), message


@pytest.mark.parametrize(
    "message",
    [
        "Jag blev rånad igår och nu står de utanför min dörr igen",
        "Han slog mig förra veckan och nu är han här igen, hjälp",
        "Jag vill anmäla ett inbrott som pågår",
        "Hur gör jag? Det brinner i köket",
        "vad gör jag om det brinner",  # a strong cue is never held back
        "Jag blev knivhotad nu i kväll",  # knife + threat, today
        "Min bror dog av en överdos",  # an overdose with no time given counts as now
    ],
)
def test_now_cues_and_strong_cues_are_never_held_back(message):
    assert is_emergency(message), message


@pytest.mark.parametrize(
    "message",
    [
        "Jag blev knivhotad förra året",
        "jag blev hotad med kniv för några år sedan och har fortfarande mardrömmar",
        "vi hade en gasläcka i huset förra månaden, vem ansvarar för att det inte händer igen",
        "min kompis tog en överdos förra året och dog, finns det stödgrupper för anhöriga",
    ],
)
def test_grave_events_with_an_explicit_past_time_are_not_alarms(message):
    """An armed threat, a gas leak and an overdose are grave, like a stabbing: danger now unless the
    message itself dates them in the past."""
    assert not is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "projektet brinner i knutarna, hinner ni svara innan fem",
        "mitt huvud exploderar av alla blanketter",
        "vi slog ihjäl några timmar på Väla i lördags",
        "blev knivhuggen i ryggen av en kollega, bildligt talat alltså",
        "det var en bombsuccé, festen i lördags",
    ],
)
def test_idioms_with_danger_words_are_not_emergencies(message):
    assert not is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "hjälp det brinner i knutarna på huset",  # a cry for help wins over the idiom's words
        "det brinner i köket",
        "en bomb exploderade nyss på torget",
        "han slog ihjäl hunden nu",
        "han har blivit knivhuggen",
        "någon har blivit knivhuggen i ryggen utanför porten",
    ],
)
def test_the_same_words_taken_literally_are_emergencies(message):
    assert is_emergency(message)


def test_empty_and_whitespace_are_not_emergencies():
    assert not is_emergency("")
    assert not is_emergency(" \n\t ")


def test_non_text_is_refused():
    with pytest.raises(TypeError, match="text must be str"):
        is_emergency(None)  # type: ignore[arg-type]


def test_normalise_folds_case_diacritics_repeats_and_whitespace():
    assert normalise("  HJÄÄÄÄLP!!!\n  Det   BRINNER i Ödåkra  ") == "hjaalp!!! det brinner i odakra"


def test_reply_puts_112_first_in_swedish():
    assert EMERGENCY_REPLY.startswith("Är det akut? Ring 112")
    assert EMERGENCY_REPLY.index("112") < 30


CASES_FILE = Path(__file__).resolve().parents[1] / "nlu" / "emergency_cases.yml"
MAX_FALSE_ALARM_RATE = 0.15


def _load_cases() -> dict[str, list[str]]:
    data = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{CASES_FILE}: expected a mapping with 'emergencies' and 'not_emergencies'")
    cases = {}
    for key in ("emergencies", "not_emergencies"):
        items = data.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
            raise ValueError(f"{CASES_FILE}: '{key}' must be a non-empty list of strings")
        cases[key] = items
    return cases


@pytest.mark.skipif(not CASES_FILE.exists(), reason="tests/nlu/emergency_cases.yml is not written yet")
def test_held_out_emergencies_all_flagged():
    missed = [message for message in _load_cases()["emergencies"] if not is_emergency(message)]
    assert missed == []


@pytest.mark.skipif(not CASES_FILE.exists(), reason="tests/nlu/emergency_cases.yml is not written yet")
def test_held_out_false_alarm_rate(capsys):
    harmless = _load_cases()["not_emergencies"]
    false_alarms = [message for message in harmless if is_emergency(message)]
    rate = len(false_alarms) / len(harmless)
    with capsys.disabled():
        print(f"\nemergency safety net: {len(false_alarms)}/{len(harmless)} false alarms ({rate:.0%}) on not_emergencies")
    assert rate < MAX_FALSE_ALARM_RATE, false_alarms


# ---------------------------------------------------------------- the alarm's language

ENGLISH_MESSAGES = [
    "my husband is hitting me right now",
    "Help! Someone is breaking in",
    "help me",
    "I can't breathe",
    "There is a fire in my building",
    "he has a gun",
    "a man with a knife outside my door",
]
SWEDISH_MESSAGES = [
    "hjälp han slår mig nu",
    "Det brinner i trapphuset!",
    "Min man slår mig",
    "help det brinner i köket",  # more Swedish than English
    "SOS",  # neither: the service's language
    "Skottlossning på Söder nu",
    "jag kan inte andas",
]


@pytest.mark.parametrize("message", ENGLISH_MESSAGES)
def test_english_messages_get_the_english_alarm(message):
    assert is_english(message)
    assert emergency_reply(message) == ENGLISH_EMERGENCY_REPLY


@pytest.mark.parametrize("message", SWEDISH_MESSAGES)
def test_swedish_messages_get_the_swedish_alarm(message):
    assert not is_english(message)
    assert emergency_reply(message) == EMERGENCY_REPLY


def test_only_the_english_lines_of_the_tables_are_taken_for_english():
    english = [m for m in EMERGENCIES + NOT_EMERGENCIES if is_english(m)]
    assert english == ["Help! Someone is breaking in", "my friend is not breathing", "He says he will kill me"]


@pytest.mark.parametrize(
    "message",
    ["my husband is hitting me right now", "he is going to kill me", "my friend is not breathing", "someone is breaking in"],
)
def test_english_danger_now_is_flagged(message):
    assert is_emergency(message)


@pytest.mark.parametrize(
    "message", ["what should I do if there is a fire", "what are your opening hours now", "I was robbed yesterday"]
)
def test_english_questions_and_past_events_are_not_flagged(message):
    assert not is_emergency(message)


def test_both_alarms_say_112_in_their_first_two_sentences():
    for reply in (EMERGENCY_REPLY, ENGLISH_EMERGENCY_REPLY):
        assert "112" in ". ".join(re.split(r"(?<=[.?!])\s", reply)[:2])
    assert ENGLISH_EMERGENCY_REPLY.startswith("Is this an emergency? Call 112 now")


# ---------------------------------------------------------------- Rasa's markers and tel: addresses


def test_a_marker_belongs_to_the_reply_before_it():
    body = [
        {"recipient_id": "x", "text": "Svar ett"},
        {"recipient_id": "x", "text": "Svar två", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
        {"recipient_id": "x", "custom": {"answer": "emergency"}},
        {"recipient_id": "x", "custom": {"answer": "fallback"}},  # the reply is marked already
        {"recipient_id": "x", "custom": {"answer": "something else"}},
        {"recipient_id": "x", "text": "Svar tre", "custom": {"answer": "fallback"}},
    ]
    assert replies_of(body) == [
        {"text": "Svar ett", "buttons": []},
        {"text": "Svar två", "buttons": [{"title": "Ja", "payload": "/affirm"}], "marker": "emergency"},
        {"text": "Svar tre", "buttons": [], "marker": "fallback"},
    ]


def test_a_marker_before_any_text_marks_nothing():
    assert replies_of([{"custom": {"answer": "emergency"}}, {"text": "Hej"}]) == [{"text": "Hej", "buttons": []}]


@pytest.mark.parametrize(
    ("phone", "url"),
    [("042-10 50 00", "tel:042105000"), ("112", "tel:112"), ("114 14", "tel:11414"), ("+46 42 10 50 00", "tel:+4642105000")],
)
def test_tel_url(phone, url):
    assert tel_url(phone) == url


def test_tel_url_refuses_what_is_not_a_number():
    with pytest.raises(ValueError):
        tel_url("kontaktcenter")
