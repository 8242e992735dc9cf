"""The knowledge-gap map (issue 14) on a real copy of the knowledge base, the real index and
the real model: a bottleneck shared by two regions that nothing addresses is one gap listing
both; a matched bottleneck is no gap; publishing a practice that matches removes the gap."""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace

import numpy as np
import pytest

from index.store import load, sync
from kb.curation import create_entry, set_status
from kb.db import connect
from kb.plans import save_plan
from search.engine import Searcher
from search.gap_clustering import (GapClustering, cluster, distances, labelled_bottlenecks, labels_checksum,
                                   load_stored)
from search.gaps import cache_key, gap_map, gap_weight, gaps_like, region_gaps, shorten, GapBottleneck
from search.plans import plan_from_texts

SHARED = {"friesland": "In de mondzorg is er een groot tekort aan tandartsassistenten en mondhygiënisten.",
          "drenthe": "Tandartspraktijken vinden te weinig mondhygiënisten en tandartsassistenten."}
MATCHED = "Wijkverpleegkundigen zijn te veel tijd kwijt aan administratie en minutenregistratie."
PRACTICE = {
    "title": "Regionale opleidingsroute voor tandartsassistenten en mondhygiënisten", "type": "praktijk",
    "summary": "Tandartspraktijken in de regio leiden samen tandartsassistenten en mondhygiënisten op tegen het "
               "tekort in de mondzorg.",
    "body": ("Het tekort aan tandartsassistenten en mondhygiënisten in de mondzorg was groot. Tandartspraktijken in "
             "de regio startten samen een opleidingsroute: zij-instromers leren het vak van tandartsassistent in de "
             "praktijk, met een vaste praktijkopleider. Na een jaar waren alle vacatures voor tandartsassistenten "
             "vervuld en volgden tien assistenten de opleiding tot mondhygiënist."),
    "regions": ["friesland"]}


@pytest.fixture(scope="module")
def two_regions(kb_path, index_root, encoder, tmp_path_factory):
    """A copy of the knowledge base (and index) in which two regions without a plan get one:
    each a bottleneck about the dental-care shortage (no entry addresses it) in their own
    words, and one bottleneck an entry does address."""
    d = tmp_path_factory.mktemp("lacunes")
    src, out = sqlite3.connect(kb_path), sqlite3.connect(d / "kb.db")
    src.backup(out)
    src.close()
    out.close()
    shutil.copytree(index_root, d / "index")
    conn = connect(d / "kb.db")
    for rid, text in SHARED.items():
        save_plan(conn, replace(plan_from_texts([text, MATCHED], region=rid, title=f"Testplan {rid}"), id=f"test-{rid}"))
    searcher = Searcher(conn, load(d / "index", expected_model=encoder.model_id, conn=conn), encoder)
    yield {"conn": conn, "dir": d, "searcher": searcher, "map": gap_map(searcher, conn)}
    conn.close()


def _gaps_of(gm, region):
    return [g for g in gm.gaps if region in g.regions]


def test_a_bottleneck_two_regions_share_that_nothing_addresses_is_one_gap_listing_both(two_regions):
    gm = two_regions["map"]
    assert gm.decided and {"friesland", "drenthe"} <= set(gm.regions)
    fr, dr = _gaps_of(gm, "friesland"), _gaps_of(gm, "drenthe")
    assert len(fr) == 1 and fr == dr
    gap = fr[0]
    assert {(b.region, b.text) for b in gap.bottlenecks} >= {(r, t) for r, t in SHARED.items()}
    assert gap.regions.index("friesland") < gap.regions.index("drenthe")     # registry order
    assert gap.label in SHARED.values()          # the regions' own words, never invented
    assert gap.weight >= 2.0                     # two regions, each of average weight: 1 + 1 (see gap_weight)
    assert gap.nearest and all(n["fits"] is False for n in gap.nearest)
    d = gap.to_dict()
    assert set(d) >= {"id", "label", "bottlenecks", "regions", "themes", "weight", "nearest"}
    assert {"region": "drenthe", "text": SHARED["drenthe"]}.items() <= next(
        b for b in d["bottlenecks"] if b["region"] == "drenthe").items()
    section = region_gaps(gm, "friesland")
    assert [s["gap"] for s in section] == [gap]
    assert [b.text for b in section[0]["mine"]] == [SHARED["friesland"]]
    assert any(o["region"] == "drenthe" and SHARED["drenthe"] in o["texts"] for o in section[0]["others"])


def test_a_bottleneck_an_entry_matches_is_not_a_gap(two_regions):
    gm = two_regions["map"]
    texts = {b.text for g in gm.gaps for b in g.bottlenecks}
    assert MATCHED not in texts
    for rid in SHARED:      # counted in the overview, but not as a gap
        assert sum(c.bottlenecks for (r, _), c in gm.cells.items() if r == rid) >= 2
    assert gm.gap_bottlenecks == sum(len(g.bottlenecks) for g in gm.gaps) < gm.bottlenecks


def test_publishing_a_practice_that_matches_removes_the_gap(two_regions, encoder):
    conn, d, before = two_regions["conn"], two_regions["dir"], two_regions["searcher"]
    entry = create_entry(conn, PRACTICE, actor="test")
    set_status(conn, entry.id, "ter_review", actor="test")
    still = gap_map(before, conn)               # not published yet (and not indexed): the gap stays
    assert _gaps_of(still, "friesland")
    set_status(conn, entry.id, "gepubliceerd", actor="redacteur")      # four eyes: not the author
    sync(conn, encoder, d / "index")
    after = Searcher(conn, load(d / "index", expected_model=encoder.model_id, conn=conn), encoder)
    assert cache_key(after, conn) != cache_key(before, conn)
    gm = gap_map(after, conn)
    assert _gaps_of(gm, "friesland") == [] and _gaps_of(gm, "drenthe") == []
    assert not {t for g in gm.gaps for b in g.bottlenecks for t in [b.text]} & set(SHARED.values())
    assert gm.published == two_regions["map"].published + 1
    # no gap appears, and the other regions' gaps stay (the new practice may also answer a few of
    # them, or shift the corpus statistics the decision reads, but not erase the map)
    was = {(b.region, b.text) for g in two_regions["map"].gaps for b in g.bottlenecks}
    now = {(b.region, b.text) for g in gm.gaps for b in g.bottlenecks}
    others = {x for x in was if x[0] not in SHARED}
    assert now <= others and len(now) >= 0.8 * len(others), (len(now), len(others))


def test_a_checked_plans_bottleneck_is_told_which_gap_it_would_join(two_regions):
    gm, s = two_regions["map"], two_regions["searcher"]
    gap = _gaps_of(gm, "friesland")[0]
    joined, none = gaps_like(s, gm, ["Er zijn te weinig tandartsassistenten en mondhygiënisten in de mondzorg.",
                                     MATCHED])
    assert gap in joined and gap not in none


def test_the_stored_clustering_is_fitted_for_these_labels_and_this_model(encoder):
    items = labelled_bottlenecks()
    stored = load_stored(encoder.model_id, labels_checksum(items))
    assert stored is not None, ("corpus/gap_clustering.json hoort bij andere labels of een ander taalmodel: "
                                "'python -m search.gap_clustering --schrijf'")
    assert 0 < stored.threshold < 2 and stored.linkage in ("average", "complete", "single")
    assert stored.info["cv"]["splits"] > 0 and 0 <= stored.info["cv"]["f1"] <= 1


def test_the_bundled_map_keeps_each_labelled_gap_topic_together(searcher, conn):
    gm = gap_map(searcher, conn)
    assert gm.decided and gm.gaps and any(len(g.regions) >= 2 for g in gm.gaps)
    where = {(b.region, b.text): g.id for g in gm.gaps for b in g.bottlenecks}
    by_text = {}
    for g in gm.gaps:
        for b in g.bottlenecks:
            by_text.setdefault(b.text, set()).add(g.id)
    topics: dict[str, set] = {}
    for x in labelled_bottlenecks():
        if x["topic"] and x["text"] in by_text:
            topics.setdefault(x["topic"], set()).update(by_text[x["text"]])
    assert topics and all(len(ids) == 1 for ids in topics.values()), topics
    assert len(set(where.values())) == len(gm.gaps)
    assert [g.weight for g in gm.gaps] == sorted((g.weight for g in gm.gaps), reverse=True)


def test_weight_counts_each_region_once_relative_to_its_plan():
    def b(region, w):
        return GapBottleneck(region=region, region_name=region, plan="p", index=0, text="t", weight=w, themes=[],
                             branches=[])
    assert gap_weight([b("a", 1.0), b("b", 1.0)], {"a": 1.0, "b": 1.0}) == 2.0
    assert gap_weight([b("a", 1.0), b("a", 2.0)], {"a": 1.0}) == 2.0      # heaviest of region a only
    assert gap_weight([b("a", 2.0)], {"a": 4.0}) == 0.5


def test_clustering_groups_within_the_threshold_only():
    v = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]])
    d = distances(v)
    assert np.allclose(d, d.T) and np.allclose(np.diag(d), 0)
    labels = cluster(d, 0.1, "average")
    assert labels[0] == labels[1] != labels[2]
    assert len(set(GapClustering(threshold=1e-6, linkage="single", model_id="m",
                                 labels_checksum="x").cluster(v)[0])) == 3


def test_labels_are_cut_at_a_word_boundary():
    assert shorten("kort") == "kort"
    long = "woord " * 40
    s = shorten(long, 30)
    assert s.endswith(" …") and len(s) <= 32 and s[:-2] in long
