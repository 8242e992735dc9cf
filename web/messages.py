"""Dutch error texts shared by both front ends: the API's error body and the CLI's errors
(with --json) have the same shape and the same messages.

    {"status": 422, "detail": "De invoer is niet geldig. aantal: ...", "errors": [
        {"loc": ["query", "k"], "field": "k", "msg": "De waarde moet minstens 1 zijn.", "type": "greater_than_equal"}]}

`translate` turns pydantic-style errors (as FastAPI raises them) into Dutch items; `summary`
makes the detail sentence; `range_errors` checks a number the way FastAPI's Query(ge=, le=)
does, so the CLI refuses an out-of-range value with the API's message.
"""
from __future__ import annotations

STATUS_TEXT = {
    400: "De aanvraag is niet juist.",
    401: "U moet eerst inloggen.",
    403: "U heeft geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet (meer).",
    405: "Deze bewerking is hier niet toegestaan.",
    413: "De aanvraag of het bestand is te groot.",
    415: "Dit soort bestand of aanvraag wordt niet ondersteund.",
    422: "De invoer is niet geldig.",
    429: "Te veel aanvragen; probeer het over een minuut opnieuw.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
    503: "De dienst is tijdelijk niet beschikbaar. Probeer het later opnieuw.",
}

MAX_JSON_DEPTH = 20              # web.jsonbody's bounds, named here for the messages
MAX_INT_DIGITS = 100
JSON_BODY_MESSAGES = {           # why web.jsonbody refused a JSON body (shown as they are)
    "utf8": "De inhoud is geen geldige UTF-8-tekst.",
    "constant": "NaN en Infinity zijn in JSON geen getallen; gebruik een eindig getal.",
    "infinite": "Het getal {value} is te groot; gebruik een eindig getal.",
    "int": f"Een geheel getal mag hoogstens {MAX_INT_DIGITS} cijfers hebben.",
    "depth": f"De JSON is te diep genest (hoogstens {MAX_JSON_DEPTH} niveaus).",
    "surrogate": "De tekst bevat een ongeldig teken (een losse UTF-16-surrogaat, zoals \\ud800); "
                 "stuur geldige Unicode-tekst.",
}


def is_body_message(text: str) -> bool:
    return text in JSON_BODY_MESSAGES.values() or (text.startswith("Het getal ") and text.endswith("eindig getal."))


FIELD_NAMES = {"q": "zoekvraag", "k": "aantal", "limit": "aantal", "offset": "begin", "page": "pagina",
               "pagina": "pagina", "bottlenecks": "knelpunten", "weights": "gewichten", "region": "regio",
               "regio": "regio", "text": "tekst", "weight": "gewicht", "type": "soort", "label": "label",
               "thema": "thema", "branche": "branche", "actielijn": "actielijn", "body": "inhoud",
               "diversiteit": "diversiteit", "formaat": "formaat"}


def _plural(n, one: str, many: str) -> str:
    return one if n == 1 else many


def dutch_message(err: dict) -> str:
    """One pydantic error (as in RequestValidationError.errors()) -> a Dutch sentence."""
    t = err.get("type", "")
    ctx = err.get("ctx") or {}
    if t == "missing":
        return "Dit veld is verplicht."
    if t in ("string_too_short",):
        n = ctx.get("min_length", 1)
        return "Dit veld mag niet leeg zijn." if n == 1 else f"Vul minstens {n} tekens in."
    if t == "string_too_long":
        return f"Dit veld mag hoogstens {ctx.get('max_length')} tekens bevatten."
    if t == "too_short":
        n = ctx.get("min_length", 1)
        return f"Geef minstens {n} {_plural(n, 'waarde', 'waarden')} op."
    if t == "too_long":
        n = ctx.get("max_length")
        return f"Geef hoogstens {n} {_plural(n, 'waarde', 'waarden')} op."
    if t in ("int_parsing", "int_type", "int_from_float"):
        return "Vul een geheel getal in."
    if t in ("float_parsing", "float_type", "decimal_parsing"):
        return "Vul een getal in."
    if t == "greater_than_equal":
        return f"De waarde moet minstens {ctx.get('ge')} zijn."
    if t == "greater_than":
        return f"De waarde moet groter zijn dan {ctx.get('gt')}."
    if t == "less_than_equal":
        return f"De waarde mag hoogstens {ctx.get('le')} zijn."
    if t == "less_than":
        return f"De waarde moet kleiner zijn dan {ctx.get('lt')}."
    if t in ("bool_parsing", "bool_type"):
        return "Vul ja of nee in (true of false)."
    if t in ("string_type", "string_unicode"):
        return "Verwacht tekst."
    if t in ("list_type", "tuple_type", "set_type"):
        return "Verwacht een lijst."
    if t in ("dict_type", "model_type", "model_attributes_type"):
        return "Verwacht een object met velden."
    if t == "json_invalid":
        e = str(ctx.get("error") or "")
        return e if is_body_message(e) else "De inhoud is geen geldige JSON."
    if t in ("literal_error", "enum"):
        return f"Kies een van deze waarden: {ctx.get('expected', '')}."
    if t == "extra_forbidden":
        return "Dit veld is onbekend."
    if t == "value_error":
        e = ctx.get("error")
        return str(e) if e else "Ongeldige waarde."
    if t == "url_parsing":
        return "Vul een geldig webadres in."
    return "Ongeldige waarde."


def _field(loc) -> str | None:
    names = [str(x) for x in loc if isinstance(x, str) and x not in ("query", "body", "path", "form")
             and x not in ("str", "BottleneckIn") and not x.startswith("function-")]
    return names[-1] if names else None


def translate(errors: list[dict]) -> list[dict]:
    """Pydantic errors -> [{loc, field, msg (Dutch), type}], one per place."""
    out, seen = [], set()
    for e in errors:
        loc = list(e.get("loc", ()))
        union = [x for x in loc if x in ("str", "BottleneckIn")]
        simple = tuple(x for x in loc if x not in ("str", "BottleneckIn"))
        msg = dutch_message(e)
        if union and loc[-1] in ("str", "BottleneckIn"):
            msg = "Verwacht een knelpunt als tekst, of als object met 'text' en 'weight'."
        if simple in seen:
            continue
        seen.add(simple)
        out.append({"loc": list(simple), "field": _field(loc), "msg": msg, "type": e.get("type", "")})
    return out


def summary(items: list[dict]) -> str:
    parts = []
    for it in items:
        f = it.get("field")
        name = FIELD_NAMES.get(f, f) if f else None
        parts.append(f"{name}: {it['msg']}" if name else it["msg"])
    return "De invoer is niet geldig. " + " ".join(parts) if parts else STATUS_TEXT[422]


def error_body(status: int, detail: str, errors: list[dict] | None = None) -> dict:
    """The error body of the API (and of the CLI with --json)."""
    return {"status": status, "detail": detail, "errors": errors or []}


def invalid(field: str, message: str, where: str = "query") -> dict:
    """A pydantic-style error for a value that is not valid (message already Dutch)."""
    return {"loc": (where, field), "msg": message, "type": "value_error", "ctx": {"error": message}}


def range_errors(field: str, value, *, ge=None, le=None, gt=None, where: str = "query") -> list[dict]:
    """The pydantic-style error FastAPI gives for Query(ge=..., le=..., gt=...), or []."""
    if value is None:
        return []
    for kind, bound, bad in (("greater_than_equal", ge, lambda v, b: v < b), ("greater_than", gt, lambda v, b: v <= b),
                             ("less_than_equal", le, lambda v, b: v > b)):
        if bound is not None and bad(value, bound):
            key = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le"}[kind]
            return [{"loc": (where, field), "msg": "", "type": kind, "ctx": {key: bound}}]
    return []


def validation_body(errors: list[dict]) -> dict:
    """The 422 body for pydantic-style errors."""
    items = translate(errors)
    return error_body(422, summary(items), items)
