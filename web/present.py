"""Presentation helpers shared by pages, API, CLI and downloads: labels, safe highlighting, CSV."""
from __future__ import annotations

import csv
import io
import json
import os
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from kb.models import AUDIENCES, KIND_LABELS, TYPE_LABELS, kind_of


def type_label(type_: str, label: str | None = None, number: str | None = None) -> str:
    """What users see: Koploper / Falend Vooruit / Voorbeeldpraktijk / Advies / Bouwsteen IV / Beleid."""
    if type_ == "praktijk":
        return KIND_LABELS[kind_of(type_, label)]
    name = TYPE_LABELS.get(type_, type_)
    if type_ == "bouwsteen" and number:
        return f"{name} {number}"
    return name


def audience_label(audience: str | None) -> str:
    return AUDIENCES.get(audience or "", audience or "")


def highlight_html(sentence: str, spans) -> Markup:
    """The sentence, HTML-escaped, with <mark> around the given [start, end) character spans.
    Each piece is escaped separately, so no user or source text is ever rendered as markup."""
    sentence = sentence or ""
    out: list[str] = []
    pos = 0
    for a, b in sorted((int(x), int(y)) for x, y in (spans or [])):
        a, b = max(a, pos), min(b, len(sentence))
        if a >= b:
            continue
        out.append(str(escape(sentence[pos:a])))
        out.append("<mark>" + str(escape(sentence[a:b])) + "</mark>")
        pos = b
    out.append(str(escape(sentence[pos:])))
    return Markup("".join(out))


def query_string(params: dict, **changes) -> str:
    """A query string from `params` with `changes` applied (None removes a key); lists repeat."""
    merged = dict(params)
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    items: list[tuple[str, str]] = []
    for k, v in merged.items():
        if v is None or v == "" or v == []:
            continue
        if isinstance(v, (list, tuple)):
            items += [(k, str(x)) for x in v]
        else:
            items.append((k, str(v)))
    return urlencode(items)


# ---------------------------------------------------------------- downloads

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, float):
        value = f"{value:.4f}".replace(".", ",")     # Dutch decimal comma (Excel NL)
    s = str(value)
    # Spreadsheet formula injection: text that starts like a formula is prefixed with '.
    if s.startswith(_FORMULA_START):
        s = "'" + s
    return s


def to_csv(columns: list[tuple[str, str]], rows: list[dict]) -> str:
    """CSV for Dutch spreadsheet software: ';' separated, UTF-8 with BOM, header in Dutch.
    `columns` = [(key in row, Dutch header)]."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([h for _, h in columns])
    for r in rows:
        w.writerow([_cell(r.get(k)) for k, _ in columns])
    return buf.getvalue()


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- contact

CONTACT_ENV = "PRAKTIJKWIJZER_CONTACT"
# A documented placeholder (example.org is reserved for examples): the operator sets the Actie
# Leer Netwerk's real address with PRAKTIJKWIJZER_CONTACT (see README, "Webapplicatie").
CONTACT_PLACEHOLDER = "kennisbank@example.org"


def contact_address() -> str:
    """Where users tell the Actie Leer Netwerk about a gap in the knowledge base."""
    return os.environ.get(CONTACT_ENV, "").strip() or CONTACT_PLACEHOLDER


def gap_mailto(questions: str | list[str], filters: dict | None = None) -> str:
    """A mailto link to the Actie Leer Netwerk naming the bottleneck(s) that found no practice."""
    items = [questions] if isinstance(questions, str) else list(questions)
    which = "dit knelpunt" if len(items) == 1 else "deze knelpunten"
    body = (f"Praktijkwijzer vond geen passende praktijk voor {which}:\n\n"
            + "\n".join("- " + q.strip() for q in items)
            + ("\n\nFilters: " + ", ".join(f"{k}: {v}" for k, v in filters.items()) if filters else "")
            + "\n\nKent u een praktijk die hierbij helpt? Beschrijf die hier kort.\n")
    return "mailto:" + contact_address() + "?" + urlencode({"subject": "Knelpunt zonder praktijk in Praktijkwijzer",
                                                             "body": body}, quote_via=quote)
