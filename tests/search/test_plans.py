"""Regional plans: bottleneck extraction in every format, matching, similar regions."""
from __future__ import annotations

import io
import json

import pytest
import yaml

from ingest.errors import IngestError
from ingest.plans import read_plan
from kb.plans import to_plan
from kb.db import connect
from kb.plans import Bottleneck, add_bottleneck, get_plan, list_plans, remove_bottleneck, save_plan, update_bottleneck
from search.plans import match_plan, plan_from_texts, profile, similar_regions, similarity
from tests.ingest.pdf_fixture import minimal_pdf

STATEMENTS = [
    "Er is een groot tekort aan wijkverpleegkundigen.",
    "Veel studenten vallen uit tijdens de opleiding tot verzorgende.",
    "De werkdruk in de verpleeghuizen is hoog en het ziekteverzuim stijgt.",
    "Er zijn te weinig stageplekken in de ouderenzorg.",
]
INTRO = "Dit plan beschrijft de aanpak van de regio."
AMBITION = "We willen het ziekteverzuim in 2025 met een procent verlagen."


def _docx(paragraphs: list[tuple[str, str]]) -> bytes:
    import docx
    d = docx.Document()
    for style, text in paragraphs:
        if style == "h":
            d.add_heading(text, level=2)
        elif style == "li":
            d.add_paragraph(text, style="List Bullet")
        else:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def plan_files() -> dict[str, bytes]:
    md = "\n\n".join(["# Regionaal plan", INTRO, "## Knelpunten", *[f"- {s}" for s in STATEMENTS],
                      "## Ambities", AMBITION]) + "\n"
    txt = "\n\n".join(["Regionaal plan", INTRO, "Knelpunten", *STATEMENTS, "Ambities", AMBITION]) + "\n"
    html = ("<html><head><title>Regionaal plan</title><script>var x = 'tekort';</script></head><body>"
            f"<h1>Regionaal plan</h1><p>{INTRO}</p><h2>Knelpunten</h2><ul>"
            + "".join(f"<li>{s}</li>" for s in STATEMENTS) + f"</ul><h2>Ambities</h2><p>{AMBITION}</p></body></html>")
    docx = _docx([("h", "Regionaal plan"), ("p", INTRO), ("h", "Knelpunten"), *[("li", s) for s in STATEMENTS],
                  ("h", "Ambities"), ("p", AMBITION)])
    pdf = minimal_pdf(["Regionaal plan", INTRO, "Knelpunten", *STATEMENTS, "Ambities", AMBITION])
    data = {"regio": "Drechtsteden", "knelpunten": [{"tekst": s, "gewicht": 1.0} for s in STATEMENTS]}
    return {"plan.md": md.encode(), "plan.txt": txt.encode("cp1252"), "plan.html": html.encode(),
            "plan.docx": docx, "plan.pdf": pdf, "plan.yaml": yaml.safe_dump(data, allow_unicode=True).encode(),
            "plan.json": json.dumps(data).encode()}


@pytest.mark.parametrize("name", sorted(plan_files()))
def test_every_format_yields_the_same_bottlenecks(name):
    draft = read_plan(plan_files()[name], name)
    assert [b.text for b in draft.bottlenecks] == STATEMENTS, name
    assert all(b.themes or b.branches for b in draft.bottlenecks)
    if name.endswith((".md", ".txt")):
        b = draft.bottlenecks[0]
        assert draft.text[b.start:b.end].startswith("Er is een groot tekort")     # the span cites the statement


def test_plan_without_bottlenecks_gets_a_dutch_message():
    with pytest.raises(IngestError, match="geen knelpunt herkend"):
        read_plan("# Jaarverslag\n\nHet was een mooi jaar met veel bijeenkomsten.\n".encode(), "verslag.md")
    with pytest.raises(IngestError, match="geen geldig"):
        read_plan(b"knelpunten: [oops", "lijst.yaml")


def test_bottlenecks_can_be_added_edited_weighted_and_removed(kb_copy):
    conn = connect(kb_copy)
    draft = read_plan(plan_files()["plan.md"], "plan.md")
    plan = save_plan(conn, to_plan(draft, "drechtsteden", plan_id="proefplan"))
    first = plan.bottlenecks[0]
    update_bottleneck(conn, first.id, weight=2.5, text="Er is een nijpend tekort aan wijkverpleegkundigen.")
    bid = add_bottleneck(conn, "proefplan", Bottleneck(text="Lange wachtlijsten in de ggz.", weight=1.5))
    remove_bottleneck(conn, plan.bottlenecks[1].id)
    after = get_plan(conn, "proefplan")
    texts = [b.text for b in after.bottlenecks]
    assert texts[0] == "Er is een nijpend tekort aan wijkverpleegkundigen." and after.bottlenecks[0].weight == 2.5
    assert "Lange wachtlijsten in de ggz." in texts and STATEMENTS[1] not in texts
    assert any(b.id == bid and b.origin == "user" for b in after.bottlenecks)
    events = [r[0] for r in conn.execute("SELECT action FROM audit_events WHERE entity = 'plan' ORDER BY id")]
    assert events[-3:] == ["bottleneck-edit", "bottleneck-add", "bottleneck-remove"]


def test_example_plans_are_loaded_and_marked(conn):
    plans = [p for p in list_plans(conn) if p.example]
    assert len({p.region_id for p in plans}) >= 8
    assert all("voorbeeld" in p.title.lower() or "illustratief" in p.title.lower() for p in plans)


def test_every_bottleneck_of_the_example_plans_gets_matches_or_is_reported_as_a_gap(conn, searcher):
    plans = [p for p in list_plans(conn) if p.example]
    gaps = 0
    for plan in plans:
        result = match_plan(searcher, plan)
        matched = {b["index"] for b in result.bottlenecks if b["matches"]}
        assert result.uncovered == [b["index"] for b in result.bottlenecks if b["gap"]], plan.id
        assert set(result.uncovered) | matched == set(range(len(plan.bottlenecks))), plan.id
        weights = [b.weight for b in plan.bottlenecks]
        assert result.coverage == pytest.approx(sum(weights[i] for i in matched) / sum(weights), abs=1e-3)
        for b in result.bottlenecks:
            assert b["gap"] or b["matches"]
            if b["gap"]:
                assert b["nearest"] and not any(n["fits"] for n in b["nearest"])
        for r in result.recommendations:
            assert r.type == "praktijk" and r.addresses and r.explanation["sentence"] and r.explanation["reason"]
            for a in r.addresses:
                assert r.id in result.bottlenecks[a["bottleneck"]]["matches"]
        assert all(r.type == "advies" for r in result.advice)
        gaps += len(result.uncovered)
    assert sum(len(p.bottlenecks) for p in plans) > gaps > 0


def test_practices_from_the_region_itself_are_marked(searcher):
    plan = plan_from_texts(["Er zijn te weinig stageplekken voor mbo- en hbo-studenten in de zorg."],
                           region="drechtsteden")
    result = match_plan(searcher, plan)
    marked = [r for r in result.recommendations if r.in_region]
    assert marked and all("drechtsteden" in r.regions for r in marked)
    assert "omdenken-met-nieuwe-stagevormen" in {r.id for r in marked}


def _plan(region, texts):
    return plan_from_texts(texts, region=region)


def test_similarity_is_symmetric_and_finds_the_reworded_plan(searcher):
    ggz = _plan("a", ["In de ggz is de werkdruk hoog en vallen medewerkers uit.",
                      "Er zijn veel moeilijk vervulbare vacatures voor psychiaters."])
    ggz_reworded = _plan("b", ["Medewerkers in de geestelijke gezondheidszorg raken overbelast en verzuimen.",
                               "Vacatures voor psychiaters blijven lang openstaan."])
    stages = _plan("c", ["Er zijn te weinig stageplekken voor studenten.",
                         "Veel leerlingen maken hun opleiding niet af."])
    pa, pb, pc = (profile(searcher, p) for p in (ggz, ggz_reworded, stages))
    assert similarity(pa, pb) == similarity(pb, pa)
    assert similarity(pa, pc) == similarity(pc, pa)
    assert similarity(pa, pb) > similarity(pa, pc)
    assert similarity(pb, pa) > similarity(pb, pc)


def test_similar_regions_explains_and_never_guesses(conn, searcher):
    plans = {p.region_id: p for p in list_plans(conn)}
    region = sorted(plans)[0]
    res = similar_regions(searcher, conn, region, k=3)
    assert res["has_plan"] and len(res["similar"]) == 3
    assert [r["score"] for r in res["similar"]] == sorted((r["score"] for r in res["similar"]), reverse=True)
    assert all(r["shared"]["statements"] for r in res["similar"])
    without = res["without_plan"]
    assert without and not set(without) & set(plans)
    none = similar_regions(searcher, conn, without[0])
    assert none["has_plan"] is False and none["similar"] == []
