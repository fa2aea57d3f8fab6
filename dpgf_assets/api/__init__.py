"""The read-only HTTP API (FastAPI) over the pregenerated briefs and the price reference."""
