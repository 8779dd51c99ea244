"""The chat event outbox: ``chat_event``, one row per chatsession.created/changed/message.

``id`` is the cursor event streams resume from (BIGINT; SQLite's rowid, with
AUTOINCREMENT so that it never goes back after a purge). Indexed for an agent's stream
(topic_id, id), a visitor's (session_id, id) and purging (created_at).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.Integer(), server_default="0", nullable=False),
        sa.Column("changes", sa.Text(), server_default="[]", nullable=False),
        sa.Column("session_key_hash", sa.String(64), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_event")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_chat_event_created_at"), "chat_event", ["created_at"])
    op.create_index(op.f("ix_chat_event_topic_id_id"), "chat_event", ["topic_id", "id"])
    op.create_index(op.f("ix_chat_event_session_id_id"), "chat_event", ["session_id", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_event_session_id_id"), table_name="chat_event")
    op.drop_index(op.f("ix_chat_event_topic_id_id"), table_name="chat_event")
    op.drop_index(op.f("ix_chat_event_created_at"), table_name="chat_event")
    op.drop_table("chat_event")
