"""Batches remember their place in the inventory's plan, so partitions register most confident first.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batches planned before this revision keep their old order (by key within an inventory)
    with op.batch_alter_table("batches") as table:
        table.add_column(sa.Column("plan_order", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("batches") as table:
        table.drop_column("plan_order")
