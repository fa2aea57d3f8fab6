"""The price database: schema (SQLAlchemy Core), Alembic migrations, bulk writers per dialect, read queries."""
