"""Errors for users, in Dutch: validation errors (422), not found (404) and the rest.

The API answers with JSON {status, detail, errors[]} (web.messages); pages with the error page."""
from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.messages import STATUS_TEXT, error_body, summary, translate
from web.templating import templates

def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def json_error(status: int, detail: str, errors: list[dict] | None = None, headers=None) -> JSONResponse:
    return JSONResponse(error_body(status, detail, errors), status_code=status, headers=headers)


def html_error(request: Request, status: int, message: str, *, title: str | None = None, details=None,
               links: list[tuple[str, str]] | None = None):
    """The error page; `details` are extra lines, `links` (href, text) pages to go on to."""
    titles = {404: "Pagina niet gevonden", 413: "Te groot", 422: "Invoer niet geldig", 500: "Er ging iets mis",
              503: "Tijdelijk niet beschikbaar"}
    return templates.TemplateResponse(request, "fout.html", {
        "status": status, "title": title or titles.get(status, "Fout"), "message": message,
        "details": details or [], "links": links or []}, status_code=status)


def error_response(request: Request, status: int, message: str, errors: list[dict] | None = None, headers=None):
    if is_api(request):
        return json_error(status, message, errors, headers)
    return html_error(request, status, message, details=[e["msg"] for e in (errors or [])])


async def validation_handler(request: Request, exc: RequestValidationError):
    items = translate(list(exc.errors()))
    if is_api(request):
        return json_error(422, summary(items), items)
    return html_error(request, 422, summary(items))


# Details that Starlette and FastAPI write themselves, in English; replaced by Dutch ones.
ENGLISH_DETAILS = {
    "There was an error parsing the body": "De inhoud van de aanvraag kon niet worden gelezen: het is geen geldig "
                                           "formulier of geldige JSON.",
}
_ENGLISH = {"Not Found", "Method Not Allowed", "Bad Request", "Internal Server Error", "Forbidden", "Unauthorized",
            "Request Entity Too Large", "Content Too Large", "Unsupported Media Type", "Unprocessable Entity",
            "Unprocessable Content", "Too Many Requests", "Service Unavailable", "Not Acceptable",
            "Length Required", "Request Header Fields Too Large"}


async def http_handler(request: Request, exc: StarletteHTTPException):
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if detail in ENGLISH_DETAILS:
        message = ENGLISH_DETAILS[detail]
    elif detail and not _english(detail):
        message = detail
    else:
        message = STATUS_TEXT.get(exc.status_code, "Er ging iets mis.")
    return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))


def _english(text: str) -> bool:
    """Starlette's own details ('Not Found', 'Method Not Allowed') are replaced by Dutch ones."""
    return text in _ENGLISH


async def unavailable_handler(request: Request, exc: Exception):
    retry = getattr(exc, "retry_after", None)
    return error_response(request, 503, str(exc), headers={"Retry-After": str(retry)} if retry else None)
