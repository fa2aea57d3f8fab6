"""Multi-price schedules and what the parser now keeps beside the items (issue 15): every price
component of a line item by name, the notices to bidders of a document, its lot code as written.

Revision ID: 0004_line_item_prices
Revises: 0003_content_tables
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_line_item_prices"
down_revision = "0003_content_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # all nullable: documents imported before keep NULL (no components, no notes, code as normalised)
    with op.batch_alter_table("line_items") as table:
        table.add_column(sa.Column("prices", sa.JSON))
    with op.batch_alter_table("documents") as table:
        table.add_column(sa.Column("notes", sa.JSON))
        table.add_column(sa.Column("lot_code_written", sa.String(50)))


def downgrade() -> None:
    with op.batch_alter_table("documents") as table:
        table.drop_column("lot_code_written")
        table.drop_column("notes")
    with op.batch_alter_table("line_items") as table:
        table.drop_column("prices")
