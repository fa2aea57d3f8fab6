"""The ingestion core: source files, batches, projects, documents, sections, line items, errors.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_files",
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("file_id", sa.String(200), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True)),
        sa.Column("etag", sa.String(200), nullable=False),
        sa.Column("doc_type", sa.String(10)),
        sa.Column("confidence", sa.Float),
        sa.Column("reasons", sa.JSON),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("batch_key", sa.String(100)),
        sa.Column("imported_etag", sa.String(200)),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_source_files_status", "source_files", ["source", "status"])
    op.create_index("ix_source_files_batch", "source_files", ["batch_key"])
    op.create_table(
        "source_cursors",
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("cursor", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("batch_key", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "batch_files",
        sa.Column("batch_key", sa.String(100), sa.ForeignKey("batches.batch_key"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("file_id", sa.String(200), nullable=False),
        sa.Column("etag", sa.String(200), nullable=False),
    )
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_key", sa.String(100), nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("planned", sa.Integer, nullable=False),
        sa.Column("imported", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("line_items", sa.Integer, nullable=False),
        sa.Column("bytes_downloaded", sa.BigInteger, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("seconds_download", sa.Float, nullable=False),
        sa.Column("seconds_parse", sa.Float, nullable=False),
        sa.Column("seconds_load", sa.Float, nullable=False),
        sa.Column("seconds_cleanup", sa.Float, nullable=False),
        sa.Column("peak_rss_mb", sa.Float, nullable=False),
        sa.Column("peak_disk_mb", sa.Float, nullable=False),
        sa.Column("min_free_disk_mb", sa.Float, nullable=False),
    )
    op.create_index("ix_batch_runs_batch", "batch_runs", ["batch_key"])
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("file_id", sa.String(200), nullable=False),
        sa.Column("etag", sa.String(200), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id")),
        sa.Column("doc_type", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("lot_code", sa.String(50)),
        sa.Column("lot_name", sa.Text),
        sa.Column("sheets", sa.JSON, nullable=False),
        sa.Column("declared_totals", sa.JSON, nullable=False),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("batch_key", sa.String(100)),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "file_id", name="uq_documents_file"),
    )
    op.create_table(
        "sections",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("sheet", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("code", sa.String(50)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("parent_position", sa.Integer),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table(
        "line_items",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("sheet", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("code", sa.String(50)),
        sa.Column("designation", sa.Text, nullable=False),
        sa.Column("unit", sa.String(20)),
        sa.Column("unit_raw", sa.String(50)),
        sa.Column("quantity", sa.Float),
        sa.Column("unit_price", sa.Float),
        sa.Column("total", sa.Float),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("section_position", sa.Integer),
        sa.Column("flags", sa.Text, nullable=False),
    )
    op.create_table(
        "import_errors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("file_id", sa.String(200), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("etag", sa.String(200)),
        sa.Column("batch_key", sa.String(100)),
        sa.Column("stage", sa.String(10), nullable=False),
        sa.Column("error_class", sa.String(100), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_import_errors_batch", "import_errors", ["batch_key"])


def downgrade() -> None:
    for table in ("import_errors", "line_items", "sections", "documents", "projects",
                  "batch_runs", "batch_files", "batches", "source_cursors", "source_files"):
        op.drop_table(table)
