"""PDF of a printable page (the plan report) with WeasyPrint, offline and one at a time.

WeasyPrint (pinned in pyproject.toml) needs Pango from the operating system; scripts/setup.sh
installs it (Debian: libpango-1.0-0, libpangoft2-1.0-0). Without it `unavailable()` says why
and the pages offer the browser's print function instead.

The renderer fetches nothing from outside: only files of web/static/ (the style sheets and
the logo) are served to it; every other address is refused. Rendering takes seconds of CPU,
so at most one PDF is made at a time; a request that waits longer than WAIT_SECONDS gets a
Dutch "busy" error instead of tying up the server.
"""
from __future__ import annotations

import mimetypes
import threading
from functools import lru_cache
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
WAIT_SECONDS = 30
_one_at_a_time = threading.BoundedSemaphore(1)


class PdfUnavailable(RuntimeError):
    """No PDF can be made (Dutch message)."""


class PdfBusy(RuntimeError):
    """Another PDF is being made (Dutch message)."""


@lru_cache(maxsize=1)
def unavailable() -> str | None:
    """None when PDFs can be made here; otherwise the Dutch reason."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        return ("Een PDF maken kan op deze server niet: de onderdelen daarvoor (WeasyPrint met Pango) ontbreken "
                f"({type(err).__name__}). Gebruik de afdrukfunctie van uw browser en kies ‘Opslaan als PDF’.")
    return None


def static_file(url: str) -> Path:
    """The file of web/static/ an address points to (…/static/NAME); ValueError otherwise."""
    prefix = "/static/"
    path = url.split("://", 1)[-1]
    path = path[path.find(prefix):] if prefix in path else ""
    name = path[len(prefix):].split("?", 1)[0].split("#", 1)[0]
    target = (STATIC_DIR / name).resolve() if name else None
    if target is None or STATIC_DIR.resolve() not in target.parents or not target.is_file():
        raise ValueError(f"Niet toegestaan in een PDF: {url}")
    return target


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        """Serves files of web/static/ only; nothing is fetched from a network."""

        def fetch(self, url, headers=None):
            target = static_file(url)
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse("file://" + str(target), target.read_bytes(), {"Content-Type": mime})
    return StaticOnly(allowed_protocols=())


def render_pdf(html: str, base_url: str = "http://localhost/") -> bytes:
    """The PDF of `html` (print media). Raises PdfUnavailable or PdfBusy (Dutch)."""
    reason = unavailable()
    if reason:
        raise PdfUnavailable(reason)
    if not _one_at_a_time.acquire(timeout=WAIT_SECONDS):
        raise PdfBusy("Er wordt op dit moment al een PDF gemaakt. Probeer het over een minuut opnieuw, of gebruik de "
                      "afdrukfunctie van uw browser.")
    try:
        from weasyprint import HTML
        return HTML(string=html, base_url=base_url, url_fetcher=_fetcher(), media_type="print").write_pdf()
    finally:
        _one_at_a_time.release()
