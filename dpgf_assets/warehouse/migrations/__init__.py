"""Alembic migrations of the warehouse; applied at start by ``warehouse.db.migrate``."""
