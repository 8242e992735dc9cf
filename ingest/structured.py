"""YAML and JSON from untrusted uploads, in bounded time and memory.

YAML is loaded with the safe loader, without aliases (a few hundred bytes of nested aliases
expand to gigabytes: 'billion laughs'), with at most MAX_DEPTH levels of nesting and
MAX_NODES nodes; JSON with the same depth and size limits (deep nesting would raise
RecursionError). Every failure is an IngestError with a Dutch message.
"""
from __future__ import annotations

import json

import yaml

from ingest.errors import IngestError

MAX_DEPTH = 20
MAX_NODES = 100_000
MAX_DATA_CHARS = 2_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader without aliases, and with bounded nesting and node count."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliassen (*naam) zijn niet toegestaan", event.start_mark)
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise _TooDeep()
        if self._nodes > MAX_NODES:
            raise _TooLarge()
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooDeep(Exception):
    pass


class _TooLarge(Exception):
    pass


def load_yaml(text: str, name: str):
    """Parse YAML text; IngestError (Dutch) for invalid, aliased, too deep or too large input."""
    _check_chars(text, name)
    try:
        loader = _NoAliasLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _TooDeep:
        raise IngestError(f"'{name}' is te diep genest (meer dan {MAX_DEPTH} niveaus); lever een eenvoudige lijst "
                          "van knelpunten aan.") from None
    except _TooLarge:
        raise IngestError(f"'{name}' bevat te veel onderdelen (meer dan {MAX_NODES:,}).".replace(",", ".")) from None
    except yaml.composer.ComposerError as err:
        if "aliassen" in str(err.problem or ""):
            raise IngestError(f"'{name}' gebruikt YAML-aliassen (*naam); die zijn niet toegestaan. Schrijf elk "
                              "knelpunt voluit.") from None
        raise IngestError(f"'{name}' is geen geldig YAML-bestand{_where(err)}.") from None
    except yaml.YAMLError as err:
        raise IngestError(f"'{name}' is geen geldig YAML-bestand{_where(err)}.") from None
    except (RecursionError, ValueError, TypeError, OverflowError):
        raise IngestError(f"'{name}' is geen geldig YAML-bestand.") from None


def load_json(text: str, name: str):
    """Parse JSON text; IngestError (Dutch) for invalid, too deep or too large input."""
    _check_chars(text, name)
    depth = 0
    in_string = escape = False
    for ch in text:                 # nesting depth before parsing (json would recurse)
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise IngestError(f"'{name}' is te diep genest (meer dan {MAX_DEPTH} niveaus); lever een eenvoudige "
                                  "lijst van knelpunten aan.")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise IngestError(f"'{name}' is geen geldig JSON-bestand (regel {err.lineno}, kolom {err.colno}).") from None
    except (RecursionError, ValueError, OverflowError):
        raise IngestError(f"'{name}' is geen geldig JSON-bestand.") from None


def _check_chars(text: str, name: str) -> None:
    if len(text) > MAX_DATA_CHARS:
        raise IngestError(f"'{name}' is te groot ({len(text):,} tekens; de grens is {MAX_DATA_CHARS:,})."
                          .replace(",", "."))


def _where(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    return f" (regel {mark.line + 1}, kolom {mark.column + 1})" if mark is not None else ""
