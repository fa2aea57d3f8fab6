"""Dagster data platform for French construction pricing spreadsheets; the layout is in the README."""

from dpgf_assets.compiled import module_path as _module_path

__path__ = _module_path(__name__, __path__)  # the compiled parser first, when built and current
