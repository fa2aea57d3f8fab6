"""The price database (DESIGN.md §4) in SQLAlchemy Core; Alembic migrations create it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

FILE_STATUSES = ("new", "pending", "queued", "imported", "failed", "skipped", "deleted")
ERROR_STAGES = ("peek", "download", "parse", "load")

source_files = Table(
    "source_files",
    metadata,
    Column("source", String(200), primary_key=True),
    Column("file_id", String(200), primary_key=True),
    Column("path", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("modified", DateTime(timezone=True)),
    Column("etag", String(200), nullable=False),
    Column("doc_type", String(10)),
    Column("confidence", Float),
    Column("reasons", JSON),
    Column("status", String(10), nullable=False),
    Column("batch_key", String(100)),
    Column("imported_etag", String(200)),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Index("ix_source_files_status", "source", "status"),
    Index("ix_source_files_batch", "batch_key"),
)

# Where the last listing of each source stopped (a delta link for SharePoint, a digest for a folder).
source_cursors = Table(
    "source_cursors",
    metadata,
    Column("source", String(200), primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

# Dagster partitions carry no metadata: the batch → files manifest lives here.
batches = Table(
    "batches",
    metadata,
    Column("batch_key", String(100), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("plan_order", Integer, nullable=False, server_default="0"),  # place in its inventory's plan
    Column("files", Integer, nullable=False),
    Column("bytes", BigInteger, nullable=False),
)

batch_files = Table(
    "batch_files",
    metadata,
    Column("batch_key", String(100), ForeignKey("batches.batch_key"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("source", String(200), nullable=False),
    Column("file_id", String(200), nullable=False),
    Column("etag", String(200), nullable=False),
)

# One row per attempt at a batch: the per-batch figures that reports and the monitor show
# (a Dagster run over a range of partitions only keeps aggregate metadata).
batch_runs = Table(
    "batch_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_key", String(100), nullable=False),
    Column("run_id", String(64)),
    Column("finished", DateTime(timezone=True), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("planned", Integer, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("line_items", Integer, nullable=False),
    Column("bytes_downloaded", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("seconds_download", Float, nullable=False),
    Column("seconds_parse", Float, nullable=False),
    Column("seconds_load", Float, nullable=False),
    Column("seconds_cleanup", Float, nullable=False),
    Column("peak_rss_mb", Float, nullable=False),
    Column("peak_disk_mb", Float, nullable=False),
    Column("min_free_disk_mb", Float, nullable=False),
    Index("ix_batch_runs_batch", "batch_key"),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("file_id", String(200), nullable=False),
    Column("etag", String(200), nullable=False),
    Column("path", Text, nullable=False),
    Column("project_id", Integer, ForeignKey("projects.id")),
    Column("doc_type", String(10), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("lot_code", String(50)),  # normalised for comparison (04, 03B, A01, 07.2)
    Column("lot_name", Text),
    Column("sheets", JSON, nullable=False),
    Column("declared_totals", JSON, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("batch_key", String(100)),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("notes", JSON),  # notices to bidders (instructions above or inside the tables)
    Column("lot_code_written", String(50)),  # the lot code as the workbook writes it
    UniqueConstraint("source", "file_id", name="uq_documents_file"),
)

# Sections and line items are keyed by their position in the document, so a bulk COPY needs no
# round trip for generated ids and a parent is simply another position.
sections = Table(
    "sections",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sheet", Text, nullable=False),
    Column("row", Integer, nullable=False),
    Column("code", String(50)),
    Column("title", Text, nullable=False),
    Column("level", Integer, nullable=False),
    Column("parent_position", Integer),
    Column("description", Text, nullable=False),
)

line_items = Table(
    "line_items",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sheet", Text, nullable=False),
    Column("row", Integer, nullable=False),
    Column("code", String(50)),
    Column("designation", Text, nullable=False),
    Column("unit", String(20)),
    Column("unit_raw", String(50)),
    Column("quantity", Float),
    Column("unit_price", Float),
    Column("total", Float),
    Column("kind", String(10), nullable=False),
    Column("section_position", Integer),
    Column("flags", Text, nullable=False),
    Column("prices", JSON),  # every price component by name, when the table prices articles several ways
)

import_errors = Table(
    "import_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("file_id", String(200), nullable=False),
    Column("path", Text, nullable=False),
    Column("etag", String(200)),
    Column("batch_key", String(100)),
    Column("stage", String(10), nullable=False),
    Column("error_class", String(100), nullable=False),
    Column("message", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_import_errors_batch", "batch_key"),
)

# Robust unit-price statistics per normalised designation and unit, rebuilt whole by `price_reference`.
price_reference = Table(
    "price_reference",
    metadata,
    Column("designation_key", Text, primary_key=True),
    Column("unit", String(20), primary_key=True),
    Column("designation", Text, nullable=False),  # the wording met most often
    Column("trade", String(40)),  # the trade predicted most often for these lines, when predictions exist
    Column("count", Integer, nullable=False),
    Column("documents", Integer, nullable=False),
    Column("projects", Integer, nullable=False),
    Column("median", Float, nullable=False),
    Column("q1", Float, nullable=False),
    Column("q3", Float, nullable=False),
    Column("mad", Float, nullable=False),
    Column("min", Float, nullable=False),
    Column("max", Float, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# One brief per project and combination of criteria, with the hash of the facts it was written from.
pregenerated_content = Table(
    "pregenerated_content",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("audience", String(40), primary_key=True),
    Column("theme", String(40), primary_key=True),
    Column("style", String(40), primary_key=True),
    Column("text", Text, nullable=False),
    Column("facts_hash", String(64), nullable=False),
    Column("generator", String(100), nullable=False),
    Column("generated_at", DateTime(timezone=True), nullable=False),
)

# The trade model (group ml): its training lines per mode, its runs, and its predictions per version.
training_lines = Table(
    "training_lines",
    metadata,
    Column("mode", String(10), primary_key=True),
    Column("document_id", Integer, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("project_key", Text, nullable=False),
    Column("lot_name", Text),
    Column("designation", Text, nullable=False),
    Column("unit", String(20)),
    Column("section_path", Text, nullable=False),
    Column("quantity", Float),
    Column("unit_price", Float),
    Column("trade", String(40), nullable=False),
    Column("split", String(10), nullable=False),  # train | heldout (by project)
)

model_runs = Table(
    "model_runs",
    metadata,
    Column("model_version", String(80), primary_key=True),
    Column("mode", String(10), nullable=False),
    Column("family", String(40), nullable=False),
    Column("trained_at", DateTime(timezone=True), nullable=False),
    Column("params", JSON, nullable=False),
    Column("data_hash", String(64), nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("artefact_dir", Text, nullable=False),
)

trade_predictions = Table(
    "trade_predictions",
    metadata,
    Column("model_version", String(80), primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("mode", String(10), nullable=False),
    Column("trade", String(40), nullable=False),
    Column("probability", Float, nullable=False),
    Column("confidence", String(10), nullable=False),
    Column("predicted_at", DateTime(timezone=True), nullable=False),
    Index("ix_trade_predictions_document", "document_id", "position"),
)
