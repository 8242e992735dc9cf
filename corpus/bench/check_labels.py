"""Check the labelled sets in corpus/bench against the knowledge base the pipeline builds.

    .venv/bin/python corpus/bench/check_labels.py [--db PATH]

Without --db the bundled corpus (sources and example plans) is ingested into a temporary
database. Exit code 1 on any error. Checked:
- every {type, title} reference resolves (search.bench.resolve) to the entry it names;
- every grade is 1 or 2, `beleid` is never grade 2, every positive question has a grade-2 answer,
  and no question names the same entry twice;
- negatives (negatives.yaml and the `negatives` of holdout.yaml) have no relevant entries, a known
  `kind`, and grep terms whose recorded hit counts equal a fresh count over corpus/sources/;
  a term with hits needs a `note`;
- plan_pairs.yaml lists every bottleneck of the example plans exactly once, verbatim as extracted;
  a `gap: true` pair has no relevant entries and a `topic`;
- no question text appears twice across the files.
Warnings (not errors): a question that shares three consecutive content words with the title of
one of its relevant entries (a possible title leak).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parents[1]
sys.path.insert(0, str(ROOT))

from kb.db import connect  # noqa: E402
from kb.loader import ingest  # noqa: E402
from kb.entries import list_entries  # noqa: E402
from search.bench import resolve  # noqa: E402

KINDS = {"buiten-bereik", "kennislacune", "onzin"}
STOP = set("de het een en of van in op te voor met aan door om bij naar is zijn er die dat niet wat we ons onze "
           "hoe als ook".split())


def source_texts() -> list[str]:
    files = [p for p in sorted((ROOT / "corpus" / "sources").iterdir()) if p.name != "SOURCES.md"]
    return [p.read_text(encoding="utf-8").lower() for p in files]


def content_words(s: str) -> list[str]:
    s = "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))
    return [w for w in re.findall(r"[a-z0-9]+", s) if w not in STOP]


class Checker:
    def __init__(self, conn):
        self.conn = conn
        self.entries = {e.id: e for e in list_entries(conn)}
        self.texts = source_texts()
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.queries: Counter = Counter()

    def refs(self, qid: str, text: str, refs: list[dict], *, need_answer: bool) -> None:
        try:
            ids = resolve(self.conn, refs)
        except ValueError as exc:
            self.errors.append(f"{qid}: {exc}")
            return
        for ref, eid in zip(refs, ids):
            entry, title = self.entries[eid], ref["title"]
            named = (entry.title == title or entry.title.startswith(title + ":")) if ref.get("type") == "bouwsteen" \
                else entry.title.startswith(title)
            if not named:
                self.errors.append(f"{qid}: {title!r} verwijst naar {entry.title!r}")
            if ref.get("grade") not in (1, 2):
                self.errors.append(f"{qid}: {title!r} heeft graad {ref.get('grade')!r} (1 of 2)")
            if entry.type == "beleid" and ref.get("grade") == 2:
                self.errors.append(f"{qid}: beleid {title!r} heeft graad 2 (beleid is hoogstens 1)")
            tw, qw = content_words(entry.title), " ".join(content_words(text))
            leak = next((" ".join(tw[i:i + 3]) for i in range(len(tw) - 2) if " ".join(tw[i:i + 3]) in qw), None)
            if leak:
                self.warnings.append(f"{qid}: deelt '{leak}' met de titel {entry.title[:60]!r}")
        for eid, n in Counter(ids).items():
            if n > 1:
                self.errors.append(f"{qid}: noemt {eid} twee keer")
        if need_answer and not any(r.get("grade") == 2 for r in refs):
            self.errors.append(f"{qid}: geen antwoord met graad 2")

    def positives(self, name: str, items: list[dict]) -> None:
        self._ids(name, items)
        for q in items:
            self.queries[q["query"].strip().lower()] += 1
            self.refs(q["id"], q["query"], q["relevant"], need_answer=True)

    def negatives(self, name: str, items: list[dict]) -> None:
        self._ids(name, items)
        for q in items:
            qid = q["id"]
            self.queries[q["query"].strip().lower()] += 1
            if q.get("relevant"):
                self.errors.append(f"{qid}: een negatieve vraag heeft relevante items")
            if q.get("kind") not in KINDS:
                self.errors.append(f"{qid}: onbekende kind {q.get('kind')!r}")
            checked = q.get("checked") or {}
            if q.get("kind") != "onzin" and not checked:
                self.errors.append(f"{qid}: geen gecontroleerde zoektermen (checked)")
            for term, n in checked.items():
                got = sum(t.count(str(term).lower()) for t in self.texts)
                if got != n:
                    self.errors.append(f"{qid}: {term!r} komt {got} keer voor in de bronnen, het bestand zegt {n}")
                if got and not q.get("note"):
                    self.errors.append(f"{qid}: {term!r} komt voor in de bronnen, maar de vraag heeft geen note")
            for field in ("context", "nearest_not_fitting"):
                if q.get(field):
                    self.refs(qid, q["query"], q[field], need_answer=False)

    def plan_pairs(self, pairs: list[dict]) -> None:
        self._ids("plan_pairs.yaml", pairs)
        rows = self.conn.execute("SELECT b.plan_id, b.text FROM bottlenecks b JOIN plans p ON p.id = b.plan_id "
                                 "WHERE p.example = 1").fetchall()
        extracted = {(r[0], r[1]) for r in rows}
        seen = Counter((p["plan"], p["knelpunt"]) for p in pairs)
        for p in pairs:
            key = (p["plan"], p["knelpunt"])
            if seen[key] > 1:
                self.errors.append(f"{p['id']}: knelpunt staat er twee keer in")
            if key not in extracted:
                self.errors.append(f"{p['id']}: geen knelpunt van {p['plan']} zoals ingelezen: {p['knelpunt'][:60]!r}")
            if p.get("gap"):
                if p["relevant"]:
                    self.errors.append(f"{p['id']}: kennislacune met relevante items")
                if not p.get("topic"):
                    self.errors.append(f"{p['id']}: kennislacune zonder topic")
                for field in ("context", "nearest_not_fitting"):
                    if p.get(field):
                        self.refs(p["id"], p["knelpunt"], p[field], need_answer=False)
            else:
                self.refs(p["id"], p["knelpunt"], p["relevant"], need_answer=True)
        for plan, text in sorted(extracted - set(seen)):
            self.errors.append(f"plan_pairs.yaml mist een knelpunt van {plan}: {text[:60]!r}")

    def _ids(self, name: str, items: list[dict]) -> None:
        for i, n in Counter(q["id"] for q in items).items():
            if n > 1:
                self.errors.append(f"{name}: id {i} komt twee keer voor")


def load(name: str) -> dict:
    path = BENCH / name
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def run(conn) -> tuple[Checker, dict]:
    c = Checker(conn)
    summary: dict = {}
    dev, neg, hold, pairs = load("devset.yaml"), load("negatives.yaml"), load("holdout.yaml"), load("plan_pairs.yaml")
    c.positives("devset.yaml", dev.get("queries", []))
    c.negatives("negatives.yaml", neg.get("queries", []))
    c.positives("holdout.yaml", hold.get("queries", []))
    c.negatives("holdout.yaml", hold.get("negatives", []))
    c.plan_pairs(pairs.get("pairs", []))
    for text, n in c.queries.items():
        if n > 1:
            c.errors.append(f"vraag staat er {n} keer in: {text!r}")
    grades = Counter(r["grade"] for q in dev.get("queries", []) for r in q["relevant"])
    summary["devset.yaml"] = {"positives": len(dev.get("queries", [])), "grade 2": grades[2], "grade 1": grades[1]}
    summary["negatives.yaml"] = dict(Counter(q["kind"] for q in neg.get("queries", [])))
    summary["holdout.yaml"] = {"positives": len(hold.get("queries", [])),
                               "negatives": dict(Counter(q["kind"] for q in hold.get("negatives", [])))}
    gaps = [p for p in pairs.get("pairs", []) if p.get("gap")]
    topics: dict[str, set] = {}
    for p in gaps:
        topics.setdefault(p["topic"], set()).add(p["plan"])
    summary["plan_pairs.yaml"] = {"pairs": len(pairs.get("pairs", [])), "gaps": len(gaps),
                                  "gap topics in 2+ plans": sorted(t for t, v in topics.items() if len(v) > 1)}
    return c, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Controleer de gelabelde sets in corpus/bench tegen de kennisbank.")
    ap.add_argument("--db", help="een bestaande kennisbank (standaard: de meegeleverde bronnen in een tijdelijke kennisbank inlezen)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            conn = connect(args.db)
        else:
            conn = connect(Path(tmp) / "kb.db")
            ingest(conn)
        checker, summary = run(conn)
        conn.close()
    for w in checker.warnings:
        print("waarschuwing:", w)
    for e in checker.errors:
        print("FOUT:", e)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    print(f"{len(checker.errors)} fouten, {len(checker.warnings)} waarschuwingen")
    return 1 if checker.errors else 0


if __name__ == "__main__":
    sys.exit(main())
