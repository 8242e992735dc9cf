"""Every request's work is bounded, and every refusal is Dutch in the API's error shape:
regression tests for the classes of the hardening issue that the web owns (JSON that Python
accepts but JSON does not, lone surrogates, deep nesting, infinite weights, bodies that cannot
be parsed, the per-client /api/match budget, a full heavy-work pool, protocol errors)."""
from __future__ import annotations

import json
import socket
import threading

import pytest
from fastapi.testclient import TestClient

from web.budget import TokenBucket, match_cost


def error(r, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.text[:300]
    body = r.json()
    assert set(body) == {"status", "detail", "errors"} and body["status"] == status
    assert isinstance(body["errors"], list) and body["detail"]
    return body


def post_raw(client, raw: bytes, path: str = "/api/match"):
    return client.post(path, content=raw, headers={"content-type": "application/json"})


@pytest.mark.parametrize("raw, words", [
    (b'{"bottlenecks": ["werkdruk"], "weights": [NaN]}', "NaN en Infinity"),
    (b'{"bottlenecks": ["werkdruk"], "weights": [Infinity]}', "NaN en Infinity"),
    (b'{"bottlenecks": [{"text": "werkdruk", "weight": -Infinity}]}', "NaN en Infinity"),
    (b'{"bottlenecks": ["werkdruk", "uitval"], "weights": [1e308, 1e308]}', "hoogstens 100"),
    (b'{"bottlenecks": ["werkdruk"], "weights": [1e999]}', "te groot"),
    (b'{"bottlenecks": ["werkdruk"], "weights": [' + b"9" * 5000 + b']}', "hoogstens 100 cijfers"),
    (b'{"bottlenecks": ["werk\\ud800druk"]}', "surrogaat"),
    (b'{"bottlenecks": ["werkdruk"], "region": "\\udfff"}', "surrogaat"),
    (b'{"\\ud83d": 1, "bottlenecks": ["werkdruk"]}', "surrogaat"),
    (b'{"bottlenecks": ' + b"[" * 5000 + b"]" * 5000 + b"}", "te diep genest"),
    (b'{"bottlenecks": ["werkdruk \xff"]}', "UTF-8"),
    (b'{"knelpunten": 5}', "verplicht"),
    (b'{"bottlenecks": 5}', "lijst"),
    (b'[]', "object"),
    (b'"tekst"', "object"),
    (b'{"bottlenecks": ["werkdruk"], "k": 1e3}', "aantal"),
])
def test_json_bodies_that_json_does_not_allow_are_refused_in_dutch(client, raw, words):
    body = error(post_raw(client, raw), 422)
    assert words in body["detail"], body


def test_a_large_json_body_is_refused_before_parsing(client):
    raw = json.dumps({"bottlenecks": ["werkdruk " * 100] * 1000}).encode()
    body = error(post_raw(client, raw), 413)
    assert "te groot" in body["detail"]


@pytest.mark.parametrize("path, kw", [
    ("/plan-toetsen", {"content": b"--grens\r\nkapot", "headers": {"content-type": "multipart/form-data; boundary=grens"}}),
    ("/api/match", {"content": b"{}", "headers": {"content-type": "application/json; charset=latin-99"}}),
])
def test_bodies_that_cannot_be_parsed_are_dutch(client, path, kw):
    r = client.post(path, **kw)
    assert r.status_code in (400, 422), r.text[:300]
    assert "error parsing" not in r.text and "There was" not in r.text
    if path.startswith("/api/"):
        error(r, r.status_code)
    else:
        assert 'role="alert"' in r.text and "Fout" in r.text, r.text[:500]


def test_match_budget_per_client_address(web_app, kb_path):
    saved = web_app.state.match_budget
    web_app.state.match_budget = TokenBucket(kb_path, 60, 300, name="test-bounds")  # 1 unit per second, bursts of 300
    try:
        body = {"bottlenecks": ["Hoge werkdruk in de ggz"]}
        alice = TestClient(web_app, client=("192.0.2.10", 1))
        assert alice.post("/api/match", json=body).status_code == 200
        r = alice.post("/api/match", json=body)
        detail = error(r, 429)["detail"]
        wait = int(r.headers["retry-after"])
        assert 100 < wait <= 300 and f"over {wait} seconden" in detail
        # an invalid request is refused without costing anything; another address has its own budget
        error(alice.post("/api/match", json={"bottlenecks": []}), 422)
        assert TestClient(web_app, client=("192.0.2.11", 1)).post("/api/match", json=body).status_code == 200
    finally:
        web_app.state.match_budget = saved
    assert match_cost(["a" * 1000] * 40) == 48_000


def test_every_server_worker_sees_one_budget(web_app, kb_path, index_root):
    """Two apps on one database (what two worker processes of `serve` are): what a client spent
    at one is spent at the other, and a new budget object (a restart) still knows it."""
    from web.app import create_app
    other = create_app(kb_path, index_root)
    saved = web_app.state.match_budget
    web_app.state.match_budget = TokenBucket(kb_path, 60, 300, name="test-workers")
    other.state.match_budget = TokenBucket(kb_path, 60, 300, name="test-workers")
    try:
        body = {"bottlenecks": ["Te weinig stageplekken in de wijkverpleging"]}
        assert TestClient(web_app, client=("192.0.2.20", 1)).post("/api/match", json=body).status_code == 200
        r = TestClient(other, client=("192.0.2.20", 2)).post("/api/match", json=body)
        error(r, 429)
        assert 100 < int(r.headers["retry-after"]) <= 300
        restarted = TokenBucket(kb_path, 60, 300, name="test-workers")
        assert restarted.take("192.0.2.20", 300) > 100 and restarted.take("192.0.2.21", 300) == 0.0
    finally:
        web_app.state.match_budget = saved


def test_the_budget_is_safe_from_many_threads(tmp_path):
    """One budget object used by many request threads at once grants exactly its burst."""
    bucket = TokenBucket(tmp_path / "budget.db", 1e-6, 1000, clock=lambda: 1_800_000_000.0)
    start, granted = threading.Barrier(8), []

    def worker():
        start.wait()
        granted.append(sum(bucket.take("192.0.2.30", 10) == 0.0 for _ in range(30)))
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(granted) == 100 and bucket.level("192.0.2.30") == pytest.approx(0.0, abs=1e-3)
    assert TokenBucket(tmp_path / "budget.db", 0, 0).take("x", 10 ** 9) == 0.0          # switched off


def test_a_full_heavy_pool_answers_503_with_retry_after(writable_app):
    from web.services import Busy, HeavyPool
    pool = HeavyPool(workers=1, queue=0)
    gate, started = threading.Event(), threading.Event()
    blocker = threading.Thread(target=pool.call, args=(lambda: (started.set(), gate.wait(30)),), daemon=True)
    blocker.start()
    started.wait(10)
    try:
        with pytest.raises(Busy):
            pool.call(lambda: 1)
        writable_app.state.services.heavy_pool = pool
        c = TestClient(writable_app)
        r = c.post("/api/match", json={"bottlenecks": ["Een knelpunt dat nog niet is getoetst: te weinig koks"]})
        body = error(r, 503)
        assert "erg druk" in body["detail"] and int(r.headers["retry-after"]) > 0
        r = c.get("/plan-toetsen", params={"knelpunt": "Nog een nieuw knelpunt over roosters"})
        assert r.status_code == 503 and "erg druk" in r.text
        assert c.get("/api/search", params={"q": "werkdruk"}).status_code == 200   # searches are not in that pool
    finally:
        gate.set()
        blocker.join(10)
    assert pool.call(lambda: 2) == 2


def test_malformed_http_gets_a_dutch_400(live_server):
    host, port = live_server.removeprefix("http://").split(":")
    for raw in (b"GET / HTTP/1.1\r\nHost: x\r\nKop zonder dubbelepunt\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\r\n\r\n",
                b"GET /\x00 HTTP/1.1\r\n\r\n"):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(raw)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), data[:200]
        assert "geen geldig HTTP-verzoek" in body.decode("utf-8") and b"Invalid" not in data
