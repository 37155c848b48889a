"""The Spanish pack is the English one translated: the same keys, ids, numbers, pictures and
placeholders, only the patient's words changed; it keeps the clinical facts the English pack
is checked for, and makes none of the claims CONTENT_FACTS.md lists as unsupported."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from kiosk import resources
from kiosk.core.content import AREA_IDS, ContentPack, load_pack

#: Values that are not words: they must be the same in every language.
NOT_TRANSLATED = frozenset(
    {
        "id",
        "product",
        "image",
        "icon",
        "level",
        "flag",
        "pauses_treatment",
        "areas",
        "from_days",
        "to_days",
        "check_up",
        "version",
    }
)
#: Sections whose every value is a file name or a fixed word.
NOT_TRANSLATED_SECTIONS = frozenset({"pictures"})
#: Keys that must differ: what the pack says about itself.
OWN = frozenset({"meta.language", "meta.language_name", "meta.translated_by"})
PLACEHOLDER = re.compile(r"\{(\w+)\}")

#: CONTENT_FACTS.md "claims not to show", as Spanish patterns that must never appear.
UNSUPPORTED_ES = [
    r"permanente",
    r"(previene|evita|prevenir|evitar) (las )?(arrugas|líneas|el envejecimiento)",
    r"sin efectos secundarios",
    r"no (tiene|hay|da) efectos secundarios",
    r"100\s*%",
    r"(totalmente|completamente|muy) segur",
    r"no (puede|se puede) (extender|propagar|pasar a otr)",
    r"instantáne",
    r"resultados? inmediat",
    r"segur[oa] (en|durante) el embarazo",
    r"\bhuevo",
    r"18\s*(-|a|–)\s*65",
    r"(funciona mejor|dura más) cada vez",
    r"entrena (los|sus) músculos",
    r"(tono|textura|brillo) de la piel",
    r"1\s*(-|a|–)\s*3 días",
    r"(comprobado|probado|demostrado) que (evita|previene)",
]


def raw(language: str) -> dict[str, Any]:
    path = resources.content_dir() / language / "content.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def es() -> ContentPack:
    return load_pack(resources.content_dir() / "es")


def fixed(key: str, value: Any) -> bool:
    """A value that is not words (an id, a number, a picture), where translation keeps it."""
    name = key.rsplit(".", 1)[-1].split("[")[0]
    tables = isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(x, dict) for x in value)
    )
    in_table = "[" in key or key.startswith("meta.")  # not [progress] areas, a step's name
    if name in NOT_TRANSLATED and in_table and not tables:
        return True
    return key.split(".")[0] in NOT_TRANSLATED_SECTIONS


def differences(en: Any, es: Any, key: str = "") -> list[str]:
    """Where the Spanish pack's shape, fixed values or placeholders differ from English."""
    if isinstance(en, dict):
        own = {k for k in OWN if k.startswith(f"{key}.")}  # optional in English
        keys = {f"{key}.{k}".lstrip(".") for k in en} | own
        if not isinstance(es, dict) or keys != {f"{key}.{k}".lstrip(".") for k in es} | own:
            return [f"{key}: keys {sorted(set(en) ^ set(es or {}))}"]
        return [d for k in en for d in differences(en[k], es[k], f"{key}.{k}".lstrip("."))]
    if isinstance(en, list):
        if not isinstance(es, list) or len(en) != len(es):
            return [f"{key}: {len(en)} items in English, {len(es) if es else 0} here"]
        if fixed(key, en):
            return [] if en == es else [f"{key}: {es!r}, not {en!r}"]
        return [
            d
            for i, (a, b) in enumerate(zip(en, es, strict=True))
            for d in differences(a, b, f"{key}[{i}]")
        ]
    if key in OWN:
        return [] if en != es else [f"{key}: still {en!r}"]
    if fixed(key, en):
        return [] if en == es else [f"{key}: {es!r}, not {en!r}"]
    if isinstance(en, str):
        if not isinstance(es, str) or (en.strip() and not es.strip()):
            return [f"{key}: no text"]
        if set(PLACEHOLDER.findall(en)) != set(PLACEHOLDER.findall(es)):
            return [
                f"{key}: placeholders {PLACEHOLDER.findall(es)}, English has "
                f"{PLACEHOLDER.findall(en)}"
            ]
        return []
    return [] if en == es else [f"{key}: {es!r}, not {en!r}"]


def test_same_shape_ids_numbers_and_placeholders_as_english() -> None:
    assert differences(raw("en"), raw("es")) == []


def test_a_changed_id_or_a_lost_placeholder_is_found() -> None:
    """The comparison above can fail: a translation that renames an id or drops the clinic's
    phone from a sentence is named."""
    es = raw("es")
    es["consultation"]["screening"][0]["id"] = "alergia"
    es["aftercare"]["timeline"][3]["body"] = "Llame a la clínica."
    es["ui"]["weekdays"] = es["ui"]["weekdays"][:6]
    assert differences(raw("en"), es) == [
        "ui.weekdays: 7 items in English, 6 here",
        "consultation.screening[0].id: 'alergia', not 'allergy'",
        "aftercare.timeline[3].body: placeholders [], English has ['clinic_phone']",
    ]


def untranslated(en: Any, es: Any, key: str = "") -> list[str]:
    """Texts of more than two words that are the same in English and here."""
    if fixed(key, en):
        return []
    if isinstance(en, dict):
        return [d for k in en for d in untranslated(en[k], es[k], f"{key}.{k}".lstrip("."))]
    if isinstance(en, list):
        pairs = enumerate(zip(en, es, strict=True))
        return [d for i, (a, b) in pairs for d in untranslated(a, b, f"{key}[{i}]")]
    same = isinstance(en, str) and en == es and len(en.split()) > 2
    return [key] if same and key != "summary.footer" else []


def test_every_patient_text_is_translated() -> None:
    """No English sentence of more than two words left in the Spanish pack."""
    en, es = raw("en"), raw("es")
    assert untranslated(en, es) == []
    es["consultation"]["areas"][2]["expect"] = en["consultation"]["areas"][2]["expect"]
    es["side_effects"]["help"][1]["signs"][0]["text"] = en["side_effects"]["help"][1]["signs"][0][
        "text"
    ]
    assert untranslated(en, es) == [
        "consultation.areas[2].expect",
        "side_effects.help[1].signs[0].text",
    ]


def test_meta_is_a_draft_that_names_its_translator(es: ContentPack) -> None:
    assert (es.language, es.language_name) == ("es", "Español")
    assert "translat" in es.translated_by.lower() and "review" in es.translated_by.lower()
    assert es.reviewed_by == "" and es.reviewed_on is None  # no clinician has signed it off
    assert [a.id for a in es.areas] == list(AREA_IDS)


def test_days_and_months_in_spanish(es: ContentPack) -> None:
    assert es.items("ui.weekdays") == [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ]
    months = es.items("ui.months")
    assert months[0] == "enero" and months[11] == "diciembre" and len(months) == 12


def test_no_unsupported_claim_in_spanish() -> None:
    text = (resources.content_dir() / "es" / "content.toml").read_text(encoding="utf-8").lower()
    for pattern in UNSUPPORTED_ES:
        assert not re.search(pattern, text), pattern


@pytest.mark.parametrize(
    "claim",
    [
        "El efecto es permanente.",
        "Es un tratamiento sin efectos secundarios.",
        "Resultados inmediatos.",
        "Previene las arrugas.",
        "Es seguro durante el embarazo.",
    ],
)
def test_the_claim_patterns_catch_a_claim(claim: str) -> None:
    assert any(re.search(p, claim.lower()) for p in UNSUPPORTED_ES), claim


def test_the_clinical_facts_survive_translation(es: ContentPack) -> None:
    """What tests/test_clinical.py checks in English, in the Spanish words."""
    migraine = es.area("chronic_migraine").expect
    assert "15 días al mes o más" in migraine and "4 horas o más" in migraine
    assert "12 semanas" in migraine
    points = " ".join(es.items("benefits.points"))
    assert "medicamento con receta" in points and "cara a cara" in points
    assert "3 a 4 meses" in points and "6 meses" in points
    assert "No a todos les da el mismo resultado" in points
    assert "2 tratamientos" in points and "3 meses o más entre" in points
    off_label = es.t("benefits.off_label")
    assert "fuera de lo aprobado" in off_label and "lista de usos aprobados" in off_label
    approved = es.t("benefits.approved")
    for area in ("arrugas del ceño", "patas de gallo", "arrugas de la frente", "bandas del cuello"):
        assert area in approved
    do = " ".join(es.items("aftercare.do"))
    assert "Siga tomando las medicinas que le dio su médico" in do
    (driving,) = [d for d in es.items("aftercare.dont") if "maneje" in d]
    assert "señales" in driving and "ayuda" in driving
    review = next(e for e in es.timeline if e.id == "migraine_review")
    assert "En Inglaterra, el NHS" in review.body
    blood = next(q for q in es.screening if q.id == "blood_thinners")
    assert "Nunca deje una medicina para hacer la sangre más líquida" in blood.advice["yes"]
    pregnancy = next(q for q in es.screening if q.id == "pregnancy")
    assert "Nadie sabe" in pregnancy.why


def test_one_sign_per_level_in_the_same_order(es: ContentPack) -> None:
    en = load_pack(resources.content_dir() / "en")
    assert [(h.level, [s.id for s in h.signs]) for h in es.help] == [
        (h.level, [s.id for s in h.signs]) for h in en.help
    ]
    assert "{emergency_number}" in es.help[0].title


def test_keyboard_names_are_spanish(es: ContentPack) -> None:
    assert es.t("keyboard.done") == "Listo"
    assert es.t("keyboard.at") == "arroba"
    assert es.t("keyboard.capital", letter="Ñ") == "Ñ mayúscula"


@pytest.mark.parametrize(
    ("language", "long", "short"),
    [
        ("en", "Tuesday 1 December 2026", "1 December"),
        ("es", "martes, 1 de diciembre de 2026", "1 de diciembre"),
        ("ar", "الثلاثاء 1 ديسمبر 2026", "1 ديسمبر"),
    ],
)
def test_dates_are_written_in_each_language_s_own_order(
    language: str, long: str, short: str
) -> None:
    """The pack's ui.date and ui.day give the word order ("1 de diciembre de 2026"), not
    the English one with Spanish words."""
    import datetime as dt

    from kiosk.core.timeline import format_date, format_day

    pack = load_pack(resources.content_dir() / language)
    day = dt.date(2026, 12, 1)
    assert (format_date(pack, day), format_day(pack, day)) == (long, short)
