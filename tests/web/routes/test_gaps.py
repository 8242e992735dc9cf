"""The knowledge-gap map on the web (issue 14): /kennislacunes, /api/lacunes, downloads, the
region page's section, the beheer dashboard and the concept prefill, the plan report; and the
CLI `praktijkwijzer lacunes`. All on the real knowledge base, index and model."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html import unescape

import pytest
from fastapi.testclient import TestClient

from kb.db import connect
from kb.users import create_user
from tests.web.html_check import check_accessible, get
from web.templating import templates

PW = "Lacunes-kaart-2024!"


@pytest.fixture(scope="module")
def api_map(client):
    r = client.get("/api/lacunes")
    assert r.status_code == 200, r.text
    return r.json()


def test_the_api_lists_the_gaps_heaviest_first_in_the_agreed_shape(api_map):
    gaps = api_map["gaps"]
    assert api_map["decided"] and gaps
    for g in gaps:
        assert {"id", "label", "bottlenecks", "regions", "themes", "weight", "nearest"} <= set(g)
        assert g["bottlenecks"] and all({"region", "text"} <= set(b) for b in g["bottlenecks"])
        assert g["regions"] == list(dict.fromkeys(b["region"] for b in g["bottlenecks"]))
        assert all(n["fits"] is False for n in g["nearest"])
    assert [g["weight"] for g in gaps] == sorted((g["weight"] for g in gaps), reverse=True)
    assert any(len(g["regions"]) >= 2 for g in gaps)
    assert api_map["gap_bottlenecks"] == sum(len(g["bottlenecks"]) for g in gaps)
    assert api_map["published"] > 0 and api_map["generation"]


def test_api_filters_and_rejects_unknown_values(client, api_map):
    region = api_map["gaps"][0]["regions"][0]
    r = client.get("/api/lacunes", params={"regio": region}).json()
    assert r["gaps"] and all(region in g["regions"] for g in r["gaps"])
    assert {g["id"] for g in r["gaps"]} == {g["id"] for g in api_map["gaps"] if region in g["regions"]}
    bad = client.get("/api/lacunes", params={"thema": "bestaat-niet"})
    assert bad.status_code == 422 and "Onbekende filterwaarde" in bad.json()["detail"]
    spec = client.get("/openapi.json").json()
    assert "/api/lacunes" in spec["paths"] and "LacunesResponse" in spec["components"]["schemas"]


def test_the_page_shows_every_gap_the_table_in_words_and_filters(client, api_map):
    r = get(client, "/kennislacunes")
    p = check_accessible(r.text)
    text = unescape(r.text)
    assert [t for lvl, t in p.headings if lvl == 1] == ["Kennislacunes: waar de kennisbank de regio's nog niet helpt"]
    for g in api_map["gaps"]:
        assert f'id="{g["id"]}"' in r.text and g["label"] in text
    assert text.index(api_map["gaps"][0]["label"]) < text.index(api_map["gaps"][-1]["label"])
    cells = re.findall(r'<td class="cel--(?:lacune|gedekt|leeg)">([^<]*)</td>', r.text)
    assert cells and all(re.fullmatch(r"\d+ knelpunt(en)?, (\d+ zonder passende praktijk|alle met passende praktijk)"
                                      r"|geen knelpunten", c) for c in cells)
    assert "zonder passende praktijk" in r.text and "(past niet goed genoeg" in r.text
    assert "Actie Leer Netwerk" in r.text and "Maak een concept" not in r.text     # anonymous: no prefill link
    assert 'href="/kennislacunes?formaat=csv"' in r.text
    theme = next(t for g in api_map["gaps"] for t in g["themes"])      # the heaviest gap with a theme
    f = get(client, "/kennislacunes", params={"thema": theme})
    check_accessible(f.text)
    shown = set(re.findall(r'<li class="lacune" id="([^"]+)"', f.text))
    assert shown == {g["id"] for g in api_map["gaps"] if theme in g["themes"]}
    assert f'<option value="{theme}" selected>' in f.text
    bad = get(client, "/kennislacunes", params={"regio": "atlantis"})
    assert "Onbekende filterwaarde" in bad.text


def test_downloads_as_csv_and_json(client, api_map):
    r = client.get("/kennislacunes", params={"formaat": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["lacune", "omschrijving", "gewicht"]
    assert len(rows) - 1 == sum(len(g["bottlenecks"]) for g in api_map["gaps"])
    j = client.get("/kennislacunes", params={"formaat": "json"})
    assert "attachment" in j.headers["content-disposition"]
    assert [g["id"] for g in json.loads(j.text)["gaps"]] == [g["id"] for g in api_map["gaps"]]


def test_the_region_section_lists_its_gaps_and_who_shares_them(client, api_map):
    shared = next(g for g in api_map["gaps"] if len(g["regions"]) >= 2)
    region, other = shared["regions"][0], shared["regions"][1]
    r = get(client, f"/regios/{region}")          # the route fills `lacunes` (regio.html includes the section)
    html = templates.get_template("_lacunes_regio.html").render(lacunes=_region_lacunes(client, region),
                                                               region={"id": region, "name": region})
    assert "Waar de kennisbank u nog niet helpt" in html
    mine = next(b["text"] for b in shared["bottlenecks"] if b["region"] == region)
    theirs = next(b["text"] for b in shared["bottlenecks"] if b["region"] == other)
    assert mine in unescape(html) and theirs in unescape(html)
    assert f'href="/regios/{other}"' in html and f'href="/regios/{region}/rapport"' in html
    if "Waar de kennisbank u nog niet helpt" in r.text:        # once regio.html includes the section
        check_accessible(r.text)
        assert theirs in unescape(r.text)
    assert _region_lacunes(client, "friesland") is None       # no plan: no section


def _region_lacunes(client, region):
    from web.lacunes import region_lacunes
    services = client.app.state.services
    conn = services.open()
    try:
        return region_lacunes(services, conn, region)
    finally:
        conn.close()


def test_the_region_report_renders_every_section(client, api_map):
    region = api_map["gaps"][0]["regions"][0]
    r = get(client, f"/regios/{region}/rapport")
    p = check_accessible(r.text)
    heads = [t for _, t in p.headings]
    for h in ("Knelpunten", "Aanbevelingen per knelpunt", "Kennislacunes", "Let op: lessen uit Falend Vooruit",
              "Adviezen van de Commissie Werken in de Zorg", "Bouwstenen voor de regionale aanpak",
              "Vergelijkbare regio's"):
        assert h in heads, (h, heads)
    text = unescape(r.text)
    assert "Versie van de kennisbank" in text and f"{api_map['published']} gepubliceerde kennisitems" in text
    assert api_map["generation"] in text and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert 'href="/static/print.css" media="print"' in r.text
    gap_texts = [b["text"] for g in api_map["gaps"] for b in g["bottlenecks"] if b["region"] == region]
    assert all(t in text for t in gap_texts)
    assert "Bron:" in text and 'class="bron-url"' in r.text          # addresses printed by print.css
    assert client.get("/regios/friesland/rapport").status_code == 404     # no plan: nothing guessed


def test_the_plan_check_report_tells_which_gaps_elsewhere_it_shares(client, api_map):
    shared = next(g for g in api_map["gaps"] if len(g["regions"]) >= 2)
    texts = [shared["bottlenecks"][0]["text"], "Er zijn te weinig stageplekken voor mbo-studenten in de zorg."]
    r = get(client, "/plan-toetsen/rapport", params={"knelpunt": texts})
    check_accessible(r.text)
    text = unescape(r.text)
    assert "Rapport voor de stuurgroep" in text and "Ook in:" in text
    assert "/plan-toetsen/rapport?knelpunt=" in r.text or "Afdrukken" in text
    assert client.get("/plan-toetsen/rapport").status_code == 422


def test_the_report_as_pdf(client, api_map):
    from web.pdf import unavailable
    region = api_map["gaps"][0]["regions"][0]
    r = client.get(f"/regios/{region}/rapport", params={"formaat": "pdf"})
    if unavailable():
        assert r.status_code == 503 and "afdrukfunctie" in r.text
        return
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 5000


@pytest.fixture
def curator_app(kb_copy, index_root, tmp_path, encoder):
    from web.app import create_app
    shutil.copytree(index_root, tmp_path / "index")
    conn = connect(kb_copy)
    create_user(conn, "cora", PW, "curator", actor="test")
    conn.close()
    return create_app(kb_copy, tmp_path / "index")


def test_a_curator_gets_a_prefilled_concept_and_the_dashboard_shows_the_heaviest_gaps(curator_app):
    c = TestClient(curator_app)
    page = c.get("/beheer/inloggen")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = c.post("/beheer/inloggen", data={"gebruikersnaam": "cora", "wachtwoord": PW, "csrf_token": tok},
               follow_redirects=False)
    assert r.status_code == 303
    dash = c.get("/beheer")
    assert dash.status_code == 200 and "Zwaarste kennislacunes" in dash.text
    gaps = c.get("/api/lacunes").json()["gaps"]
    assert unescape(dash.text).count("/kennislacunes#") == min(5, len(gaps))
    page = c.get("/kennislacunes")
    links = re.findall(r'href="(/beheer/items/nieuw\?[^"]+)"', page.text)
    assert len(links) == len(gaps)
    form = c.get(unescape(links[0]))
    assert form.status_code == 200
    label = gaps[0]["label"].rstrip(" …")
    assert f'value="{label}"' in unescape(form.text) or label in unescape(form.text)
    assert gaps[0]["bottlenecks"][0]["text"] in unescape(form.text)


def test_cli_lacunes_json_and_table(kb_copy, index_root, capsys):
    from index.store import index_dir_for
    from web.cli import main
    shutil.copytree(index_root, index_dir_for(kb_copy))
    assert main(["--db", str(kb_copy), "lacunes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gaps"] and {"id", "label", "bottlenecks", "regions", "themes", "weight", "nearest"} <= set(data["gaps"][0])
    assert main(["--db", str(kb_copy), "lacunes"]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())                # the table wraps long labels
    assert "kennislacunes" in flat and " ".join(data["gaps"][0]["label"].split()) in flat
