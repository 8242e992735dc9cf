"""Strict, bounded JSON request bodies for the API (route class `StrictJSONRoute`).

Python's json module accepts what JSON does not (NaN, Infinity, numbers that overflow to
infinity, integers of thousands of digits that then fail to convert) and what later steps
cannot use (lone UTF-16 surrogates such as "\\ud800", which cannot be written as UTF-8), and it
recurses once per nesting level. Each of these became a 500 or an English 400. Here a body is

* at most MAX_JSON_BYTES long (413),
* valid UTF-8, without NaN/Infinity, with finite numbers and integers of at most
  MAX_INT_DIGITS digits,
* nested at most MAX_JSON_DEPTH levels (checked before parsing, by a linear scan),
* free of lone surrogates in every string and key,

or it is refused with a Dutch 422 in the API's error shape (web.errors.validation_handler).
"""
from __future__ import annotations

import json
import math
import re

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from web.messages import JSON_BODY_MESSAGES, MAX_INT_DIGITS, MAX_JSON_DEPTH

MAX_JSON_BYTES = 512 * 1024        # 40 bottlenecks x 1,000 characters, even as \\uXXXX escapes, fit easily
MESSAGES = JSON_BODY_MESSAGES
_BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(json.JSONDecodeError):
    """A body that is refused; FastAPI turns a JSONDecodeError into a 422 'json_invalid', whose
    ctx.error is this Dutch message (web.messages.dutch_message shows it)."""

    def __init__(self, message: str, doc: str = "", pos: int = 0):
        super().__init__(message, doc, pos)
        self.msg = message


def _depth(raw: bytes) -> int:
    depth = deepest = 0
    for m in _BRACKETS.finditer(raw):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif tok in (b"]", b"}"):
            depth -= 1
    return deepest


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(MESSAGES["infinite"].format(value=text[:40]))
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BodyError(MESSAGES["int"])
    return int(text)


def _constant(text: str):
    raise BodyError(MESSAGES["constant"])


def _check_strings(value) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise BodyError(MESSAGES["surrogate"])
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def parse(raw: bytes):
    """The JSON value of a request body, or BodyError (Dutch) / HTTPException 413."""
    if len(raw) > MAX_JSON_BYTES:
        raise HTTPException(413, f"De JSON-inhoud is te groot (hoogstens {MAX_JSON_BYTES // 1024} kB); stuur "
                                 "minder of kortere knelpunten.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BodyError(MESSAGES["utf8"], "", err.start) from None
    if _depth(raw) > MAX_JSON_DEPTH:
        raise BodyError(MESSAGES["depth"])
    try:
        value = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except RecursionError:          # not reached after the depth scan; kept as a last guard
        raise BodyError(MESSAGES["depth"]) from None
    _check_strings(value)
    return value


class StrictJSONRequest(Request):
    async def json(self):
        if not hasattr(self, "_json"):
            self._json = parse(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """API routes whose JSON bodies are parsed by `parse`."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def strict(request: Request):
            return await handler(StrictJSONRequest(request.scope, request.receive))
        return strict
