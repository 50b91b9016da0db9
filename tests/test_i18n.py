"""Issue 15: Spanish on the whole search path, from one label layer and gettext catalogs.

* The catalog check: every message the source marks has a Spanish translation
  (not empty, not fuzzy, the same ``{fields}``), and every catalog compiles.
  The messages are extracted from the source here, with Babel, so a new
  English string without its translation fails CI.
* The pages in Spanish show no English UI string: what AppTest sees is checked
  against the list of source messages, not against a few hand-picked words.
* Reasons and the search sentence come from one structured result, in both
  languages; exports in Spanish parse back and stay formula-safe.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from apphelpers import (
    COMPARE,
    copy_sample_data,
    downloaded,
    parse_csv_export,
    record_downloads,
    run_app,
    search_for,
    use_data_dir,
)
from babel.messages.pofile import read_po

from finder.labels import available_locales, catalog_path, complete_locales, labels, pick_locale
from finder.labels.catalog import KEYWORDS, check, extract

ROOT = Path(__file__).resolve().parent.parent


# --- the catalogs -----------------------------------------------------------------------


def test_every_source_message_has_a_spanish_translation_and_the_catalog_compiles():
    assert len(extract()) > 250  # the extraction sees the UI, the labels and the core's Say
    assert check("es") == []


@pytest.mark.parametrize("locale", [code for code in available_locales() if code != "en"])
def test_every_catalog_compiles_and_fills_in_the_right_fields(locale):
    problems = check(locale)
    # A partial catalog (pt) may lack messages (or hold empty or fuzzy ones, which
    # stay English); nothing may be broken.
    assert [p for p in problems if not p.startswith(("missing:", "empty:", "fuzzy:"))] == []


def test_the_template_lists_every_message_of_the_source():
    # finder/locales/messages.pot tells which languages are complete (the switch
    # offers only those): `make messages` rewrites it when the source changes.
    from finder.labels import LOCALES_DIR

    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert template == {m.id for m in extract() if m.id}


def test_portuguese_holds_at_least_the_crisis_banner_and_the_search_form():
    from finder.ui.common import BANNER

    pt = labels("pt")
    for message in (BANNER, "Where are you? Address, ZIP code or town", "Distance",
                    "Insurance or payment", "When can you attend?", "Find an intensive outpatient program"):
        assert pt.gettext(message) != message
    # Partial: offered by its link only, not in the switch.
    assert "es" in complete_locales()
    assert "pt" not in complete_locales()


def test_no_translating_call_hides_inside_an_f_string():
    # Babel (on Python 3.11) reads an f-string as one token: a _() inside it is
    # never extracted, so its words would silently stay English.
    hidden = []
    for path in [*sorted((ROOT / "finder").rglob("*.py")), ROOT / "streamlit_app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and call.args
                        and isinstance(call.args[0], ast.Constant)
                        and isinstance(call.args[0].value, str)
                        and (call.func.attr if isinstance(call.func, ast.Attribute)
                             else getattr(call.func, "id", "")) in KEYWORDS):
                    hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert hidden == []


def test_pick_locale_follows_the_browser_tag_and_falls_back_to_english():
    assert pick_locale("es-US") == "es"
    assert pick_locale("es_MX") == "es"
    assert pick_locale("fr-CA", "es") == "es"
    assert pick_locale("de", None, "") == "en"
    assert pick_locale("pt-BR", offered=complete_locales()) == "en"


# --- words from structured results ---------------------------------------------------------


def _catalog():
    from finder.load import load_programs
    from finder.search import Catalog

    return Catalog.from_programs(load_programs(ROOT / "data" / "sample" / "providers.csv").programs)


def test_reasons_and_the_search_sentence_in_both_languages_from_one_result():
    from finder.model import LatLon
    from finder.search import SearchQuery, describe, search

    query = SearchQuery(origin=LatLon(42.3736, -71.1097), origin_label="Cambridge (02139)",
                        radius_miles=25, insurance=("MassHealth",), sessions=("evening",),
                        languages=("Spanish",), level_of_care=("IOP", "SOAP"))
    result = search(_catalog(), query)
    match = next(m for m in result.matches if any(r.code == "part_sessions" for r in m.reasons))
    en, es = labels("en"), labels("es")
    codes = [r.code for r in match.reasons]
    assert "takes" in codes
    assert "speaks" in codes
    english = [en.reason(r) for r in match.reasons]
    spanish = [es.reason(r) for r in match.reasons]
    assert "takes MassHealth" in english
    assert "acepta MassHealth" in spanish
    assert "offers services in Spanish" in english
    assert "atiende en español" in spanish
    evening = next(r for r in match.reasons if r.code == "part_sessions")
    assert en.reason(evening).startswith("evening sessions ")
    assert es.reason(evening).startswith("sesiones por la noche: ")
    assert re.search(r"(lun|mar|mié|jue|vie|sáb|dom).* \d{1,2}:\d{2}.*[ap]\.m\.", es.reason(evening))
    # The English words are the core's own sentence, word for word.
    assert en.describe(query) == describe(query)
    assert es.describe(query) == (
        "Programas IOP o SOAP a menos de 25 millas de Cambridge (02139) que aceptan MassHealth, "
        "tienen sesiones por la noche y atienden en español")


@pytest.mark.parametrize("fields", [
    {}, {"radius_miles": None}, {"available": "Mo-Fr 17:30-21:30", "include_unknown_schedule": True},
    {"services": ("Methadone", "Co-occurring mental health"), "populations": ("Women", "LGBTQ+")},
    {"attendance": "telehealth", "accepting_new_clients": True},
    {"attendance": "in-person", "level_of_care": ("PHP",)},
    {"insurance": ("MassHealth", "Tufts Health Plan", "Self-pay"), "sessions": ("weekend", "morning")},
])
def test_the_english_words_of_the_label_layer_are_the_cores_describe(fields):
    from finder.model import LatLon
    from finder.search import SearchQuery, describe

    query = SearchQuery(**{"origin": LatLon(42.36, -71.06), "origin_label": "Boston",
                           "radius_miles": 10, **fields})
    assert labels("en").describe(query) == describe(query)
    spanish = labels("es").describe(query)
    assert spanish.startswith("Programas")
    assert "Boston" in spanish


def test_schedules_in_spanish_use_babels_day_and_time_names():
    es = labels("es")
    assert es.schedule("Mo,We,Th 18:00-21:00") == "lun, mié, jue 6:00–9:00 p.m."
    assert es.schedule("Mo-Fr 09:00-12:00") == "lun–vie 9:00 a.m.–12:00 p.m."
    assert es.schedule("") == "Horario no publicado"
    assert labels("en").schedule("Mo,We,Th 18:00-21:00") == "Mon, Wed, Thu 6:00–9:00 PM"


def test_location_messages_keep_their_values_and_are_said_in_spanish():
    from finder.errors import GeocodeNotFound
    from finder.gazetteer import default_gazetteer
    from finder.ui.safe import md

    place = default_gazetteer().locate("Worcestor")
    assert labels("es").say(place.note) == "¿Quiso decir Worcester? Le mostramos Worcester, MA."
    with pytest.raises(GeocodeNotFound) as caught:
        default_gazetteer().locate("Xqzzyville")
    spanish = labels("es").say(caught.value.user_message, escape=md)
    assert spanish.startswith("No encontramos «Xqzzyville» en Massachusetts.")
    # What was typed is data: escaped inside the translated sentence.
    with pytest.raises(GeocodeNotFound) as caught:
        default_gazetteer().locate("[x](http://evil.example) 0213l")
    assert "](http" not in labels("es").say(caught.value.user_message, escape=md)


# --- the pages, in Spanish ---------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the sample data; geocoder offline."""
    return use_data_dir(monkeypatch, copy_sample_data(tmp_path / "data"))


_FIELD = re.compile(r"\{[^}]*\}")
_MARKUP = re.compile(r"<[^>]+>|\]\([^)]*\)|&amp;|\*\*|`")


def _english_ui_strings() -> tuple[set[str], set[str]]:
    """Return (phrases, whole labels) of English that a Spanish page must not show.

    From every source message whose Spanish differs: its literal pieces
    between fields and markup, split at punctuation; pieces of two words or
    more are looked for anywhere, one-word messages ("Remove", "Map") as a
    whole element.
    """
    with catalog_path("es").open("rb") as handle:
        spanish = read_po(handle, locale="es")
    phrases, words = set(), set()
    for message in extract():
        if not message.id:
            continue
        found = spanish.get(message.id)
        translated = found.string if found is not None else ""
        translated = " ".join(translated) if isinstance(translated, tuple) else translated
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            if text == translated:
                continue
            clean = _MARKUP.sub("\n", _FIELD.sub("\n", text))
            for piece in re.split(r"[\n:;()?.!,·→←—–\[\]'\"/]+", clean):
                piece = " ".join(piece.split())
                if piece and piece in translated:
                    continue  # a name both languages share (FindTreatment.gov, IOP Finder)
                if len(piece.split()) >= 2 and len(piece.split()[0]) > 1:
                    phrases.add(piece)
                elif piece == " ".join(clean.split()) and len(piece) >= 3:
                    words.add(piece)
    return phrases, words


def _shown_strings(at) -> list[str]:
    """Every string the page gives a person: bodies, labels, help, placeholders, options."""
    found: list[str] = []

    def visit(message) -> None:  # type: ignore[no-untyped-def]
        for field, value in message.ListFields():
            if field.name in ("id", "form_id", "page_script_hash", "url_path", "icon", "page",
                              "tag", "key", "default", "value", "raw_value", "url"):
                continue
            repeated = not isinstance(value, str | bytes) and not hasattr(value, "ListFields") \
                and hasattr(value, "__len__")
            values = list(value) if repeated else [value]
            for item in values:
                if isinstance(item, str):
                    found.append(item)
                elif hasattr(item, "ListFields"):
                    visit(item)

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            visit(proto)
        children = getattr(node, "children", None) or {}
        for child in (children.values() if isinstance(children, dict) else children):
            walk(child)

    walk(at._tree)
    # What Markdown escaping adds is not shown, nor is a style sheet.
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", re.sub(r"<style>.*?</style>", "", s, flags=re.S))
            .replace("\u2060", "") for s in found]


def _data_values(folder: Path) -> list[str]:
    """Every text of the programs: names, addresses, sources and notes stay as listed."""
    from finder.load import load_programs

    values = set()
    for program in load_programs(folder / "providers.csv").programs:
        for value in vars(program).values() if hasattr(program, "__dict__") else (
                getattr(program, name) for name in program.__slots__):
            if isinstance(value, str) and len(value) >= 3:
                values.add(value)
    return sorted(values, key=len, reverse=True)


def assert_no_english(at, data: Path | None = None) -> None:
    phrases, words = _english_ui_strings()
    shown = _shown_strings(at)
    for value in _data_values(data or ROOT / "data" / "sample"):
        shown = [s.replace(value, "") for s in shown]
    assert shown, "nothing rendered"
    patterns = {p: re.compile(rf"(?<!\w){re.escape(p)}(?!\w)") for p in phrases}
    leaks = sorted({f"{p!r} in {s[:80]!r}" for s in shown for p, pattern in patterns.items()
                    if pattern.search(s)}
                   | {repr(s) for s in shown if s.strip() in words})
    assert leaks == []


def test_find_page_in_spanish_shows_no_english_empty_results_and_no_results(data_dir):
    at = run_app({"lang": "es"})
    assert not at.exception
    assert at.title[0].value == "Encuentre un programa intensivo ambulatorio"
    assert_no_english(at)

    at = search_for(at, "02139")
    assert not at.exception
    text = "\n".join(_shown_strings(at))
    assert "Encontramos" in text
    assert "Programas IOP o SOAP a menos de 25 millas de" in text
    assert re.search(r"\*\*Sesiones:\*\* (lun|mar|mié|jue|vie|sáb|dom)", text)
    assert_no_english(at)

    # Evenings: the unknown-schedule section, and reasons on the cards.
    at.multiselect(key="when").set_value(["evening"]).run()
    text = "\n".join(_shown_strings(at))
    assert "no han publicado su horario: llame para preguntar" in text
    assert "sesiones por la noche:" in text
    assert_no_english(at)

    at.selectbox(key="radius").set_value("5").run()
    at.multiselect(key="speaks").set_value(["Khmer"]).run()
    at.multiselect(key="pop").set_value(["Veterans"]).run()
    at.checkbox(key="acc").check().run()
    assert not at.exception
    text = "\n".join(_shown_strings(at))
    assert "Ningún programa cumple con todo lo que eligió." in text
    assert_no_english(at)


def test_location_errors_in_spanish(data_dir):
    at = search_for(run_app({"lang": "es"}), "Worcestor")
    assert "¿Quiso decir Worcester? Le mostramos Worcester, MA." in "\n".join(_shown_strings(at))
    at = search_for(at, "Xqzzyville")
    assert at.error[0].value.startswith("No encontramos «Xqzzyville» en Massachusetts.")
    assert_no_english(at)


def test_compare_page_in_spanish_shows_no_english(data_dir):
    at = search_for(run_app({"lang": "es"}), "02139")
    for _ in range(2):
        key = next(k for k in (b.key for b in at.button) if k and k.startswith("add_"))
        at.button(key=key).click().run()
    at.switch_page(COMPARE).run()
    assert not at.exception
    text = "\n".join(_shown_strings(at))
    assert "Uno al lado del otro" in text
    assert "La semana de un vistazo" in text
    assert_no_english(at)


def test_program_page_and_the_update_form_in_spanish_show_no_english(data_dir):
    at = search_for(run_app({"lang": "es"}), "02139")
    link = next(p for p in at.get("page_link") if p.proto.label.startswith("Página del programa"))
    assert "lang=es" in link.proto.query_string
    program_id = next(part.split("=", 1)[1] for part in link.proto.query_string.split("&")
                      if part.startswith("id="))
    at.switch_page("finder/ui/pages/program.py")
    at.query_params["id"] = program_id
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception
    text = "\n".join(_shown_strings(at))
    assert "Todos los datos de este programa" in text
    assert "<th scope='row'>Teléfono</th>" in text
    assert_no_english(at)
    update = next(b for b in at.button if (b.key or "").startswith("page_upd_"))
    assert update.label == "Corregir estos datos"
    update.click().run()
    assert not at.exception
    assert_no_english(at)


def test_a_town_over_the_border_is_answered_in_spanish(data_dir):
    at = search_for(run_app({"lang": "es"}), "Nashua NH")
    assert not at.exception
    text = "\n".join(_shown_strings(at))
    assert "IOP Finder solo cubre Massachusetts." in text
    assert "está a unas" in text
    assert_no_english(at)


def test_map_key_tooltips_and_popups_in_spanish():
    from finder.load import load_programs
    from finder.maprender import build_map, program_table
    from finder.model import Place, Precision

    programs = load_programs(ROOT / "data" / "sample" / "providers.csv").programs[:3]

    class Hit:
        def __init__(self, program):
            self.program = program
            self.distance_miles = 2.5

    origin = Place(42.37, -71.11, "Cambridge, MA", Precision.TOWN, "gazetteer")
    page = build_map([Hit(p) for p in programs], origin, 10, locale="es",
                     tiles_url="http://127.0.0.1/{z}/{x}/{y}.png", tiles_attribution="x"
                     ).get_root().render()
    for words in ("Leyenda del mapa", "Su ubicación", "Zona de búsqueda", "Programa",
                  "Grupo: toque para acercar", "a 2.5 mi", "Llamar:",
                  "programas aquí; toque para acercar"):
        # The key's HTML is written as JSON in the page (accents as \u escapes).
        assert words in page or json.dumps(words)[1:-1] in page, words
    for english in ("Map key", "Your location", "Search radius", "mi away", "Call:",
                    "select to zoom"):
        assert english not in page, english
    assert "Llamar:" in program_table(programs, "es").script


def test_the_language_lives_in_the_url_and_switching_keeps_the_search(data_dir):
    at = search_for(run_app({"lang": "es"}), "02139")
    assert at.query_params["lang"] == ["es"] or at.query_params["lang"] == "es"
    assert at.query_params["q"] in ("02139", ["02139"])
    at.button_group(key="_lang_switch").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Find an intensive outpatient program"
    assert at.text_input(key="q").value == "02139"
    assert "lang" not in at.query_params
    assert any(" programs found.**" in str(m.value) for m in at.markdown)


def test_a_partial_catalog_opens_from_its_link_and_falls_back_to_english(data_dir):
    at = run_app({"lang": "pt"})
    assert not at.exception
    assert at.title[0].value == "Encontre um programa intensivo ambulatorial"
    assert at.text_input(key="q").label == "Onde você está? Endereço, CEP (ZIP) ou cidade"
    assert "Precisa de ajuda agora?" in at.markdown[1].value
    assert at.info[0].value.startswith("Digite acima um CEP")
    # Not translated yet: English, never an empty text.
    assert at.warning[0].value.startswith("**Sample data.**")
    # The switch offers the complete languages, plus the one in use.
    assert list(at.button_group(key="_lang_switch").options) == ["English", "Español", "Português"]


def test_an_old_link_with_a_language_name_still_filters_by_language(data_dir):
    at = run_app({"q": "02139", "lang": "Spanish"})
    assert at.multiselect(key="speaks").value == ["Spanish"]
    assert at.title[0].value == "Find an intensive outpatient program"


def test_spanish_exports_parse_back_and_stay_formula_safe(tmp_path, monkeypatch):
    from apphelpers import parse_xlsx_export, write_providers

    rows = [{
        "program_id": "evil-1", "organization": "=HYPERLINK(\"http://x\")", "program_name": "+Prog",
        "level_of_care": "IOP", "street": "1 Main St", "city": "Cambridge", "state": "MA",
        "zip": "02139", "latitude": "42.3736", "longitude": "-71.1097", "phone": "617-555-0100",
        "insurance": "MassHealth;Sliding scale", "schedule": "Mo,We,Th 18:00-21:00",
        "services": "Methadone", "populations": "Women", "languages": "English;Spanish",
        "attendance": "in-person", "accepting_new_clients": "yes", "source": "@source",
        "notes": "-1+1",
    }]
    use_data_dir(monkeypatch, write_providers(tmp_path / "data", rows))
    seen = record_downloads(monkeypatch)
    at = search_for(run_app({"lang": "es"}), "02139")
    assert not at.exception
    heading, table = parse_csv_export(downloaded(seen, "find_dl_csv"))
    assert "Búsqueda" in heading
    assert heading["Búsqueda"].startswith("Programas IOP o SOAP a menos de 25 millas de")
    (row,) = table
    assert row["Programa"] == "'+Prog"
    assert row["Organización"].startswith("'=")
    assert row["Fuente"] == "'@source"
    assert row["Sesiones"] == "lun, mié, jue 6:00–9:00 p.m."
    assert row["Seguro / forma de pago"] == "MassHealth; Precio según sus ingresos"
    assert row["Idiomas"] == "inglés; español"
    assert row["Acepta pacientes nuevos"] == "sí"
    xlsx_heading, xlsx_rows = parse_xlsx_export(downloaded(seen, "find_dl_xlsx"), header="Programa")
    assert xlsx_rows[0]["Organización"].startswith("'=")
    assert xlsx_heading["Búsqueda"] == heading["Búsqueda"]
    page = downloaded(seen, "find_dl_html").decode("utf-8")
    assert "<html lang='es'>" in page
    assert "¿Necesita ayuda ahora?" in page
    assert "<script" not in page


# --- the command line ---------------------------------------------------------------------


def test_finder_search_lang_es_prints_spanish(capsys):
    from finder.cli import main

    sample = str(ROOT / "data" / "sample" / "providers.csv")
    code = main(["search", "--near", "02139", "--offline", "--lang", "es", "--sessions", "evening",
                 "--insurance", "MassHealth", "--data", sample])
    out = capsys.readouterr().out
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("Programas a menos de 25 millas de")
    assert "que aceptan MassHealth y tienen sesiones por la noche" in first
    assert "programas encontrados." in first
    assert "     ✓ acepta MassHealth" in out
    assert re.search(r"Sesiones: (lun|mar|mié|jue|vie|sáb|dom)", out)

    code = main(["search", "--near", "02139", "--offline", "--lang", "es", "--format", "json",
                 "--insurance", "Harvard Pilgrim", "--data", sample])
    payload = json.loads(capsys.readouterr().out)
    assert payload["description"].startswith("Programas a menos de 25 millas de")
    result = payload["results"][0]
    # Words in the chosen language, and the same reasons as codes (stable for programs).
    assert result["reason_codes"][0]["code"] in ("takes", "takes_private")
    assert result["reasons"][0].startswith("acepta")


def test_finder_search_says_place_errors_in_spanish(capsys):
    from finder.cli import main

    code = main(["search", "--near", "Xqzzyville", "--offline", "--lang", "es",
                 "--data", str(ROOT / "data" / "sample" / "providers.csv")])
    assert code == 2
    assert "No encontramos «Xqzzyville» en Massachusetts." in capsys.readouterr().err


# --- the "Update this listing" form: every problem and refusal in Spanish ------------------

PROGRAM = "sample-0001"


def _k(name: str) -> str:
    return f"page_upd_{PROGRAM}_{name}"


def _open_update_form():  # type: ignore[no-untyped-def]
    from apphelpers import APP
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("finder/ui/pages/program.py")
    at.query_params["id"] = PROGRAM
    at.query_params["lang"] = "es"
    at.run()
    at.button(key=_k("btn")).click().run()
    assert not at.exception
    return at


def _send(at):  # type: ignore[no-untyped-def]
    button = next(b for b in at.get("form_submit_button") if b.proto.label == "Enviar")
    button.click()
    at = at.run()
    assert not at.exception
    return at


def _evening(at) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    at.multiselect(key=_k("t0_days")).set_value(["Mo", "We"])
    at.time_input(key=_k("t0_start")).set_value(dt.time(18, 0))
    at.time_input(key=_k("t0_end")).set_value(dt.time(21, 0))


def _said(at) -> str:  # type: ignore[no-untyped-def]
    # What Markdown escaping adds is not shown.
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", "\n".join(e.value for e in at.error)).replace(
        "\u2060", "")


def _fill_many(at) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    at.multiselect(key=_k("t0_days")).set_value(["Mo"])
    at.time_input(key=_k("t0_start")).set_value(dt.time(21, 0))
    at.time_input(key=_k("t0_end")).set_value(dt.time(18, 0))
    at.time_input(key=_k("t1_start")).set_value(dt.time(18, 0))
    at.time_input(key=_k("t1_end")).set_value(dt.time(21, 0))
    at.multiselect(key=_k("t2_days")).set_value(["Tu"])
    at.time_input(key=_k("t2_end")).set_value(dt.time(12, 0))
    at.text_input(key=_k("phone")).set_value("12345")
    at.text_input(key=_k("website")).set_value("htp:/not a site")
    at.text_input(key=_k("city")).set_value("Xqzzyville")
    at.text_input(key=_k("zip")).set_value("2139")
    at.text_area(key=_k("remark")).set_value("Call :red[now]")
    at.text_input(key=_k("email")).set_value("not-an-email")


def _fill_more(at) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key=_k("phone")).set_value("<script>alert(1)</script>")
    at.text_input(key=_k("street")).set_value("12 Elm St\u202e")
    at.text_input(key=_k("zip")).set_value("03060")
    at.radio(key=_k("via")).set_value("website")


def _fill_urls(at) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key=_k("website")).set_value("https://example.org/a(b)")
    at.text_input(key=_k("city")).set_value("Worcestor")
    at.text_input(key=_k("zip")).set_value("99999")
    at.text_area(key=_k("remark")).set_value("tab\x07bell")
    at.radio(key=_k("via")).set_value("website")
    at.text_input(key=_k("url")).set_value("javascript:alert(1)")


@pytest.mark.parametrize(("fill", "expected"), [
    (_fill_many, [
        "Grupo 1: termina a las 18:00, y eso no es después de la hora en que empieza (21:00).",
        "Grupo 2: elija al menos un día de la semana.",
        "Grupo 3: falta la hora en que empieza; escriba la hora en formato de 24 horas",
        "El número de teléfono no es un número de teléfono válido de EE. UU.",
        "El sitio web debe ser una dirección web que empiece con https://",
        "El pueblo no es una ciudad ni un pueblo de Massachusetts que conozcamos",
        "El código postal (ZIP) debe tener 5 dígitos; ¿quiso decir 02139?",
        "Su comentario tiene códigos de formato como ':material/...:' o ':red[...]'",
        "Ese correo electrónico no parece correcto",
    ]),
    (_fill_more, [
        "El número de teléfono parece código de una página web (como <script>",
        "La dirección tiene un carácter que cambia la dirección del texto",
        "El código postal (ZIP) es un código postal (ZIP) de NH, no de Massachusetts.",
        "Escriba la dirección de la página web del programa donde leyó esto",
    ]),
    (_fill_urls, [
        "El sitio web tiene ( ), y una dirección web debe escribirlos codificados",
        "El pueblo no es una ciudad ni un pueblo de Massachusetts que conozcamos; ¿quiso decir "
        "«Worcester, MA»?\n",
        "El código postal (ZIP) no es un código postal (ZIP) de Estados Unidos.",
        "Su comentario tiene caracteres de control o saltos de línea.",
        "La dirección web parece código de una página web",
    ]),
    (lambda at: None, ["Díganos al menos una cosa nueva"]),
], ids=["many", "more", "urls", "nothing"])
def test_every_problem_of_the_update_form_is_said_in_spanish(data_dir, fill, expected):
    from finder.config import Settings
    from finder.submissions import Queue

    at = _open_update_form()
    fill(at)
    at = _send(at)
    said = _said(at)
    assert said.startswith("Por favor, revise esto y envíe de nuevo:")
    assert [line for line in expected if line not in said] == [], said
    assert said.count("\n- ") == len(expected)
    assert_no_english(at, data_dir)
    assert Queue(Settings(data_dir=data_dir)).list_submissions() == []


def _pending_elsewhere(folder: Path) -> None:
    """One update already waiting for this program, sent from another browser."""
    from finder.config import Settings
    from finder.submissions import Queue

    Queue(Settings.from_env()).submit(
        {"program_id": PROGRAM, "remark": "Phone menu changed", "via": "other", "role": "other"},
        session="someone else")


@pytest.mark.parametrize(("setup", "expected"), [
    ("database_down", "Ahora no podemos guardar correcciones. Por favor, intente más tarde. "
                      "No se cambió nada."),
    ("program_full", "Este programa ya tiene muchas correcciones que esperan revisión."),
    ("everyone_limit", "Ahora estamos recibiendo muchas correcciones y no podemos aceptar más"),
    ("session_limit", "Envió 1 corrección en la última hora, lo máximo que aceptamos desde un "
                      "navegador."),
])
def test_every_refusal_of_the_update_form_is_said_in_spanish(data_dir, monkeypatch, setup, expected):
    import sqlalchemy as sa

    if setup == "database_down":
        def unreachable(url):  # type: ignore[no-untyped-def]
            raise sa.exc.OperationalError("connect", {}, OSError("refused"))

        monkeypatch.setattr("finder.submissions.queue.engine_for_url", unreachable)
    elif setup == "program_full":
        monkeypatch.setenv("FINDER_OPEN_SUBMISSIONS_PER_PROGRAM", "1")
        _pending_elsewhere(data_dir)
    elif setup == "everyone_limit":
        monkeypatch.setenv("FINDER_SUBMISSIONS_PER_HOUR", "1")
        _pending_elsewhere(data_dir)
    elif setup == "session_limit":
        monkeypatch.setenv("FINDER_SUBMISSIONS_PER_SESSION_PER_HOUR", "1")
    at = _open_update_form()
    _evening(at)
    if setup == "session_limit":
        at = _send(at)
        assert at.success  # the first is thanked for; the form opens again
        at.session_state[_k("done")] = ""
        at.run()
        at.button(key=_k("btn")).click().run()
        at.text_area(key=_k("remark")).set_value("And on Fridays")
        _evening(at)
    at = _send(at)
    said = _said(at)
    assert expected in said
    assert_no_english(at, data_dir)


def test_the_same_update_twice_is_thanked_for_in_spanish(data_dir):
    for _ in range(2):
        at = _open_update_form()
        _evening(at)
        at = _send(at)
    thanks = at.success[0].value
    assert thanks.startswith("**Gracias.")
    assert "Alguien ya envió la misma corrección" in thanks
    assert_no_english(at, data_dir)


def test_the_checks_the_page_stops_first_are_said_in_spanish_too(tmp_path):
    # The widgets keep some values out (max_chars, max_value on dates), but the
    # checks behind them answer a crafted request too, and in the page's language.
    import datetime as dt

    from finder.config import Settings
    from finder.submissions import Queue, SubmissionRefused
    from finder.submissions.correction import CorrectionError, check_correction, check_email

    phrases, _words = _english_ui_strings()
    patterns = [re.compile(rf"(?<!\w){re.escape(p)}(?!\w)") for p in phrases]
    today = dt.date(2026, 6, 1)
    said: list[str] = []
    for form in (
        {"program_id": "", "tracks": [{"days": ["Mo"], "start": "25:00", "end": "18:00"},
                                      {"days": ["Tu"], "start": "18:00", "end": "9pm"}],
         "accepting": "maybe", "accepting_as_of": "1999-01-01", "street": "x" * 250,
         "remark": "x" * 1200, "confirmed_on": "2099-01-01", "via": "fax", "role": "robot"},
        {"program_id": "p", "tracks": "Mo 18:00", "via": "phone", "confirmed_on": "June 1st",
         "role": "seeker"},
        {"program_id": "p", "tracks": [{"days": ["Mo"], "start": "18:00", "end": "21:00"}] * 11,
         "via": "phone", "confirmed_on": "", "role": "seeker"},
    ):
        with pytest.raises(CorrectionError) as caught:
            check_correction(form, today=today)
        said += [labels("es").say(p.message) for p in caught.value.problems]
    with pytest.raises(CorrectionError) as caught:
        check_email("x" * 300 + "@example.org")
    said.append(labels("es").say(caught.value.user_message))
    queue = Queue(Settings(data_dir=copy_sample_data(tmp_path / "data")))
    for form, known in (({"program_id": PROGRAM, "remark": "x" * 20_000}, None),
                        ({"program_id": "gone", "remark": "Closed", "via": "other",
                          "role": "other"}, set())):
        with pytest.raises(SubmissionRefused) as refused:
            queue.submit(form, known_programs=known)
        said.append(labels("es").say(refused.value.user_message))
    assert len(said) == 17
    for expected in ("Grupo 1: la hora en que empieza es «25:00»", "Grupo 2: la hora en que termina es «9pm»",
                     "(1999-01-01) parece un error", "La dirección tiene demasiados caracteres (250; como máximo 200).",
                     "Su comentario tiene 1,200 caracteres; el máximo es 1,000.", "La fecha no puede ser en el futuro.",
                     "no es una fecha que podamos leer", "Son 11 grupos; el máximo es 10.",
                     "El horario debe darse en grupos de días y horas.", "Diga en qué fecha llamó.",
                     "Esta corrección es demasiado larga.", "No encontramos este programa en la lista."):
        assert any(expected in s for s in said), expected
    leaks = [(p.pattern, s) for s in said for p in patterns if p.search(s)]
    assert leaks == []


def test_a_missing_program_no_data_and_a_silent_geocoder_are_answered_in_spanish(data_dir, tmp_path,
                                                                                   monkeypatch):
    import socket

    from apphelpers import APP
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("finder/ui/pages/program.py")
    at.query_params["id"] = "no-such-program"
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception
    assert at.title[0].value == "No encontramos el programa"
    assert_no_english(at, data_dir)

    # The online geocoder does not answer (a closed port on this machine).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in {"GEOCODER": "nominatim", "GEOCODER_DOMAIN": f"127.0.0.1:{port}",
                        "GEOCODER_SCHEME": "http", "GEOCODER_TIMEOUT_S": "1",
                        "GEOCODER_MIN_DELAY_S": "0"}.items():
        monkeypatch.setenv(f"FINDER_{name}", value)
    at = search_for(run_app({"lang": "es"}), "125 Main St")
    assert not at.exception
    assert at.error[0].value.startswith("El servicio que busca direcciones no responde ahora.")
    assert_no_english(at, data_dir)

    # No live program list at all.
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("FINDER_DATA_DIR", str(empty))
    at = run_app({"lang": "es"})
    assert not at.exception
    assert at.error[0].value.startswith("No pudimos cargar la lista de programas ahora.")
    assert_no_english(at, data_dir)


def test_the_data_source_line_is_said_in_spanish_and_stays_the_same_in_english():
    import datetime as dt

    from finder.provenance import DatasetSource

    line = DatasetSource("SAMHSA, FindTreatment.gov", dt.date(2025, 8, 19)).line()
    assert line == "SAMHSA, FindTreatment.gov, data as of 2025-08-19"
    assert labels("es").say(line) == "SAMHSA, FindTreatment.gov, datos del 2025-08-19"
    versioned = DatasetSource("IOP Finder dataset", None, "v7").line()
    assert labels("es").say(versioned) == "IOP Finder dataset, versión v7"
