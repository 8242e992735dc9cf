"""A FastAPI app served by uvicorn on a free localhost port in a background thread, with the
settings of `praktijkwijzer serve` (web.server), for the browser tests."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app, *, name: str = "uvicorn-test") -> Iterator[str]:
    """`with served(app) as base:` — the app's base URL while the server runs."""
    import uvicorn

    from web.server import config
    server = uvicorn.Server(config(app, "127.0.0.1", free_port()))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("De testserver (uvicorn) startte niet binnen 30 seconden.")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
