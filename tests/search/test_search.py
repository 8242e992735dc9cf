"""Hybrid search: behaviour, not speed."""
from __future__ import annotations

import shutil

import pytest

from index.analysis import analyze
from index.store import IndexMismatch, build, load, read_current, sync
from kb.db import connect
from kb.entries import entry_text, get_entry, save_entry
from search.engine import Filters, QueryError, Searcher


def test_paraphrase_without_shared_words_finds_the_practice(searcher):
    query = "videotoezicht op cliënten wanneer het donker is"
    target = get_entry(searcher.conn, "camera-s-en-of-sensoren-tijdens-avond-nachtdienst")
    assert not set(analyze(query)) & set(analyze(entry_text(target))), "the query must share no words"
    ids = [r.id for r in searcher.search(query, k=10)]
    assert target.id in ids


def test_results_explain_themselves(searcher):
    res = searcher.search("te weinig stageplekken in de wijkverpleging", k=5)
    assert res
    top = res[0]
    e = top.explanation
    assert e["sentence"] and e["reason"].startswith("Gevonden omdat")
    assert "nr." not in e["reason"] and "stageplekken" in e["reason"]      # names the words, no internal ranks
    assert top.source["document_title"] and top.source["heading"] and e["citation"]
    with_hits = [r for r in res if r.explanation["highlights"]]
    assert with_hits
    r = with_hits[0]
    for a, b in r.explanation["highlights"]:
        assert r.explanation["sentence"][a:b].strip()


def test_filters_exclude_what_they_should(searcher):
    q = "meer studenten opleiden en stages verbeteren"
    assert {r.type for r in searcher.search(q, k=10, filters=Filters(type="advies"))} == {"advies"}
    regional = searcher.search(q, k=10, filters=Filters(regio="drechtsteden"))
    assert regional and all("drechtsteden" in r.regions for r in regional)
    themed = searcher.search(q, k=10, filters=Filters(thema="stages"))
    assert themed and all("stages" in r.themes for r in themed)
    assert all(r.label == "Koploper" for r in searcher.search(q, k=10, filters=Filters(label="Koploper")))
    assert searcher.search(q, k=10, filters=Filters(regio="drechtsteden", type="bouwsteen")) == []


def test_typo_and_compound_variants(searcher):
    a = [r.id for r in searcher.search("stageplaatsen", k=5, mode="lexical")]
    b = [r.id for r in searcher.search("stage plaatsen", k=5, mode="lexical")]
    assert set(a[:3]) & set(b[:3])
    z1 = [r.id for r in searcher.search("zij-instromers", k=5, mode="lexical")]
    z2 = [r.id for r in searcher.search("zijinstromers", k=5, mode="lexical")]
    assert "carriereswitchers-van-pluryn" in z1 and "carriereswitchers-van-pluryn" in z2
    typo = searcher.search("minutenregistartie", k=5, mode="lexical")
    assert typo and typo[0].id == "zorg-zonder-minutenregistratie"
    assert typo[0].explanation.corrections == {"minutenregistartie": "minutenregistratie"}
    assert "u typte ‘minutenregistartie’" in typo[0].explanation.reason


@pytest.mark.parametrize("query,fragment", [("", "Vul een knelpunt"), ("   \n ", "Vul een knelpunt"),
                                            ("x" * 10_000_000, "te lang"), ("?!", "geen woorden")])
def test_bad_queries_get_a_dutch_error(searcher, query, fragment):
    with pytest.raises(QueryError, match=fragment):
        searcher.search(query)


def test_diversity_spreads_results(searcher):
    q = "technologie en sensoren in de zorg"
    plain = searcher.search(q, k=8)
    diverse = searcher.search(q, k=8, diversity=0.7)
    assert len(diverse) == len(plain) and diverse[0].id == plain[0].id
    vec = lambda r: searcher.index.vectors[searcher.view.entry_chunk0[r.id]]   # noqa: E731
    def mean_sim(rs):
        import itertools
        pairs = list(itertools.combinations(rs, 2))
        return sum(float(vec(a) @ vec(b)) for a, b in pairs) / len(pairs)
    assert mean_sim(diverse) < mean_sim(plain)


def test_mismatched_manifest_is_refused(kb_copy, index_root, encoder, tmp_path):
    root = tmp_path / "idx"
    shutil.copytree(index_root, root)
    conn = connect(kb_copy)
    load(root, expected_model=encoder.model_id, conn=conn)          # matches
    with pytest.raises(IndexMismatch, match="reindex"):
        load(root, expected_model="een-ander-model", conn=conn)
    e = get_entry(conn, "zorg-zonder-minutenregistratie")
    e.body += " Aangevuld door een curator."
    save_entry(conn, e, actor="test")
    with pytest.raises(IndexMismatch, match="praktijkwijzer reindex"):
        load(root, expected_model=encoder.model_id, conn=conn)


def test_incremental_update_equals_full_rebuild(kb_copy, index_root, encoder, tmp_path):
    inc = tmp_path / "incrementeel"
    shutil.copytree(index_root, inc)
    conn = connect(kb_copy)
    e = get_entry(conn, "zorg-zonder-minutenregistratie")
    e.body = "De MeanderGroep in Zuid-Limburg schrapte de tijdregistratie van wijkverpleegkundigen volledig."
    save_entry(conn, e, actor="test")
    gone = get_entry(conn, "slimme-camera-s")
    gone.status = "gearchiveerd"
    save_entry(conn, gone, actor="test")
    manifest, changes = sync(conn, encoder, inc)
    assert changes == {"added": [], "updated": ["zorg-zonder-minutenregistratie"], "removed": ["slimme-camera-s"]}
    full = tmp_path / "volledig"
    build(conn, encoder, full)
    a = Searcher(conn, load(inc, expected_model=encoder.model_id, conn=conn), encoder)
    b = Searcher(conn, load(full, expected_model=encoder.model_id, conn=conn), encoder)
    assert a.index.manifest.n_vectors == b.index.manifest.n_vectors
    for q in ("tijdregistratie in de wijk afschaffen", "camera's in de nacht", "zij-instromers werven"):
        ra, rb = a.search(q, k=10), b.search(q, k=10)
        assert [r.id for r in ra] == [r.id for r in rb], q
        # vectors encoded in other batches differ in the last float digits, nothing more
        assert [r.score for r in ra] == pytest.approx([r.score for r in rb], abs=1e-3), q
    assert "slimme-camera-s" not in [r.id for r in a.search("slimme camera's", k=20)]


def test_a_crash_while_writing_leaves_the_live_index_intact(index_root, encoder, kb_path, tmp_path):
    root = tmp_path / "idx"
    shutil.copytree(index_root, root)
    live = read_current(root)
    (root / ".gen-999999.half").mkdir()                              # what a killed writer leaves
    (root / ".gen-999999.half" / "vectors.npy").write_bytes(b"half")
    conn = connect(kb_path)
    idx = load(root, expected_model=encoder.model_id, conn=conn)
    assert idx.generation == live


def test_candidates_are_exactly_what_a_full_search_ranks(searcher):
    for q, f in (("te weinig stageplekken in de wijk", Filters()), ("agressie", Filters(type="advies")),
                 ("minutenregistratie", Filters(thema="administratieve-lasten"))):
        ranked = [r.id for r in searcher.search(q, k=1000, filters=f)]
        assert ranked and sorted(searcher.candidates(q, filters=f)) == sorted(ranked), q


def test_spelling_corrections_never_come_from_unpublished_entries(kb_copy, index_root, encoder, tmp_path):
    from kb.curation import create_entry
    root = tmp_path / "idx"
    shutil.copytree(index_root, root)
    conn = connect(kb_copy)
    create_entry(conn, {"title": "Kangoeroezorg op Ameland", "type": "praktijk",
                        "body": "Verpleegkundigen werken om de beurt een week in de kangoeroezorg."}, actor="test")
    sync(conn, encoder, root)
    s = Searcher(conn, load(root, expected_model=encoder.model_id, conn=conn), encoder)
    public = s.search("kangoerozorg", k=5, mode="lexical")
    assert not any("kangoeroezorg" in r.explanation["reason"] for r in public)
    everything = s.search("kangoerozorg", k=5, mode="lexical", filters=Filters(status=None))
    assert everything and everything[0].id == "kangoeroezorg-op-ameland"
    assert everything[0].explanation.corrections == {"kangoerozorg": "kangoeroezorg"}


def test_searches_from_many_threads_equal_searches_one_at_a_time(searcher):
    """The Searcher keeps no per-query state: concurrent searches (other filters, pages and
    the batch call mixed) give exactly what the same searches give one after another."""
    from concurrent.futures import ThreadPoolExecutor
    jobs = [("te weinig stageplekken in de wijkverpleging", Filters(), 0),
            ("werkdruk en verzuim in de ggz", Filters(type="praktijk"), 0),
            ("zij-instromers werven", Filters(), 5),
            ("minutenregistartie afschaffen", Filters(thema="administratieve-lasten"), 0),
            ("agressie van cliënten", Filters(type="advies"), 0),
            ("nachtdiensten in het verpleeghuis", Filters(), 3)] * 3
    searcher.clear_caches()

    def run(job):
        q, f, offset = job
        return [r.to_dict() for r in searcher.search(q, k=5, filters=f, offset=offset)]

    def exact(rs):          # everything but the floats computed with BLAS
        return [{k: v for k, v in r.items() if k not in ("score", "relevance", "explanation")}
                | {"explanation": {k: v for k, v in r["explanation"].items() if k != "dense_similarity"}} for r in rs]

    def floats(rs):
        return [x for r in rs for x in (r["score"], r["relevance"])]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(run, jobs))
        batch = pool.submit(searcher.search_many, [j[0] for j in jobs[:6]], Filters(), 5).result()
    searcher.clear_caches()
    serial = [run(j) for j in jobs]
    for job, a, b in zip(jobs, parallel, serial):
        # BLAS may sum in another order when threads run at once: the last digits may differ
        assert exact(a) == exact(b), job
        assert floats(a) == pytest.approx(floats(b), abs=1e-3), job
    assert [[r.id for r in rs] for rs in batch] == [[r.id for r in searcher.search(q, k=5)] for q, _, _ in jobs[:6]]


def test_no_candidate_at_all_is_a_decided_nothing_matches(searcher):
    # no entry has status 'concept' in the bundled knowledge base: the ranking is empty, and
    # with a fitted model that is "nothing matches", not "no model" (which would show everything)
    assert not any(e.status == "concept" for e in searcher.entries.values())
    page = searcher.find("te weinig stageplekken in de wijkverpleging", filters=Filters(status="concept"))
    assert page.decided and page.total == 0 and page.results == [] and page.nearest == []
