"""Plans in the knowledge base: the one rule for the plan that represents a region, and plans
from typed text or an uploaded file (one cap, no silent truncation, one classification)."""
from __future__ import annotations

import pytest

from ingest.plans import Bottleneck, read_plan
from kb.db import connect
from kb.plan_input import (MAX_BOTTLENECK_CHARS, PlanInputError, bottleneck_lines, parse_weights, store_plan,
                           typed_plan, uploaded_plan)
from kb.plans import (MAX_BOTTLENECKS, PlanError, add_bottleneck, get_plan, plans_signature, region_plan, region_plans,
                      remove_bottleneck)
from kb.region_rows import region_rows
from kb.registry import load_registry

REG = load_registry()


def _plan(conn, region: str, texts: list[str], title: str):
    plan = typed_plan(texts, region=region, title=title, registry=REG)
    return store_plan(conn, plan, region, title=title, actor="test", registry=REG)


def test_the_representative_plan_of_a_region_with_two_plans(kb_copy):
    conn = connect(kb_copy)
    example = region_plan(conn, "drechtsteden")
    assert example is not None and example.example                  # the bundled example plan
    newer = _plan(conn, "drechtsteden", ["Er zijn te weinig stageplekken in de wijkverpleging."], "Plan 2025")
    # the most recently updated plan with bottlenecks represents the region, everywhere
    assert region_plan(conn, "drechtsteden").id == newer.id
    assert region_plans(conn)["drechtsteden"].id == newer.id
    row = next(r for r in region_rows(conn, REG) if r["id"] == "drechtsteden")
    assert row["plan"]["id"] == newer.id and row["plan"]["bottlenecks"] == 1
    # a plan without bottlenecks represents nothing: the region falls back to the other plan
    remove_bottleneck(conn, newer.bottlenecks[0].id, actor="test")
    assert region_plan(conn, "drechtsteden").id == example.id
    assert region_plans(conn)["drechtsteden"].id == example.id
    # a tie on the update time: the lowest plan id
    conn.execute("UPDATE plans SET updated_at = '2030-01-01T00:00:00Z' WHERE region_id = 'drechtsteden'")
    add_bottleneck(conn, newer.id, Bottleneck(text="Hoge werkdruk in de ggz"), actor="test")
    conn.execute("UPDATE plans SET updated_at = '2030-01-01T00:00:00Z' WHERE region_id = 'drechtsteden'")
    first = min(example.id, newer.id)
    assert region_plan(conn, "drechtsteden").id == first == region_plans(conn)["drechtsteden"].id
    assert region_plan(conn, "friesland") is None and "friesland" not in region_plans(conn)
    conn.close()


def test_the_plans_signature_changes_with_every_plan_change(kb_copy):
    conn = connect(kb_copy)
    before = plans_signature(conn)
    plan = region_plan(conn, "drechtsteden")
    add_bottleneck(conn, plan.id, Bottleneck(text="Te weinig begeleiders voor stagiairs"), actor="test")
    after_add = plans_signature(conn)
    remove_bottleneck(conn, get_plan(conn, plan.id).bottlenecks[-1].id, actor="test")
    assert len({before, after_add, plans_signature(conn)}) == 3
    conn.close()


def test_typed_bottlenecks_are_checked_and_classified_once(kb_copy):
    plan = typed_plan(["  Er zijn te weinig stageplekken\n in de wijkverpleging. ", "", "Hoge werkdruk in de ggz"],
                      [2.0, 1.0, 3.0], region="drechtsteden", registry=REG)
    assert [b.text for b in plan.bottlenecks] == ["Er zijn te weinig stageplekken in de wijkverpleging.",
                                                  "Hoge werkdruk in de ggz"]
    assert [b.weight for b in plan.bottlenecks] == [2.0, 3.0]
    assert "stages" in plan.bottlenecks[0].themes and plan.region_id == "drechtsteden"
    with pytest.raises(PlanInputError, match="Vul minstens één knelpunt in"):
        typed_plan([" ", ""], registry=REG)
    with pytest.raises(PlanInputError, match=f"U gaf {MAX_BOTTLENECKS + 1} knelpunten; de grens is {MAX_BOTTLENECKS}"):
        typed_plan([f"Knelpunt {i} over werkdruk" for i in range(MAX_BOTTLENECKS + 1)], registry=REG)
    with pytest.raises(PlanInputError, match="Knelpunt 2 is te lang"):
        typed_plan(["werkdruk", "x" * (MAX_BOTTLENECK_CHARS + 1)], registry=REG)
    assert len(typed_plan([f"Knelpunt {i} over werkdruk" for i in range(MAX_BOTTLENECKS)], registry=REG)
               .bottlenecks) == MAX_BOTTLENECKS


def test_form_input_helpers():
    assert bottleneck_lines("- Eén\n\n* Twee\r\n  • Drie  \n") == ["Eén", "Twee", "Drie"]
    assert parse_weights(["2,5", "", " 3 "], 4) == ([2.5, 1.0, 3.0, 1.0], None)
    weights, error = parse_weights(["nul", "200"], 2)
    assert weights == [1.0, 1.0] and "Gewicht 'nul' is ongeldig" in error


def _yaml_plan(n: int) -> bytes:
    lines = ["titel: Groot plan", "regio: Twente", "knelpunten:"]
    lines += [f"  - Er is een tekort aan personeel in team {i} van de wijkverpleging." for i in range(n)]
    return "\n".join(lines).encode()


def test_an_upload_over_the_cap_is_refused_not_cut_off():
    draft = read_plan(_yaml_plan(MAX_BOTTLENECKS + 5), "groot-plan.yaml", registry=REG)
    assert len(draft.bottlenecks) == MAX_BOTTLENECKS + 5
    with pytest.raises(PlanInputError) as info:
        uploaded_plan(draft, "twente")
    assert info.value.field == "bestand"
    assert str(info.value) == (f"Uit 'groot-plan.yaml' zijn {MAX_BOTTLENECKS + 5} knelpunten gehaald; de grens is "
                               f"{MAX_BOTTLENECKS}. Kies de belangrijkste knelpunten.")
    assert len(draft.bottlenecks) == MAX_BOTTLENECKS + 5                  # nothing dropped


def test_an_upload_keeps_the_classification_read_plan_made():
    draft = read_plan(_yaml_plan(3), "plan.yaml", registry=REG)
    plan = uploaded_plan(draft, "twente")
    assert all(a is b for a, b in zip(plan.bottlenecks, draft.bottlenecks)) and len(plan.bottlenecks) == 3
    assert plan.region_id == "twente" and plan.title == "Groot plan"


def test_storing_a_plan_needs_a_region_and_respects_the_cap(kb_copy):
    conn = connect(kb_copy)
    plan = typed_plan(["Hoge werkdruk in de ggz"], registry=REG)
    with pytest.raises(PlanError, match="Kies een regio"):
        store_plan(conn, plan, None, registry=REG)
    saved = store_plan(conn, plan, "friesland", title="", actor="test", registry=REG)
    assert saved.region_id == "friesland" and saved.title == "Ingevoerde knelpunten" and plan.region_id is None
    for i in range(MAX_BOTTLENECKS - 1):
        add_bottleneck(conn, saved.id, Bottleneck(text=f"Knelpunt {i}"), actor="test")
    with pytest.raises(PlanError, match=f"de grens is {MAX_BOTTLENECKS}"):
        add_bottleneck(conn, saved.id, Bottleneck(text="Nog een"), actor="test")
    conn.close()
