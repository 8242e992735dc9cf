"""The Jinja2 environment of the web pages (autoescaping on) with its filters and globals.

Every route module renders with this environment (web.views.render, web.curation_views.render);
pages extend `base.html`.
"""
from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from kb.assessments import KOPLOPER_CRITERIA
from kb.card import LABELS as CARD_LABELS
from kb.models import ERKENNING_LEVELS, PRACTICE_STATES
from kb.registry import load_registry
from web.present import audience_label, highlight_html, query_string, type_label
from web.serialize import source_dict

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
env = templates.env
env.autoescape = True            # every template, whatever its extension
env.trim_blocks = True
env.lstrip_blocks = True

# Main navigation; the curation pages add their item through the `nav_extra` block of base.html.
NAV = [("/", "Zoeken", "zoeken"), ("/regios", "Regio's", "regios"), ("/plan-toetsen", "Plan toetsen", "plan"),
       ("/kennislacunes", "Kennislacunes", "lacunes"),
       ("/bronnen", "Bronnen", "bronnen"), ("/over", "Over", "over")]


def _labels() -> dict[str, dict[str, str]]:
    reg = load_registry()
    return {"thema": reg.labels("thema"), "branche": reg.labels("branche"), "actielijn": reg.labels("actielijn"),
            "regio": reg.labels("regio") | {"landelijk": "Landelijk"}}


def label(kind: str, value: str) -> str:
    return _labels().get(kind, {}).get(value, value)


def qs_without(params: dict, keys) -> str:
    """The query string of `params` without `keys` (removes a filter; back to page 1)."""
    return query_string({k: v for k, v in params.items() if k not in set(keys) and k != "pagina"})


def nl_number(value, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (Dutch notation)."""
    if value is None:
        return ""
    s = f"{value:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value) -> str:
    return f"{round((value or 0) * 100)}%"


def paragraphs(text: str) -> Markup:
    """Plain text -> escaped <p> paragraphs (blank lines) with <br> for single line breaks."""
    parts = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("".join("<p>" + str(escape(p)).replace("\n", "<br>\n") + "</p>" for p in parts))


env.filters.update(highlight=highlight_html, nl_number=nl_number, percent=percent, paragraphs=paragraphs,
                   source_with_url=source_dict)
env.globals.update(type_label=type_label, audience_label=audience_label, qs=query_string, qs_without=qs_without,
                   label=label,
                   NAV=NAV, SITE_NAME="Praktijkwijzer",
                   ERKENNING_LEVELS=ERKENNING_LEVELS, CARD_LABELS=CARD_LABELS, PRACTICE_STATES=PRACTICE_STATES,
                   KOPLOPER_NAMES={key: name for key, name, _ in KOPLOPER_CRITERIA})
