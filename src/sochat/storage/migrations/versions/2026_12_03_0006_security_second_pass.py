"""Security, second pass: shared rate-limit counters, OIDC identities bound by issuer +
subject, and the real poster of each chat message.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_message") as batch:
        batch.add_column(sa.Column("posted_by", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "rate_limit",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit")),
    )
    op.create_index(op.f("ix_rate_limit_expires_at"), "rate_limit", ["expires_at"])
    op.create_table(
        "oidc_identity",
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associate.id"],
            name=op.f("fk_oidc_identity_associate_id_associate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_oidc_identity")),
    )
    op.create_index(op.f("ix_oidc_identity_associate_id"), "oidc_identity", ["associate_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_identity_associate_id"), table_name="oidc_identity")
    op.drop_table("oidc_identity")
    op.drop_index(op.f("ix_rate_limit_expires_at"), table_name="rate_limit")
    op.drop_table("rate_limit")
    with op.batch_alter_table("chat_message") as batch:
        batch.drop_column("posted_by")
