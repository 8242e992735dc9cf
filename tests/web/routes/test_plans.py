"""Plan toetsen: typed and uploaded plans, editing and re-matching, the cap on bottlenecks,
storing a plan only on a curator's request."""
from __future__ import annotations

import re
from pathlib import Path

from tests.web.html_check import check_accessible, get

ROOT = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- plan toetsen

def _plan_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM plans").fetchone()[0]


def test_plan_form_paste_edit_and_rematch(client, conn):
    r = get(client, "/plan-toetsen")
    check_accessible(r.text)
    before = _plan_count(conn)
    text = "- Er zijn te weinig stageplekken in de wijkverpleging.\n\n* Door de hoge werkdruk valt personeel in de ggz uit.\n"
    r = client.post("/plan-toetsen", data={"knelpunten": text, "regio": "drechtsteden"})
    assert r.status_code == 200, r.text[:500]
    p = check_accessible(r.text)
    areas = re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert areas == ["Er zijn te weinig stageplekken in de wijkverpleging.",
                     "Door de hoge werkdruk valt personeel in de ggz uit.", ""]
    assert len(re.findall(r'name="gewicht"', r.text)) == 3
    assert '<option value="drechtsteden" selected>' in r.text
    groups = [t for lvl, t in p.headings if lvl == 3 and re.match(r"K\d ", t)]
    assert groups == ["K1 Er zijn te weinig stageplekken in de wijkverpleging.",
                      "K2 Door de hoge werkdruk valt personeel in de ggz uit."]
    assert "Aanbevelingen downloaden (CSV)" in r.text
    # edit: drop the first bottleneck, add one with a higher weight
    r = client.post("/plan-toetsen", data={"knelpunt": ["", "Door de hoge werkdruk valt personeel in de ggz uit.",
                                                        "Agressie tegen medewerkers in de jeugdhulp"],
                                           "gewicht": ["1", "1", "3"], "regio": ""})
    assert r.status_code == 200
    areas = re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert areas[:2] == ["Door de hoge werkdruk valt personeel in de ggz uit.", "Agressie tegen medewerkers in de jeugdhulp"]
    assert 'id="gewicht-2" name="gewicht" type="number" min="0.1" max="100" step="0.1" value="3"' in r.text
    r = client.post("/plan-toetsen", data={"knelpunt": ["werkdruk"], "gewicht": ["nul"]})
    assert r.status_code == 422 and "Gewicht &#39;nul&#39; is ongeldig" in r.text
    r = client.post("/plan-toetsen", data={"knelpunten": "\n  \n"})
    assert r.status_code == 422 and "Vul minstens één knelpunt in" in r.text
    csv_r = client.post("/plan-toetsen", data={"knelpunt": ["werkdruk in de ggz"], "gewicht": ["1"], "formaat": "csv"})
    assert csv_r.headers["content-type"].startswith("text/csv") and "dekking;" in csv_r.text
    assert "knelpunt;K1;werkdruk in de ggz" in csv_r.text
    assert _plan_count(conn) == before, "nothing is stored unless the user asks"


def test_plan_upload_extracts_bottlenecks_without_storing(client, conn):
    before = _plan_count(conn)
    data = (ROOT / "corpus" / "plans" / "twente-voorbeeld.md").read_bytes()
    r = client.post("/plan-toetsen", files={"bestand": ("mijn-plan.md", data, "text/markdown")})
    assert r.status_code == 200, r.text[:500]
    check_accessible(r.text)
    assert "Uit <strong>mijn-plan.md</strong>" in r.text
    areas = [a for a in re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S) if a]
    assert len(areas) >= 3 and any("gehandicaptenzorg" in a for a in areas)
    assert '<option value="twente" selected>' in r.text            # the plan names its region
    assert "Aanbevolen praktijken per knelpunt" in r.text
    assert _plan_count(conn) == before


def test_plan_is_saved_only_on_request_by_a_curator(writable_app):
    import re as _re

    from fastapi.testclient import TestClient

    from kb.plans import region_plan
    from kb.users import create_user
    services = writable_app.state.services
    create_user(services.conn(), "cora", "een-lang-wachtwoord-2026", "curator", actor="test")
    typed = {"knelpunt": ["Er is een tekort aan wijkverpleegkundigen.", "Studenten vallen uit tijdens de opleiding."],
             "gewicht": ["2", "1"], "opslaan": "ja", "regio": "friesland", "titel": "Plan Friesland 2025"}
    with TestClient(writable_app) as anonymous:                     # anonymous visitors store nothing
        assert 'name="opslaan"' not in anonymous.get("/plan-toetsen").text
        r = anonymous.post("/plan-toetsen", data=typed)
        assert r.status_code == 200 and "Alleen een ingelogde curator" in r.text
        assert "Aanbevolen praktijken per knelpunt" in r.text     # the match itself is shown
        assert region_plan(services.conn(), "friesland") is None
    with TestClient(writable_app) as c:
        page = c.get("/beheer/inloggen").text
        csrf = _re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = c.post("/beheer/inloggen", data={"gebruikersnaam": "cora", "wachtwoord": "een-lang-wachtwoord-2026",
                                             "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        form = c.get("/plan-toetsen").text
        assert 'name="opslaan"' in form
        csrf = _re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        r = c.post("/plan-toetsen", data=typed | {"csrf_token": "vervalst"})
        assert "Het formulier is verlopen of ongeldig" in r.text and region_plan(services.conn(), "friesland") is None
        r = c.post("/plan-toetsen", data=typed | {"regio": "", "csrf_token": csrf})
        assert r.status_code == 200 and "Kies een regio om het plan op te slaan" in r.text
        r = c.post("/plan-toetsen", data=typed | {"csrf_token": csrf})
        assert r.status_code == 200 and "is opgeslagen bij Friesland" in r.text
        plan = region_plan(services.conn(), "friesland")
        assert plan.title == "Plan Friesland 2025" and [b.weight for b in plan.bottlenecks] == [2.0, 1.0]
        page = c.get("/regios/friesland").text
        assert "Nog geen plan bekend" not in page
        assert re.search(r"K2</span> Studenten vallen uit tijdens de opleiding\.", page)
        assert c.get("/api/regions/friesland/recommendations").json()["has_plan"] is True
        data = (ROOT / "corpus" / "plans" / "twente-voorbeeld.md").read_bytes()
        r = c.post("/plan-toetsen", data={"regio": "drenthe", "opslaan": "ja", "csrf_token": csrf},
                   files={"bestand": ("drenthe-plan.md", data, "text/markdown")})
        assert r.status_code == 200 and "is opgeslagen bij Drenthe" in r.text
        stored = region_plan(services.conn(), "drenthe")
        assert stored.source == "drenthe-plan.md" and len(stored.bottlenecks) >= 3 and stored.text
    events = [r[0] for r in services.conn().execute(
        "SELECT actor FROM audit_events WHERE action = 'plan-save' AND entity_id LIKE 'friesland%'")]
    assert events == ["cora"]


# ---------------------------------------------------------------- honest matching (issue 10)

MATCHQ = "Pluryn carrièreswitchers omscholing zij-instromers"
NONSENSE = "xyzzy flurp blorg"
OMDENKEN = "Omdenken met nieuwe stagevormen: ROC's en zorginstellingen werken samen aan meer stageplekken"


def _groups(text: str) -> dict[str, str]:
    """Each bottleneck's section on the page, by its label (K1, K2, ...)."""
    return {m.group(1): m.group(0) for m in
            re.finditer(r'<section class="knelpuntgroep[^"]*" aria-labelledby="groep-\d+">.*?'
                        r'<span class="knelpuntnummer">(K\d+)</span>.*?</section>', text, re.S)}


def test_a_bottleneck_nothing_addresses_is_shown_as_a_gap(client):
    r = get(client, "/plan-toetsen", params=[("knelpunt", MATCHQ), ("knelpunt", NONSENSE)])
    p = check_accessible(r.text)
    assert "de kennisbank heeft iets passends voor 1 van de 2 knelpunten (gewogen 50%)" in r.text
    assert "Voor knelpunt K2 is er geen passende praktijk in de kennisbank." in r.text
    groups = _groups(r.text)
    assert set(groups) == {"K1", "K2"}
    assert "/items/carriereswitchers-van-pluryn" in groups["K1"] and "Geen passende praktijk" not in groups["K1"]
    assert re.search(r'label--(sterk|mogelijk)">(Sterke|Mogelijke) match</span> <span class="zekerheid">zekerheid \d+%',
                     groups["K1"])
    gap = groups["K2"]
    assert "knelpuntgroep--lacune" in gap and "Geen passende praktijk in de kennisbank." in gap
    assert "Niet passend, wel het dichtstbij:" in gap
    near = re.findall(r'<li><a href="(/items/[^"]+)">[^<]+</a> <span class="label label--geen">Niet passend</span></li>',
                      gap)
    assert 1 <= len(near) <= 3 and "/items/carriereswitchers-van-pluryn" not in gap.split("Niet passend, wel")[0]
    mail = p.link("meld het bij het Actie Leer Netwerk")
    assert mail.startswith("mailto:") and "xyzzy%20flurp%20blorg" in mail and "Pluryn" not in mail
    for section in ("letop-kop", "adviezen-kop", "bouwstenen-kop"):   # "helpt bij" names only matched bottlenecks
        block = re.search(rf'<section aria-labelledby="{section}".*?</section>', r.text, re.S).group(0)
        assert "K2" not in " ".join(re.findall(r"<strong>Helpt bij:</strong>([^<]*)", block))


def test_only_a_practice_from_the_region_is_badged_al_in_uw_regio(client):
    own = get(client, "/plan-toetsen", params={"knelpunt": OMDENKEN, "regio": "drechtsteden"}).text
    other = get(client, "/plan-toetsen", params={"knelpunt": OMDENKEN, "regio": "groningen"}).text
    none = get(client, "/plan-toetsen", params={"knelpunt": OMDENKEN}).text
    card = r'<a href="/items/omdenken-met-nieuwe-stagevormen">'
    assert card in own and card in other and card in none
    assert own.count("Al in uw regio") >= 1
    assert "Al in uw regio" not in other and "Al in uw regio" not in none
    body = client.post("/api/match", json={"bottlenecks": [OMDENKEN, MATCHQ], "region": "drechtsteden"}).json()
    badged = {r["id"]: r for r in body["recommendations"] if r["in_region"]}
    assert "omdenken-met-nieuwe-stagevormen" in badged
    assert all("drechtsteden" in r["regions"] for r in badged.values())
    assert not any(r["in_region"] for r in body["recommendations"] if "drechtsteden" not in r["regions"])


# ---------------------------------------------------------------- one cap, one classification

def _yaml_plan(texts: list[str]) -> bytes:
    return ("titel: Groot plan\nregio: Twente\nknelpunten:\n" + "".join(f"  - {t}\n" for t in texts)).encode()


def test_an_upload_over_the_cap_is_refused_and_every_bottleneck_kept_to_choose_from(client):
    from kb.plans import MAX_BOTTLENECKS
    texts = [f"Er is een tekort aan personeel in team {i} van de wijkverpleging." for i in range(MAX_BOTTLENECKS + 5)]
    r = client.post("/plan-toetsen", files={"bestand": ("groot-plan.yaml", _yaml_plan(texts), "application/yaml")})
    assert r.status_code == 422
    check_accessible(r.text)
    assert (f"Uit &#39;groot-plan.yaml&#39; zijn {MAX_BOTTLENECKS + 5} knelpunten gehaald; de grens is "
            f"{MAX_BOTTLENECKS}.") in r.text
    areas = [a for a in re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S) if a]
    assert areas == texts                                           # nothing cut off: the user chooses
    assert "Aanbevolen praktijken per knelpunt" not in r.text and '<option value="twente" selected>' in r.text
    chosen = client.post("/plan-toetsen", data={"knelpunt": texts[:MAX_BOTTLENECKS],
                                                "gewicht": ["1"] * MAX_BOTTLENECKS, "regio": "twente"})
    assert chosen.status_code == 200 and "Aanbevolen praktijken per knelpunt" in chosen.text
    typed = client.post("/plan-toetsen", data={"knelpunten": "\n".join(texts)})
    assert typed.status_code == 422 and f"U gaf {MAX_BOTTLENECKS + 5} knelpunten; de grens is {MAX_BOTTLENECKS}" \
        in typed.text


def test_an_uploaded_plan_is_classified_once(client, monkeypatch):
    import ingest.plans
    import kb.plan_input
    calls: list[str] = []
    real = ingest.plans.classify_bottleneck

    def counting(text, registry):
        calls.append(text)
        return real(text, registry)
    monkeypatch.setattr(ingest.plans, "classify_bottleneck", counting)
    monkeypatch.setattr(kb.plan_input, "classify_bottleneck", counting)
    texts = ["Het ziekteverzuim onder thuiszorgmedewerkers in de kop van de regio stijgt.",
             "Er zijn te weinig praktijkopleiders voor de nieuwe zij-instromers in de ouderenzorg.",
             "Werkgevers in de gehandicaptenzorg vinden geen nachtdienstmedewerkers."]
    r = client.post("/plan-toetsen", files={"bestand": ("drie.yaml", _yaml_plan(texts), "application/yaml")})
    assert r.status_code == 200 and "Aanbevolen praktijken per knelpunt" in r.text
    assert sorted(calls) == sorted(texts)                           # each bottleneck exactly once
