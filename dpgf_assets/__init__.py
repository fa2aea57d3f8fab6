"""Dagster data platform for French construction pricing spreadsheets; the layout is in the README."""
