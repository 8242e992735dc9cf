"""Interactive API documentation served from this machine (no CDN): Swagger UI 5 (it reads
FastAPI's OpenAPI 3.1) from the pinned `swagger-ui-py` package at /docs, started by a script
file (no inline script)."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Praktijkwijzer API – documentatie</title>
<link rel="stylesheet" href="/docs-static/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<main id="swagger-ui" aria-label="API-documentatie"></main>
<noscript><p>Deze interactieve documentatie heeft JavaScript nodig. De beschrijving zelf staat in
<a href="/openapi.json">/openapi.json</a>.</p></noscript>
<script src="/docs-static/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


def install(app: FastAPI) -> None:
    """Mount the Swagger UI files and the /docs page (FastAPI's CDN-based pages are off)."""
    from pathlib import Path

    import swagger_ui
    static = Path(swagger_ui.__file__).resolve().parent / "static"
    app.mount("/docs-static", StaticFiles(directory=str(static)), name="docs-static")
    app.include_router(router)
