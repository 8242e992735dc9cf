"""The web application: `create_app()` -> FastAPI with the pages, the JSON API, the API
documentation, the curation pages and static files.

    app.state.services   web.services.Services (database, encoder, live Searcher, refresh(), heavy pool)
    app.state.match_budget  web.budget.TokenBucket: what each client address may still ask of /api/match
                         (kept in the database: shared by every server process, kept across restarts)
    web.routes           one router per module: pages, regions, plans, api, docs, beheer/*
    web.templating       the Jinja2 environment (base.html with blocks title, content, nav_extra)
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from index.store import index_dir_for
from ingest.upload import MAX_UPLOAD_BYTES
from kb.paths import database_path
from web import errors
from web.budget import match_budget
from web.forwarded import trusted_proxies
from web.messages import STATUS_TEXT, error_body
from web.middleware import BodyLimit, SecurityHeaders
from web.routes import api, docs, gaps, pages, plans, regions, report
from web.routes.beheer import entries, imports, login, users
from web.services import ServiceUnavailable, Services
from web.templating import STATIC_DIR, templates

MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 512 * 1024      # an upload of 5 MB plus the other form fields

DESCRIPTION = """
Praktijkwijzer zoekt in de goede praktijken, adviezen en bouwstenen van het programma
*Werken in de Zorg* en koppelt ze aan de knelpunten van een regio.

* Alle antwoorden bevatten alleen **gepubliceerde** kennisitems.
* Elk resultaat heeft een **uitleg** (de zin die aansloot, de gevonden woorden, de reden) en een **bron**
  (document, kop en tekenpositie, met een link naar de gemarkeerde passage).
* Fouten zijn JSON: `{"status": 422, "detail": "...", "errors": [...]}` met Nederlandse meldingen.
* Lijsten hebben `total`, `offset` en `limit`.
"""


def create_app(db_path: str | os.PathLike | None = None, index_root: str | os.PathLike | None = None, *,
               model: str | None = None) -> FastAPI:
    db = database_path(db_path)
    root = Path(index_root) if index_root else index_dir_for(db)
    services = Services(db, root, model)

    app = FastAPI(title="Praktijkwijzer API", description=DESCRIPTION, version="1.0",
                  docs_url=None, redoc_url=None,           # served offline by web.routes.docs
                  openapi_tags=[{"name": "API", "description": "Zoeken, kennisitems, regio's en planmatching"}])
    app.state.services = services
    app.state.match_budget = match_budget(db)     # per client address, in the database (web.budget)
    trusted_proxies()                             # a wrong PRAKTIJKWIJZER_TRUSTED_PROXIES fails at start
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    for module in (pages, regions, plans, api, login, entries, imports, users, gaps, report):
        app.include_router(module.router)
    docs.install(app)

    app.add_exception_handler(RequestValidationError, errors.validation_handler)
    app.add_exception_handler(StarletteHTTPException, errors.http_handler)
    app.add_exception_handler(ServiceUnavailable, errors.unavailable_handler)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, render=_render_plain_error, limit_text="5 MB")
    app.add_middleware(SecurityHeaders, on_error=lambda scope: _render_plain_error(
        scope, STATUS_TEXT[500], status=500))
    return app


def _render_plain_error(scope, message: str, status: int = 413) -> tuple[str, str]:
    """An error page or JSON error outside the router (middleware: body too large, crash)."""
    if scope.get("path", "").startswith("/api/"):
        return json.dumps(error_body(status, message), ensure_ascii=False), "application/json"
    request = Request(scope)
    titles = {413: "Bestand te groot", 500: "Er ging iets mis"}
    html = templates.get_template("fout.html").render(request=request, status=status, title=titles.get(status, "Fout"),
                                                      message=message, details=[])
    return html, "text/html; charset=utf-8"
