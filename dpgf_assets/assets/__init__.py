"""Thin Dagster assets, one module per group; the work itself is in the domain packages."""
