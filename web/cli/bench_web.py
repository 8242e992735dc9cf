"""Server-side latency of the search page (GET /?q=...), for `praktijkwijzer bench`.

The app is created and warmed up (model, index, one search) first. Then each of ~40 Dutch
questions is requested once: a question the process has not seen before, so its vector is
encoded (the realistic case: a user types something new). Then the same questions again
(the page is served from the app's result cache: what paging and downloads cost).
The time is the app's own `Server-Timing: app;dur=...` (request in, response headers out),
which excludes the test client; the client-side time is reported beside it.
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

QUERIES = [
    "te weinig stageplekken in de wijkverpleging",
    "zij-instromers haken af tijdens de opleiding",
    "hoge werkdruk en verzuim in de ggz",
    "agressie tegen medewerkers in de jeugdzorg",
    "te veel tijd kwijt aan administratie",
    "herintreders terughalen naar de zorg",
    "jongeren kiezen niet voor een zorgopleiding",
    "studenten vallen uit in het eerste jaar",
    "vacatures voor verpleegkundigen zijn moeilijk vervulbaar",
    "personeel behouden in de ouderenzorg",
    "imago van werken in de zorg verbeteren",
    "begeleiding van stagiairs door werkbegeleiders",
    "inzet van technologie en e-health in de thuiszorg",
    "roosters en flexibel werken voor medewerkers",
    "grotere contracten en meer uren werken",
    "loopbaanbegeleiding voor zittend personeel",
    "tekort aan psychiaters en gz-psychologen",
    "regionale samenwerking tussen werkgevers en onderwijs",
    "nieuwe medewerkers vertrekken binnen een jaar",
    "zeggenschap van zorgprofessionals vergroten",
    "leiderschap en goed werkgeverschap",
    "praktijkleren en leerafdelingen in het ziekenhuis",
    "gehandicaptenzorg vindt geen begeleiders",
    "mensen uit de bijstand omscholen naar de zorg",
    "carrièreswitchers uit andere sectoren",
    "vergrijzing van het personeel in de regio",
    "taakherschikking tussen verpleegkundigen en artsen",
    "scholing en permanent leren voor medewerkers",
    "hoge uitstroom van jonge verpleegkundigen",
    "zorgrobots en domotica in verpleeghuizen",
    "minder regeldruk in de wijkverpleging",
    "voorlichting over beroepen in zorg en welzijn op het vmbo",
    "werving met een regionale campagne",
    "duurzame inzetbaarheid van oudere medewerkers",
    "combinatiebanen in zorg en onderwijs",
    "het sociaal domein kampt met wervingsproblemen",
    "gastlessen op scholen door zorgmedewerkers",
    "hybride docenten tussen onderwijs en praktijk",
    "stagefonds en stagevergoeding",
    "ziekteverzuim terugdringen met vitaliteitsprogramma",
]
WARMUP = ["opwarmen van de zoekfunctie", "werkdruk"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _server_ms(response) -> float:
    header = response.headers.get("server-timing", "")
    for part in header.split(","):
        name, _, rest = part.strip().partition(";")
        if name == "app" and rest.startswith("dur="):
            return float(rest[4:])
    raise RuntimeError("Server-Timing ontbreekt in het antwoord.")


def _stats(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1) if values else 0.0,
            "mean_ms": round(statistics.fmean(values), 1) if values else 0.0}


def run(db_path: str | os.PathLike, index_root: str | os.PathLike | None = None, *,
        queries: list[str] | None = None) -> dict:
    """Time GET /?q=... for each query (warm app). Returns server-side p50/p95 in ms."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from fastapi.testclient import TestClient

    from web.app import create_app
    queries = list(queries or QUERIES)
    app = create_app(Path(db_path), Path(index_root) if index_root else None)
    t0 = time.perf_counter()
    app.state.services.searcher()
    startup_s = time.perf_counter() - t0
    first_server, first_client, repeat_server = [], [], []
    with TestClient(app) as client:
        for q in WARMUP:
            client.get("/", params={"q": q})
        for q in queries:
            t = time.perf_counter()
            r = client.get("/", params={"q": q})
            first_client.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200 or 'id="resultaten-kop"' not in r.text:      # results or the empty state
                raise RuntimeError(f"Zoekpagina voor {q!r} gaf {r.status_code}.")
            first_server.append(_server_ms(r))
        for q in queries:
            repeat_server.append(_server_ms(client.get("/", params={"q": q})))
    out = {"queries": len(queries), **_stats(first_server),
           "client_p50_ms": round(percentile(first_client, 50), 1),
           "client_p95_ms": round(percentile(first_client, 95), 1),
           "repeat": _stats(repeat_server), "startup_s": round(startup_s, 2), "target_p95_ms": 100.0}
    out["meets_target"] = out["p95_ms"] <= out["target_p95_ms"]
    return out


if __name__ == "__main__":           # python -m web.cli.bench_web [DB]
    import json
    import sys

    from kb.paths import database_path
    print(json.dumps(run(database_path(sys.argv[1] if len(sys.argv) > 1 else None)), indent=2))
