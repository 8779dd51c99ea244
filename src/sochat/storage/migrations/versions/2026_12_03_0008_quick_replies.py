"""Quick replies: agents' personal snippets for the console (a sochat extension).

Revision ID: 0008
Revises: 0007 (0005 before the visitor branch was merged in)
Create Date: 2026-12-03 18:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quick_reply",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), server_default="", nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associate.id"],
            name=op.f("fk_quick_reply_associate_id_associate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_reply")),
    )
    op.create_index(op.f("ix_quick_reply_associate_id"), "quick_reply", ["associate_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_quick_reply_associate_id"), table_name="quick_reply")
    op.drop_table("quick_reply")
