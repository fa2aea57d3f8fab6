"""The price reference and the pregenerated briefs (group content).

Revision ID: 0003_content_tables
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_content_tables"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_reference",
        sa.Column("designation_key", sa.Text, primary_key=True),
        sa.Column("unit", sa.String(20), primary_key=True),
        sa.Column("designation", sa.Text, nullable=False),
        sa.Column("trade", sa.String(40)),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("projects", sa.Integer, nullable=False),
        sa.Column("median", sa.Float, nullable=False),
        sa.Column("q1", sa.Float, nullable=False),
        sa.Column("q3", sa.Float, nullable=False),
        sa.Column("mad", sa.Float, nullable=False),
        sa.Column("min", sa.Float, nullable=False),
        sa.Column("max", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "pregenerated_content",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("audience", sa.String(40), primary_key=True),
        sa.Column("theme", sa.String(40), primary_key=True),
        sa.Column("style", sa.String(40), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("facts_hash", sa.String(64), nullable=False),
        sa.Column("generator", sa.String(100), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pregenerated_content")
    op.drop_table("price_reference")
