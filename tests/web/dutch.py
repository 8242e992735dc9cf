"""Checks of what users read, shared by the property-based tests: an error body in the API's
shape with a Dutch message, and HTML pages without English framework texts."""
from __future__ import annotations

import re

# Words of English error texts from Python, Starlette, FastAPI, pydantic, uvicorn, PyYAML.
ENGLISH = re.compile(r"\b(the|error|errors|invalid|field required|should|input|expected|parsing|unexpected|"
                     r"not found|not allowed|internal|exception|traceback|value is not|unable|failed|"
                     r"unprocessable|too large|must be|cannot|could not)\b", re.I)
DUTCH = {"de", "het", "een", "is", "niet", "geen", "van", "moet", "mag", "op", "in", "te", "en", "voor", "zijn",
         "dit", "deze", "er", "bij", "of", "met", "waarde", "verwacht", "vul", "geef", "kies", "tekst", "veld",
         "probeer", "opnieuw", "hoogstens", "minstens", "aanvraag", "bestaat", "pagina", "gebruik", "knelpunt",
         "onbekende", "regio", "ongeldige", "getal", "inhoud"}
FRAMEWORK_TEXTS = ("Internal Server Error", "There was an error", "Field required", "Input should", "Not Found",
                   "Method Not Allowed", "Traceback", "Invalid HTTP", "JSON decode error", "validation error",
                   "Unprocessable", "Expecting value")


def header(response, name: str) -> str:
    """A response header of an httpx or a schemathesis response (whose values are lists)."""
    value = response.headers.get(name)
    if value is None:
        value = {k.lower(): v for k, v in response.headers.items()}.get(name.lower(), "")
    return value[0] if isinstance(value, list) else value


def _unquoted(text: str) -> str:
    """The message without what it quotes of the user's input ('...', "...", «...»)."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|«[^»]*»", " ", text)


def looks_dutch(text: str) -> bool:
    """Dutch words in the message, and no English ones outside what it quotes of the input."""
    words = set(re.findall(r"[a-zà-ÿ]+", text.lower()))
    return bool(words & DUTCH) and not ENGLISH.search(_unquoted(text))


def check_error_body(response, path: str = "") -> dict:
    """A 4xx/5xx answer of the API: JSON {status, detail, errors[]} with Dutch texts."""
    where = f"{response.status_code} {path}: {response.text[:300]}"
    assert header(response, "content-type").startswith("application/json"), where
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"status", "detail", "errors"}, where
    assert body["status"] == response.status_code, where
    assert isinstance(body["detail"], str) and looks_dutch(body["detail"]), where
    assert isinstance(body["errors"], list), where
    for item in body["errors"]:
        assert isinstance(item, dict) and {"loc", "field", "msg", "type"} <= set(item), where
        assert isinstance(item["msg"], str) and looks_dutch(item["msg"]), where
    return body


def check_page(response, path: str = "") -> None:
    """An HTML page (also an error page): Dutch, no framework texts, no server error."""
    where = f"{response.status_code} {path}: {response.text[:300]}"
    assert response.status_code < 500, where
    ctype = header(response, "content-type")
    if ctype.startswith("text/html"):
        assert '<html lang="nl">' in response.text, where
        assert not any(t in response.text for t in FRAMEWORK_TEXTS), where
    elif ctype.startswith("application/json") and response.status_code >= 400:
        check_error_body(response, path)
    elif response.status_code >= 400:
        raise AssertionError(f"unexpected content type {ctype!r} for {where}")
