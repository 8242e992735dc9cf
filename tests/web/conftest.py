"""Fixtures of the web tests: one app per session on the real knowledge base and index
(tests/conftest.py), a TestClient, a live server (uvicorn in a thread) and one real
headless Chromium for the end-to-end tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.web.live import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def web_app(kb_path, index_root, encoder, parse_pool):
    """The application on the session knowledge base (read-only use). The encoder fixture
    loads the model once; the app's Services get the same cached instance. Uploads are read by
    the session's parse worker (tests/conftest.py)."""
    from web.app import create_app
    app = create_app(kb_path, index_root)
    app.state.parse_pool = parse_pool
    app.state.services.searcher()
    return app


@pytest.fixture(scope="session")
def client(web_app):
    from fastapi.testclient import TestClient
    with TestClient(web_app) as c:
        yield c


@pytest.fixture
def writable_app(kb_copy, index_root, tmp_path, encoder, parse_pool):
    """An app on a private copy of the knowledge base and of the index (tests that write)."""
    from web.app import create_app
    index_copy = tmp_path / "index"
    shutil.copytree(index_root, index_copy)
    app = create_app(kb_copy, index_copy)
    app.state.parse_pool = parse_pool
    return app


@pytest.fixture(scope="session")
def live_server(web_app):
    """The session app served by uvicorn on a free localhost port, in a background thread, with
    the settings of `praktijkwijzer serve` (web.server)."""
    with served(web_app) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """One real headless Chromium (Debian's) for all end-to-end tests."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium ontbreekt ({CHROMIUM}). Installeer het met './scripts/setup.sh --test' "
                    "(of 'apt-get install chromium'); de browsertests worden niet overgeslagen.")
    from playwright.sync_api import sync_playwright
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="nl-NL")
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.js_errors = errors
    yield p
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
