"""Initial schema: users, login tickets, CRM summaries, chat topics, members, sessions, messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:44:25.663104+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "associate",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("user_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("user_name_key", sa.String(length=255), nullable=True),
        sa.Column("password_hash", sa.String(length=255), server_default="", nullable=False),
        sa.Column("credentials_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("person_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rank", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tooltip", sa.String(length=255), server_default="", nullable=False),
        sa.Column("type", sa.Integer(), server_default="1", nullable=False),
        sa.Column("group_idx", sa.Integer(), server_default="0", nullable=False),
        sa.Column("full_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("formal_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ej_user_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_chat_agent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_chat_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("chat_present", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("extra_fields", sa.Text(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associate")),
    )
    op.create_index(op.f("ix_associate_user_name_key"), "associate", ["user_name_key"], unique=True)

    op.create_table(
        "chat_topic",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("description", sa.String(length=255), server_default="", nullable=False),
        sa.Column("welcome_message", sa.Text(), server_default="", nullable=False),
        sa.Column("language_id", sa.Integer(), nullable=True),
        sa.Column("last_accept", sa.DateTime(), nullable=True),
        sa.Column("seconds_pr_accept", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alert_recipient", sa.String(length=255), server_default="", nullable=False),
        sa.Column("alert_template_id", sa.Integer(), nullable=True),
        sa.Column("flags", sa.Integer(), server_default="0", nullable=False),
        sa.Column("badge_header", sa.String(length=255), server_default="", nullable=False),
        sa.Column("custom_queue_text", sa.String(length=255), server_default="", nullable=False),
        sa.Column("warn_new_chat_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("warn_manager_new_chat_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("warn_chat_message_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("warn_manager_chat_message_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ticket_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ticket_category_id", sa.Integer(), nullable=True),
        sa.Column("ticket_priority_id", sa.Integer(), nullable=True),
        sa.Column("opening_hours_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("widget", sa.Text(), nullable=True),
        sa.Column("bot_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("bot_settings", sa.Text(), nullable=True),
        sa.Column("offline_form_time_limit", sa.Integer(), server_default="0", nullable=False),
        sa.Column("offline_form_queue_length", sa.Integer(), server_default="0", nullable=False),
        sa.Column("widget_enable_rating", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("widget_rating_text", sa.String(length=1024), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_topic")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("org_nr", sa.String(length=255), server_default="", nullable=False),
        sa.Column("department", sa.String(length=255), server_default="", nullable=False),
        sa.Column("url", sa.String(length=255), server_default="", nullable=False),
        sa.Column("url_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("city", sa.String(length=255), server_default="", nullable=False),
        sa.Column("direct_phone", sa.String(length=255), server_default="", nullable=False),
        sa.Column("fax", sa.String(length=255), server_default="", nullable=False),
        sa.Column("associate_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("country_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("country_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("email_address", sa.String(length=255), server_default="", nullable=False),
        sa.Column("email_address_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("kananame", sa.String(length=255), server_default="", nullable=False),
        sa.Column("business_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("category_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("address1", sa.String(length=255), server_default="", nullable=False),
        sa.Column("zipcode", sa.String(length=255), server_default="", nullable=False),
        sa.Column("is_owner_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("number1", sa.String(length=255), server_default="", nullable=False),
        sa.Column("number2", sa.String(length=255), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("firstname", sa.String(length=255), server_default="", nullable=False),
        sa.Column("lastname", sa.String(length=255), server_default="", nullable=False),
        sa.Column("middle_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("mrmrs", sa.String(length=255), server_default="", nullable=False),
        sa.Column("position", sa.String(length=255), server_default="", nullable=False),
        sa.Column("title", sa.String(length=255), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.String(length=255), server_default="", nullable=False),
        sa.Column("email_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("direct_phone", sa.String(length=255), server_default="", nullable=False),
        sa.Column("mobile_phone", sa.String(length=255), server_default="", nullable=False),
        sa.Column("fax_phone", sa.String(length=255), server_default="", nullable=False),
        sa.Column("country_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contact_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rank", sa.Integer(), server_default="0", nullable=False),
        sa.Column("associate_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("use_person_address", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("kanafname", sa.String(length=255), server_default="", nullable=False),
        sa.Column("kanalname", sa.String(length=255), server_default="", nullable=False),
        sa.Column("post1", sa.String(length=255), server_default="", nullable=False),
        sa.Column("post2", sa.String(length=255), server_default="", nullable=False),
        sa.Column("post3", sa.String(length=255), server_default="", nullable=False),
        sa.Column("ticket_priority_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("support_language_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("support_associate_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("category_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("person_number", sa.String(length=255), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("url", sa.String(length=255), server_default="", nullable=False),
        sa.Column("url_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("type_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("type_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("associate_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("text_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=True),
        sa.Column("publish_from", sa.DateTime(), nullable=True),
        sa.Column("publish_to", sa.DateTime(), nullable=True),
        sa.Column("is_published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("project_number", sa.String(length=255), server_default="", nullable=False),
        sa.Column("event_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("start_date", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
    )
    op.create_table(
        "sale",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=255), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("sale_date", sa.DateTime(), nullable=True),
        sa.Column("amount", sa.Double(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=255), server_default="", nullable=False),
        sa.Column("probability", sa.Integer(), server_default="0", nullable=False),
        sa.Column("earning", sa.Double(), server_default="0", nullable=False),
        sa.Column("status", sa.Integer(), server_default="1", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="1", nullable=False),
        sa.Column("contact_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("person_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("project_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("associate_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sale_type_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sale_type_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("next_due_date", sa.DateTime(), nullable=True),
        sa.Column("number", sa.String(length=255), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale")),
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=255), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("last_changed", sa.DateTime(), nullable=True),
        sa.Column("read_by_owner", sa.DateTime(), nullable=True),
        sa.Column("read_by_customer", sa.DateTime(), nullable=True),
        sa.Column("first_read_by_user", sa.DateTime(), nullable=True),
        sa.Column("activate", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("alert_timeout", sa.DateTime(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), server_default="1", nullable=False),
        sa.Column("author", sa.String(length=255), server_default="", nullable=False),
        sa.Column("owned_by", sa.Integer(), server_default="1", nullable=False),
        sa.Column("category_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("category_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("category_fullname", sa.String(length=255), server_default="", nullable=False),
        sa.Column("slevel", sa.Integer(), server_default="2", nullable=False),
        sa.Column("priority_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("priority_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("base_status", sa.Integer(), server_default="1", nullable=False),
        sa.Column("ticket_status", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ticket_status_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("origin", sa.Integer(), server_default="11", nullable=False),
        sa.Column("person_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contact_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alert_level", sa.Integer(), server_default="0", nullable=False),
        sa.Column("connect_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("read_status", sa.Integer(), server_default="1", nullable=False),
        sa.Column("num_replies", sa.Integer(), server_default="0", nullable=False),
        sa.Column("num_messages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("from_address", sa.String(length=255), server_default="", nullable=False),
        sa.Column("language", sa.String(length=255), server_default="", nullable=False),
        sa.Column("sale_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("project_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ticket_type_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ticket_type_name", sa.String(length=255), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
    )
    op.create_table(
        "chat_session",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("transfer_to_id", sa.Integer(), nullable=True),
        sa.Column("customer_alias", sa.String(length=64), server_default="", nullable=False),
        sa.Column("customer_host", sa.String(length=255), server_default="", nullable=False),
        sa.Column("customer_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("customer_email", sa.String(length=255), server_default="", nullable=False),
        sa.Column("customer_phone", sa.String(length=32), server_default="", nullable=False),
        sa.Column("customer_company_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("customer_consented", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("first_message", sa.String(length=1024), server_default="", nullable=False),
        sa.Column("last_message", sa.String(length=1024), server_default="", nullable=False),
        sa.Column("when_requested", sa.DateTime(), nullable=True),
        sa.Column("when_started", sa.DateTime(), nullable=True),
        sa.Column("when_ended", sa.DateTime(), nullable=True),
        sa.Column("when_idle", sa.DateTime(), nullable=True),
        sa.Column("when_fetched", sa.DateTime(), nullable=True),
        sa.Column("session_key", sa.String(length=255), server_default="", nullable=False),
        sa.Column("initial_queue_pos", sa.Integer(), server_default="0", nullable=False),
        sa.Column("alert_level", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rank", sa.Integer(), server_default="0", nullable=False),
        sa.Column("flags", sa.Integer(), server_default="0", nullable=False),
        sa.Column("chatbot_is_active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rating", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["chat_topic.id"], name=op.f("fk_chat_session_topic_id_chat_topic")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_to_id"], ["associate.id"], name=op.f("fk_chat_session_transfer_to_id_associate")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["associate.id"], name=op.f("fk_chat_session_user_id_associate")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_session")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_chat_session_person_id"), "chat_session", ["person_id"])
    op.create_index(op.f("ix_chat_session_status_topic_id_id"), "chat_session", ["status", "topic_id", "id"])
    op.create_index(op.f("ix_chat_session_topic_id"), "chat_session", ["topic_id"])
    op.create_index(op.f("ix_chat_session_user_id"), "chat_session", ["user_id"])

    op.create_table(
        "chat_topic_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("can_respond", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("can_listen", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("can_manage", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("can_notify", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associate.id"],
            name=op.f("fk_chat_topic_user_associate_id_associate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["chat_topic.id"],
            name=op.f("fk_chat_topic_user_topic_id_chat_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_topic_user")),
        sa.UniqueConstraint(
            "topic_id", "associate_id", name=op.f("uq_chat_topic_user_topic_id_associate_id")
        ),
    )
    op.create_index(op.f("ix_chat_topic_user_associate_id"), "chat_topic_user", ["associate_id"])
    op.create_index(op.f("ix_chat_topic_user_topic_id"), "chat_topic_user", ["topic_id"])

    op.create_table(
        "issued_ticket",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associate.id"],
            name=op.f("fk_issued_ticket_associate_id_associate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_issued_ticket")),
    )
    op.create_index(op.f("ix_issued_ticket_associate_id"), "issued_ticket", ["associate_id"])

    op.create_table(
        "chat_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("author", sa.String(length=255), server_default="", nullable=False),
        sa.Column("type", sa.Integer(), server_default="0", nullable=False),
        sa.Column("special_type", sa.Integer(), server_default="0", nullable=False),
        sa.Column("special_param", sa.String(length=255), server_default="", nullable=False),
        sa.Column("read_by_customer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_by", sa.Integer(), server_default="-1", nullable=False),
        sa.Column("when_posted", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_session.id"],
            name=op.f("fk_chat_message_session_id_chat_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_chat_message_session_id_id"), "chat_message", ["session_id", "id"])


def downgrade() -> None:
    op.drop_table("chat_message")
    op.drop_table("issued_ticket")
    op.drop_table("chat_topic_user")
    op.drop_table("chat_session")
    op.drop_table("ticket")
    op.drop_table("sale")
    op.drop_table("project")
    op.drop_table("person")
    op.drop_table("contact")
    op.drop_table("chat_topic")
    op.drop_table("associate")
