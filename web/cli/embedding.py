"""The encoder's sentence embeddings for the bottleneck classifier (ingest.sentences), as the
commands that read plans inject them: plan add/match, ingest (the example plans), serve, bench."""
from __future__ import annotations

from web.cli.common import CliError


def sentence_embedding(model: str | None = None):
    """ingest.sentences.Embedding of the project's encoder (the one `search` and the index use),
    for the bottleneck classifier with sentence embeddings. Raises CliError (Dutch) when the
    model cannot be loaded."""
    from index.encoder import load_encoder
    from ingest.sentences import Embedding
    try:
        encoder = load_encoder(model)
    except (ValueError, RuntimeError) as err:
        raise CliError(str(err), status=503) from None
    return Embedding(encoder.model_id, encoder.encode_passages)
