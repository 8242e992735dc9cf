"""Parsing in bounded time and memory: only Dutch IngestErrors, caps before expensive work.

Property-based (hypothesis) for the plan parser: arbitrary bytes, text and YAML/JSON never
raise anything but IngestError. Work is bounded by input-size caps, not by timing
assertions; linear-time line handling is checked by comparing CPU time of n and 4n lines
(linear: about 4x; the old quadratic loop: 16x)."""
from __future__ import annotations

import io
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.document import MAX_CHARS, parse_text
from ingest.errors import IngestError
from ingest.plans import MAX_WEIGHT, read_plan
from ingest.readers import read_bytes
from ingest.structured import MAX_DEPTH, load_json, load_yaml

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
SUFFIXES = ["plan.yaml", "plan.yml", "plan.json", "plan.md", "plan.txt", "plan.html", "plan.pdf", "plan.docx"]


def _only_ingest_errors(data: bytes, name: str):
    try:
        draft = read_plan(data, name)
    except IngestError as err:
        assert str(err) and not str(err).startswith("Traceback")
        return None
    assert draft.bottlenecks
    for b in draft.bottlenecks:
        assert 0 < b.weight <= MAX_WEIGHT
    return draft


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_give_only_ingest_errors(data, name):
    _only_ingest_errors(data, name)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab :-*&![]{}\"',#\n\t|>?%@`0123456789.eE+\\")) , max_size=400),
       st.sampled_from(["plan.yaml", "plan.json", "plan.md", "plan.txt"]))
def test_arbitrary_structured_text_gives_only_ingest_errors(text, name):
    _only_ingest_errors(text.encode("utf-8"), name)


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["knelpunten", "bottlenecks", "tekst", "text", "gewicht", "weight", "regio", "titel", "x"]),
        inner, max_size=4),
    max_leaves=25)


@SETTINGS
@given(_json_values)
def test_arbitrary_plan_shapes_give_only_ingest_errors(value):
    _only_ingest_errors(json.dumps(value).encode(), "plan.json")
    try:
        import yaml
        _only_ingest_errors(yaml.safe_dump(value, allow_unicode=True).encode(), "plan.yaml")
    except (ValueError, OverflowError):
        pass


def test_yaml_alias_bomb_is_refused_before_expanding():
    bomb = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
            + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")))
    assert len(bomb) < 600
    with pytest.raises(IngestError, match="aliassen"):
        read_plan(bomb.encode(), "bom.yaml")


@pytest.mark.parametrize("data,name", [
    ("[" * 5000 + "]" * 5000, "diep.json"), ("- " * 3000 + "x", "diep.yaml"), ("[" * 5000, "diep.yaml"),
    ("knelpunten:\n" + "".join("  " * i + "- \n" for i in range(1, 60)), "diep2.yaml")])
def test_deep_nesting_gives_a_dutch_error(data, name):
    with pytest.raises(IngestError, match="genest|geen geldig"):
        read_plan(data.encode(), name)


@pytest.mark.parametrize("doc", [{"knelpunten": 5}, {"knelpunten": "tekort"}, {"knelpunten": [[1, 2]]},
                                 {"knelpunten": [{"tekst": {"a": 1}}]}, 5, "tekst", None])
def test_wrong_plan_shapes_give_a_dutch_error(doc):
    with pytest.raises(IngestError, match="vorm van een plan|geen tekst|heeft geen tekst|geen knelpunt"):
        read_plan(json.dumps(doc).encode(), "plan.json")


@pytest.mark.parametrize("weight", ["Infinity", "-Infinity", "NaN", "1e308", "0", "-1", "101", '"veel"', "true",
                                    "[1]"])
def test_weights_must_be_finite_and_in_range(weight):
    data = '{"knelpunten": [{"tekst": "Er is een tekort aan verpleegkundigen.", "gewicht": %s}]}' % weight
    with pytest.raises(IngestError, match="ongeldig gewicht"):
        read_plan(data.encode(), "plan.json")
    with pytest.raises(IngestError, match="ongeldig gewicht"):
        read_plan(f"knelpunten:\n  - {{tekst: Te weinig stageplekken, gewicht: {weight.strip(chr(34))}}}\n"
                  .replace("Infinity", ".inf").replace("NaN", ".nan").encode(), "plan.yaml")


def test_valid_weights_and_too_many_bottlenecks():
    draft = read_plan(b'{"knelpunten": [{"tekst": "Tekort aan verpleegkundigen.", "gewicht": "2,5"}, '
                      b'{"text": "Lange wachtlijsten in de ggz.", "weight": 100}]}', "plan.json")
    assert [b.weight for b in draft.bottlenecks] == [2.5, 100.0]
    with pytest.raises(IngestError, match="de grens is"):
        read_plan(json.dumps([f"Knelpunt nummer {i}." for i in range(500)]).encode(), "plan.json")


def test_oversized_text_is_refused_before_parsing():
    with pytest.raises(IngestError, match="te veel tekst"):
        read_bytes(b"zorg " * (MAX_CHARS // 5 + 10), "groot.txt")


def test_a_block_over_a_million_characters_does_not_reach_spacy_whole():
    """spaCy refuses texts over 1,000,000 characters (E088): long blocks are fed in pieces."""
    text = "# Plan\n\n## Knelpunten\n\n" + ("Er is een groot tekort aan verpleegkundigen in de wijk " * 20000) + "\n"
    assert len(text) > 1_000_000
    try:
        read_plan(text.encode(), "lang.md")
    except IngestError as err:
        assert "E088" not in str(err)


def test_many_docx_paragraphs_are_bounded():
    import docx
    d = docx.Document()
    for i in range(21000):
        d.add_paragraph(f"Alinea {i}.")
    buf = io.BytesIO()
    d.save(buf)
    with pytest.raises(IngestError, match="te veel onderdelen"):
        read_bytes(buf.getvalue(), "veel.docx")


def _cpu(fn, *args) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - t)
    return best


def test_line_handling_is_linear():
    unit = "Korte regel zonder punt\n\nEen zin met een tekort aan personeel.\n- een lijstpunt\n"
    small, large = unit * 1500, unit * 6000          # ~100 KB and ~400 KB
    t_small, t_large = _cpu(parse_text, small), _cpu(parse_text, large)
    assert t_large < 9 * max(t_small, 0.01), (t_small, t_large)


def test_structured_loaders_directly():
    assert load_yaml("knelpunten:\n  - a\n", "x.yaml") == {"knelpunten": ["a"]}
    assert load_json('{"a": [1, 2]}', "x.json") == {"a": [1, 2]}
    with pytest.raises(IngestError):
        load_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "x.json")


def test_docx_zip_bomb_is_refused_before_inflating():
    import zipfile

    from ingest.readers import MAX_DOCX_UNPACKED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b" " * (MAX_DOCX_UNPACKED + 1024))
    assert len(buf.getvalue()) < 1_000_000
    with pytest.raises(IngestError, match="te groot"):
        read_bytes(buf.getvalue(), "bom.docx")
