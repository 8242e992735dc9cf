"""Errors raised by ingestion. Messages are Dutch: they are shown to users as they are."""


class IngestError(Exception):
    """A document cannot be read or ingested. `str(err)` is a complete Dutch sentence."""

    def __init__(self, message: str, *, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message
