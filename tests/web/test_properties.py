"""Property-based tests of the public surface, in-process on the real app, knowledge base, index
and model: schemathesis generates requests from /openapi.json (valid ones and ones that break
the schema), hypothesis generates the forms and query strings of the pages (search page, plan
form, login). Every answer must be below 500, and every refusal Dutch: on /api in the error
shape {status, detail, errors[{loc, field, msg, type}]}, on pages without framework texts.

At least MIN_REQUESTS requests are generated in all (each test counts its own and checks its
share). Seeds are fixed (derandomize) so CI is reproducible; a failure prints the request.
The /api/match budget is made small for the API run: requests over it get 429 (also checked),
which keeps the run short without leaving the matching path out.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.dutch import check_error_body, check_page, header

MIN_REQUESTS = 1000
API_EXAMPLES = 620
PAGE_EXAMPLES = 260
PLAN_EXAMPLES = 80
LOGIN_EXAMPLES = 80
SETTINGS = dict(deadline=None, database=None, derandomize=True, print_blob=True,
                suppress_health_check=list(HealthCheck))
COUNTS: dict[str, int] = {}


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


@pytest.fixture(scope="module")
def api_schema(web_app):
    import schemathesis
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


@pytest.fixture
def small_match_budget(web_app, kb_path):
    from web.budget import TokenBucket
    saved = web_app.state.match_budget
    web_app.state.match_budget = TokenBucket(kb_path, 6000, 6000, name="test-properties")  # ~6,000 characters a minute
    yield
    web_app.state.match_budget = saved


def test_api_from_the_openapi_schema(api_schema, small_match_budget):
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import response_schema_conformance
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert {(o.method.upper(), o.path) for o in operations} >= {("GET", "/api/search"), ("POST", "/api/match")}
    strategies = [o.as_strategy(generation_mode=m) for o in operations
                  for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]

    @settings(max_examples=API_EXAMPLES, **SETTINGS)
    @given(st.one_of(strategies))
    def run(case):
        _count("api")
        response = case.call()
        where = f"{case.method} {case.formatted_path} query={case.query!r} body={str(case.body)[:300]!r}"
        assert response.status_code < 500, (where, response.text[:500])
        if response.status_code >= 400:
            check_error_body(response, where)
            if response.status_code in (429, 503):
                assert int(header(response, "retry-after")) >= 1, where
        else:
            case.validate_response(response, checks=[response_schema_conformance])

    run()
    assert COUNTS["api"] >= API_EXAMPLES * 0.9


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
WORDS = st.sampled_from(["werkdruk", "stageplekken", "zij-instromers", "ggz", "verzuim", "wijkverpleging", "<script>",
                         "'; DROP TABLE entries; --", "%00", "ë", "🙂", "..", "/", "\\", "", " ", "Drechtsteden", "21"])
MIXED = st.one_of(TEXT, WORDS, st.lists(WORDS, min_size=1, max_size=6).map(" ".join))


def _values(registry, kind: str):
    return st.one_of(st.sampled_from(sorted(registry.labels(kind))), MIXED)


def test_search_page_params(client, web_app):
    registry = web_app.state.services.registry()
    params = st.fixed_dictionaries({}, optional={
        "q": MIXED, "type": st.one_of(st.sampled_from(["praktijk", "advies", "bouwsteen", "beleid"]), MIXED),
        "label": st.one_of(st.sampled_from(["Koploper", "Falend Vooruit", "voorbeeld"]), MIXED),
        "actielijn": _values(registry, "actielijn"), "thema": _values(registry, "thema"),
        "branche": _values(registry, "branche"), "regio": _values(registry, "regio"),
        "pagina": st.one_of(st.integers(-5, 20_000).map(str), MIXED),
        "formaat": st.one_of(st.sampled_from(["csv", "json"]), MIXED)})

    @settings(max_examples=PAGE_EXAMPLES, **SETTINGS)
    @given(params)
    def run(p):
        _count("page")
        r = client.get("/", params=p)
        check_page(r, f"GET / {p!r}")
        if r.status_code == 200 and r.headers["content-type"].startswith("text/html"):
            assert "Zoeken" in r.text

    run()
    assert COUNTS["page"] >= PAGE_EXAMPLES * 0.9


def test_plan_form(client, web_app):
    registry = web_app.state.services.registry()
    lines = st.lists(st.one_of(WORDS, st.lists(WORDS, min_size=2, max_size=8).map(" ".join), TEXT), max_size=4)
    weights = st.lists(st.one_of(st.sampled_from(["1", "2,5", "0", "-1", "nan", "inf", "1e308", "100", "101", ""]),
                                 TEXT), max_size=5)
    form = st.fixed_dictionaries({}, optional={
        "knelpunten": lines.map("\n".join), "knelpunt": lines, "gewicht": weights,
        "regio": st.one_of(st.sampled_from(sorted(registry.labels("regio"))), MIXED)})

    @settings(max_examples=PLAN_EXAMPLES, **SETTINGS)
    @given(form, st.booleans())
    def run(data, as_get):
        _count("plan")
        if as_get:
            r = client.get("/plan-toetsen", params={k: v for k, v in data.items() if k != "knelpunten"})
        else:
            r = client.post("/plan-toetsen", data=data)
        check_page(r, f"{'GET' if as_get else 'POST'} /plan-toetsen {data!r}")

    run()
    assert COUNTS["plan"] >= PLAN_EXAMPLES * 0.9


def test_login_form(writable_app):
    from fastapi.testclient import TestClient
    c = TestClient(writable_app)
    page = c.get("/beheer/inloggen")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = st.fixed_dictionaries({}, optional={
        "gebruikersnaam": MIXED, "wachtwoord": st.one_of(MIXED, st.text(min_size=1000, max_size=1100)),
        "csrf_token": st.one_of(st.just(token), MIXED), "volgende": st.one_of(st.just("/beheer/items"), MIXED)})

    @settings(max_examples=LOGIN_EXAMPLES, **SETTINGS)
    @given(form)
    def run(data):
        _count("login")
        r = c.post("/beheer/inloggen", data=data, follow_redirects=False)
        check_page(r, f"POST /beheer/inloggen {data!r}")
        assert r.status_code in (401, 403, 429), r.status_code       # nobody has an account here
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1

    run()
    assert COUNTS["login"] >= LOGIN_EXAMPLES * 0.9


def test_enough_generated_requests():
    """The suite's share of generated requests (when the tests above ran in this session)."""
    if set(COUNTS) != {"api", "page", "plan", "login"}:
        pytest.skip("only part of the property tests ran")
    assert sum(COUNTS.values()) >= MIN_REQUESTS, COUNTS
