"""ASGI middleware: security headers and server timing on every response, a request-body
limit (uploads), and a last-resort Dutch error page for unexpected failures."""
from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("praktijkwijzer.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
# The interactive API documentation (Swagger UI, served from this machine by web.routes.docs) sets
# style attributes while it renders: only that page may use inline styles. Scripts stay 'self'.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
DOCS_PATHS = ("/docs",)

BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers and `Server-Timing: app;dur=<ms>` to every HTTP response,
    and turns an unexpected exception into a Dutch 500 answer (with the same headers)."""

    def __init__(self, app: ASGIApp, on_error=None):
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = (DOCS_CSP if path in DOCS_PATHS else CSP).encode()
        t0 = time.perf_counter()
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in {b"content-security-policy", *(h for h, _ in BASE_HEADERS)}]
                headers += BASE_HEADERS + [(b"content-security-policy", csp)]
                if scope.get("method") == "POST" and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                ms = (time.perf_counter() - t0) * 1000
                headers.append((b"server-timing", f"app;dur={ms:.1f}".encode()))
                message = dict(message, headers=headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("Onverwachte fout bij %s %s", scope.get("method"), path)
            if started:
                raise
            body, ctype = (self.on_error(scope) if self.on_error else
                           ("Er ging iets mis aan onze kant. Probeer het later opnieuw.", "text/plain; charset=utf-8"))
            await send_with_headers({"type": "http.response.start", "status": 500,
                                     "headers": [(b"content-type", ctype.encode())]})
            await send({"type": "http.response.body", "body": body.encode("utf-8")})


class BodyLimit:
    """Refuses request bodies above `max_bytes` (413, Dutch) before they are read into
    memory or spooled to disk: by Content-Length, and by counting for chunked uploads."""

    def __init__(self, app: ASGIApp, max_bytes: int, render=None, limit_text: str | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.render = render        # (scope, message) -> (body, content type)
        self.limit_text = limit_text or f"{max_bytes / 2**20:.1f} MB".replace(".", ",")

    async def _refuse(self, scope, send) -> None:
        message = (f"Het bestand of de invoer is te groot. De grens is {self.limit_text}; "
                   "stuur een kleiner bestand of alleen de knelpunten.")
        body, ctype = self.render(scope, message) if self.render else (message, "text/plain; charset=utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", ctype.encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode("utf-8")})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    if int(v) > self.max_bytes:
                        await self._refuse(scope, send)
                        return
                except ValueError:
                    pass
        seen = 0
        too_large = False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _TooLarge()
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)
        except Exception:
            if too_large and not started:
                await self._refuse(scope, send)
            else:
                raise


class _TooLarge(Exception):
    pass
