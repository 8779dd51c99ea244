"""Topic pick-up count and list references; indexes for the session queries.

* chat_topic.accept_count: the weight of the running mean in seconds_pr_accept.
* chat_topic.list_items: the language / ticket category / ticket priority / alert template
  the *_id columns point at, with their display values (JSON).
* chat_session: (topic_id, status, when_requested) for the queue, (user_id, status) for a
  user's active sessions, transfer_to_id, when_ended and session_key. The first two replace
  the single-column topic_id and user_id indexes, whose role (serving the foreign keys)
  they take over as their leading column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines (a constant default needs no table rebuild on SQLite).
    op.add_column("chat_topic", sa.Column("accept_count", sa.Integer(), server_default="0", nullable=False))
    op.add_column("chat_topic", sa.Column("list_items", sa.Text(), nullable=True))

    op.create_index(
        op.f("ix_chat_session_topic_id_status_when_requested"),
        "chat_session",
        ["topic_id", "status", "when_requested"],
    )
    op.create_index(op.f("ix_chat_session_user_id_status"), "chat_session", ["user_id", "status"])
    op.create_index(op.f("ix_chat_session_transfer_to_id"), "chat_session", ["transfer_to_id"])
    op.create_index(op.f("ix_chat_session_when_ended"), "chat_session", ["when_ended"])
    op.create_index(op.f("ix_chat_session_session_key"), "chat_session", ["session_key"])
    op.drop_index(op.f("ix_chat_session_topic_id"), table_name="chat_session")
    op.drop_index(op.f("ix_chat_session_user_id"), table_name="chat_session")


def downgrade() -> None:
    op.create_index(op.f("ix_chat_session_user_id"), "chat_session", ["user_id"])
    op.create_index(op.f("ix_chat_session_topic_id"), "chat_session", ["topic_id"])
    op.drop_index(op.f("ix_chat_session_session_key"), table_name="chat_session")
    op.drop_index(op.f("ix_chat_session_when_ended"), table_name="chat_session")
    op.drop_index(op.f("ix_chat_session_transfer_to_id"), table_name="chat_session")
    op.drop_index(op.f("ix_chat_session_user_id_status"), table_name="chat_session")
    op.drop_index(op.f("ix_chat_session_topic_id_status_when_requested"), table_name="chat_session")
    # SQLite: batch mode rebuilds chat_topic without the two columns (move and copy).
    with op.batch_alter_table("chat_topic") as batch:
        batch.drop_column("list_items")
        batch.drop_column("accept_count")
