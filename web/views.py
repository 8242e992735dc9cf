"""What the public page routes share: rendering a template, downloads (CSV/JSON), the site's
base URL. Route modules import this, never each other."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from web.present import to_csv, to_json
from web.templating import templates


def render(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def download(data_rows: list[dict], columns: list[tuple[str, str]], payload, formaat: str, filename: str) -> Response:
    """The same list as CSV (Dutch headers, ';') or JSON, as a file to save."""
    if formaat == "csv":
        return Response(to_csv(columns, data_rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    return Response(to_json(payload), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.json"'})


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")
