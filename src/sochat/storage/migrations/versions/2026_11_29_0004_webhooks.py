"""Webhooks: registrations, the delivery outbox and the fan-out cursor (webhooks.md).

* webhook: one registration (the Webhook carrier) with its counters and backoff time.
* webhook_delivery: one row per (webhook, event), holding the exact body every attempt
  sends; unique on (webhook_id, event_uid); indexed for claiming (status, due_at) and
  purging (finished_at).
* webhook_cursor: a single row (id 1) with the last chat_event id fanned out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(255), server_default="", nullable=False),
        sa.Column("events", sa.Text(), server_default="[]", nullable=False),
        sa.Column("target_url", sa.Text(), server_default="", nullable=False),
        sa.Column("secret", sa.Text(), server_default="", nullable=False),
        sa.Column("state", sa.Integer(), server_default="1", nullable=False),
        sa.Column("type", sa.String(32), server_default="webhook", nullable=False),
        sa.Column("headers", sa.Text(), server_default="{}", nullable=False),
        sa.Column("properties", sa.Text(), server_default="{}", nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=True),
        sa.Column("registered_by", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors_email", sa.String(255), server_default="", nullable=False),
        sa.Column("error_emails", sa.Text(), server_default="[]", nullable=False),
        sa.Column("error_associates", sa.Text(), server_default="[]", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("notify_via", sa.Integer(), server_default="0", nullable=False),
        sa.Column("notify_when", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("consecutive_errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "webhook_delivery",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("event_uid", sa.String(36), nullable=False),
        sa.Column("event_name", sa.String(255), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("primary_key", sa.Integer(), server_default="0", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("lease", sa.String(32), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhook.id"],
            name=op.f("fk_webhook_delivery_webhook_id_webhook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("webhook_id", "event_uid", name=op.f("uq_webhook_delivery_webhook_id_event_uid")),
    )
    op.create_index(op.f("ix_webhook_delivery_status_due_at"), "webhook_delivery", ["status", "due_at"])
    op.create_index(op.f("ix_webhook_delivery_finished_at"), "webhook_delivery", ["finished_at"])
    cursor = op.create_table(
        "webhook_cursor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_cursor")),
    )
    # Start after the events that already exist: webhooks registered from now on receive
    # what happens from now on.
    op.execute(
        sa.insert(cursor).from_select(
            ["id", "position"],
            sa.select(sa.literal(1), sa.func.coalesce(sa.func.max(sa.column("id")), 0)).select_from(
                sa.table("chat_event", sa.column("id"))
            ),
        )
    )


def downgrade() -> None:
    op.drop_table("webhook_cursor")
    op.drop_index(op.f("ix_webhook_delivery_finished_at"), table_name="webhook_delivery")
    op.drop_index(op.f("ix_webhook_delivery_status_due_at"), table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook")
