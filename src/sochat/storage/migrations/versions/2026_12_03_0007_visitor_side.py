"""The visitor side: session keys stored as hashes, stream tokens, visitors' idempotency
keys, chat files, and a topic's allowed visitor origins.

Existing session keys are replaced by their SHA-256 in place: a visitor holding a key
keeps access (lookups hash what they are given). The downgrade cannot restore plain keys;
it leaves the hashes, which simply match no key any more.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 17:40:00.000000+00:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _hash_existing_keys() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, session_key FROM chat_session WHERE session_key <> ''")).all()
    update = sa.text("UPDATE chat_session SET session_key = :h WHERE id = :id")
    for row_id, key in rows:
        digest = hashlib.sha256(str(key).encode("utf-8")).hexdigest()
        conn.execute(update, {"h": digest, "id": row_id})


def upgrade() -> None:
    _hash_existing_keys()
    op.add_column("chat_topic", sa.Column("visitor_origins", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "stream_token",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("credential", sa.String(64), server_default="", nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_stream_token")),
    )
    op.create_index(op.f("ix_stream_token_expires_at"), "stream_token", ["expires_at"])
    op.create_table(
        "visitor_idempotency_key",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_session.id"],
            name=op.f("fk_visitor_idempotency_key_session_id_chat_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "key", name=op.f("pk_visitor_idempotency_key")),
    )
    op.create_index(op.f("ix_visitor_idempotency_key_created_at"), "visitor_idempotency_key", ["created_at"])
    op.create_table(
        "chat_file",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(255), server_default="", nullable=False),
        sa.Column("content_type", sa.String(127), server_default="", nullable=False),
        sa.Column("size", sa.Integer(), server_default="0", nullable=False),
        sa.Column("storage_name", sa.String(64), server_default="", nullable=False),
        sa.Column("created_by", sa.Integer(), server_default="-1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_session.id"],
            name=op.f("fk_chat_file_session_id_chat_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_file")),
    )
    op.create_index(op.f("ix_chat_file_session_id"), "chat_file", ["session_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_file_session_id"), table_name="chat_file")
    op.drop_table("chat_file")
    op.drop_index(op.f("ix_visitor_idempotency_key_created_at"), table_name="visitor_idempotency_key")
    op.drop_table("visitor_idempotency_key")
    op.drop_index(op.f("ix_stream_token_expires_at"), table_name="stream_token")
    op.drop_table("stream_token")
    with op.batch_alter_table("chat_topic") as batch:
        batch.drop_column("visitor_origins")
