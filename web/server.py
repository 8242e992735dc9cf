"""Running the app with uvicorn: Dutch answers at the protocol level and a bounded stop.

* `DutchH11Protocol`: a request that is not valid HTTP/1.1 (h11 refuses it before the app
  sees it) gets a Dutch 400 instead of uvicorn's "Invalid HTTP request received.", and a
  crash before the response started a Dutch 500 instead of "Internal Server Error".
* `config()`: the uvicorn settings of `praktijkwijzer serve` (and of the load bench):
  this protocol class, no server header, no proxy headers (web.forwarded decides what to trust),
  and `timeout_graceful_shutdown`: on SIGTERM or Ctrl+C, requests in flight get that many
  seconds to finish, then they are cancelled and the server stops.
* `apply_serving_threads()`: one model thread per request while serving (see there).
* `run()`: serve until stopped; worker threads that are still busy with a cancelled request
  (CPU-bound work cannot be interrupted) do not keep the process alive: `praktijkwijzer serve`
  then ends the process itself (web.cli.serve).
"""
from __future__ import annotations

import contextlib
import os

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

INVALID_REQUEST = ("De aanvraag is geen geldig HTTP-verzoek en kon niet worden gelezen. Controleer het adres en de "
                   "kopregels van de aanvraag.")
SERVER_ERROR = "Er ging iets mis aan onze kant. Probeer het later opnieuw."
GRACEFUL_SECONDS = 10


def _plain(status: int, text: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = text.encode("utf-8")
    return [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"content-language", b"nl"), (b"connection", b"close")], body


class DutchCycle(RequestResponseCycle):
    async def send_500_response(self) -> None:
        headers, body = _plain(500, SERVER_ERROR)
        await self.send({"type": "http.response.start", "status": 500, "headers": headers})
        await self.send({"type": "http.response.body", "body": body, "more_body": False})


class DutchH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with Dutch protocol-level errors."""

    def send_400_response(self, msg: str) -> None:
        headers, body = _plain(400, INVALID_REQUEST)
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                      h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        cycle = getattr(self, "cycle", None)
        if cycle is not None and type(cycle) is RequestResponseCycle:
            cycle.__class__ = DutchCycle          # same state, Dutch 500 body


def serving_threads() -> int | None:
    """Intra-op threads of the model while serving (PRAKTIJKWIJZER_SERVE_THREADS, default 1;
    0 keeps the encoder's own setting, one per core). A server gets its parallelism from
    concurrent requests: with one thread per encoding, searches and a plan match each use a
    core instead of all of them fighting over every core (measured in `praktijkwijzer bench-web`,
    README "Belasting": on a busy 2-core machine a query took 57 ms with one thread against
    1.6 s with two)."""
    raw = os.environ.get("PRAKTIJKWIJZER_SERVE_THREADS", "1").strip()
    if not raw.isdigit():
        raise ValueError(f"PRAKTIJKWIJZER_SERVE_THREADS moet een geheel getal zijn (0 = één per kern), niet '{raw}'.")
    return int(raw) or None


def apply_serving_threads() -> int | None:
    """Set the model's intra-op threads for serving (after the index was built at start-up)."""
    n = serving_threads()
    if n:
        import torch
        torch.set_num_threads(n)
    return n


def config(app, host: str = "127.0.0.1", port: int = 8000, *, access_log: bool = False,
           graceful_seconds: int = GRACEFUL_SECONDS, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, http=DutchH11Protocol, log_level=log_level,
                          access_log=access_log, server_header=False, proxy_headers=False,
                          timeout_graceful_shutdown=graceful_seconds)


class Server(uvicorn.Server):
    """uvicorn's server, but a stop by SIGTERM/SIGINT ends `run()` normally (uvicorn would raise
    the signal again after the graceful shutdown, killing the process before it can say so)."""

    @contextlib.contextmanager
    def capture_signals(self):
        with super().capture_signals():
            yield
            self._captured_signals.clear()


def run(app, host: str, port: int, **kw) -> None:
    Server(config(app, host, port, **kw)).run()
