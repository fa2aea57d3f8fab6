"""The trade model's tables (group ml): training lines by mode, model runs, predictions.

Revision ID: 0005_trade_model
Revises: 0004_line_item_prices
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_trade_model"
down_revision = "0004_line_item_prices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_lines",
        sa.Column("mode", sa.String(10), primary_key=True),
        sa.Column("document_id", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("project_key", sa.Text, nullable=False),
        sa.Column("lot_name", sa.Text),
        sa.Column("designation", sa.Text, nullable=False),
        sa.Column("unit", sa.String(20)),
        sa.Column("section_path", sa.Text, nullable=False),
        sa.Column("quantity", sa.Float),
        sa.Column("unit_price", sa.Float),
        sa.Column("trade", sa.String(40), nullable=False),
        sa.Column("split", sa.String(10), nullable=False),
    )
    op.create_table(
        "model_runs",
        sa.Column("model_version", sa.String(80), primary_key=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("family", sa.String(40), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("artefact_dir", sa.Text, nullable=False),
    )
    op.create_table(
        "trade_predictions",
        sa.Column("model_version", sa.String(80), primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("trade", sa.String(40), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("confidence", sa.String(10), nullable=False),
        sa.Column("predicted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_trade_predictions_document", "trade_predictions", ["document_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_trade_predictions_document", "trade_predictions")
    op.drop_table("trade_predictions")
    op.drop_table("model_runs")
    op.drop_table("training_lines")
