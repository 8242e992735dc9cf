"""Bounds of the numbers users give, shared by both front ends: the API declares them on its
parameters (FastAPI refuses values outside with a Dutch 422) and the CLI checks its options
against the same bounds (web.messages.range_errors), so both give the same message."""
from __future__ import annotations

K = {"ge": 1, "le": 100}               # results per search request
OFFSET = {"ge": 0, "le": 10_000}       # first result of a page
PAGE = {"ge": 1, "le": 10_000}
SIMILAR_K = {"ge": 1, "le": 27}        # similar regions (there are 27 others)
MATCH_K = {"ge": 1, "le": 50}          # recommended practices of a plan match
DIVERSITY = {"ge": 0.0, "le": 1.0}     # MMR spread of near-identical results (CLI)
