"""The database schema: SQLAlchemy Core tables, one definition for SQLite and PostgreSQL.

Conventions: singular snake_case table names, ``id`` primary keys, constraint names from
the naming convention (so migrations can address them on both engines). Datetimes are
naive UTC in ``DateTime`` columns (``timestamp without time zone`` on PostgreSQL); the
repositories convert to and from UTC-aware values. Enums are stored as their integers,
free-form settings (widget, opening hours, bot, list references, extra fields) as JSON
text (codec in ``topic_codec``).

Column lengths follow the SuperOffice table reference (entities.md section 7). The CRM
tables (person, contact, project, sale, ticket) hold only what the nested summaries of
the chat carriers show; their links are plain ints where 0 means "none", as in the domain.

Any change here needs an Alembic revision in ``migrations/versions``;
``tests/storage/test_migrations.py`` fails while the two disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Column helpers. NOT NULL columns carry server defaults equal to the domain defaults, so
# a row inserted with only some columns (demo data, later migrations) is still valid.
def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _str(name: str, length: int = 255) -> Column[str]:
    return Column(name, String(length), nullable=False, server_default="")


def _text(name: str) -> Column[str]:
    return Column(name, Text, nullable=False, server_default="")


def _int(name: str, default: int = 0) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default=str(default))


def _opt_int(name: str) -> Column[int]:
    return Column(name, Integer, nullable=True)


def _bool(name: str) -> Column[bool]:
    return Column(name, Boolean, nullable=False, server_default=false())


def _float(name: str) -> Column[float]:
    return Column(name, Double, nullable=False, server_default="0")


def _ts(name: str) -> Column[Any]:
    return Column(name, DateTime, nullable=True)


def _json(name: str, *, nullable: bool) -> Column[str]:
    if nullable:
        return Column(name, Text, nullable=True)
    return Column(name, Text, nullable=False, server_default="{}")


# ---------------------------------------------------------------------------
# Users and their login tickets

associate = Table(
    "associate",
    metadata,
    _id(),
    _str("name"),
    _str("user_name"),
    # lower(user_name), or NULL when there is no user name: NULLs never collide in a
    # unique index, so resource associates without a login can coexist.
    Column("user_name_key", String(255), nullable=True),
    _str("password_hash"),
    # Bumped by every password change; starts at 1 so that 0 can mean "no such associate".
    _int("credentials_version", 1),
    _int("person_id"),
    _int("rank"),
    _str("tooltip"),
    _int("type", 1),
    _int("group_idx"),
    _str("full_name"),
    _str("formal_name"),
    _bool("deleted"),
    _int("ej_user_id"),
    _bool("is_chat_agent"),
    _bool("is_chat_admin"),
    _bool("chat_present"),
    _json("extra_fields", nullable=False),
    Index("ix_associate_user_name_key", "user_name_key", unique=True),
)

issued_ticket = Table(
    "issued_ticket",
    metadata,
    Column("ticket_hash", String(64), primary_key=True),
    Column(
        "associate_id",
        Integer,
        ForeignKey("associate.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("issued_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    _bool("revoked"),
)

# ---------------------------------------------------------------------------
# CRM records a chat session links to (see domain/crm.py)

person = Table(
    "person",
    metadata,
    _id(),
    _str("firstname"),
    _str("lastname"),
    _str("middle_name"),
    _str("mrmrs"),
    _str("position"),
    _str("title"),
    _text("description"),
    _str("email"),
    _str("email_name"),
    _str("direct_phone"),
    _str("mobile_phone"),
    _str("fax_phone"),
    _int("country_id"),
    _int("contact_id"),
    _bool("retired"),
    _int("rank"),
    _int("associate_id"),
    _bool("use_person_address"),
    _str("kanafname"),
    _str("kanalname"),
    _str("post1"),
    _str("post2"),
    _str("post3"),
    _int("ticket_priority_id"),
    _int("support_language_id"),
    _int("support_associate_id"),
    _str("category_name"),
    _str("person_number"),
)

contact = Table(
    "contact",
    metadata,
    _id(),
    _str("name"),
    _str("org_nr"),
    _str("department"),
    _str("url"),
    _str("url_name"),
    _str("city"),
    _str("direct_phone"),
    _str("fax"),
    _int("associate_id"),
    _int("country_id"),
    _str("country_name"),
    _str("email_address"),
    _str("email_address_name"),
    _str("kananame"),
    _str("business_name"),
    _str("category_name"),
    _str("address1"),
    _str("zipcode"),
    _bool("is_owner_contact"),
    _str("number1"),
    _str("number2"),
)

project = Table(
    "project",
    metadata,
    _id(),
    _str("name"),
    _text("description"),
    _str("url"),
    _str("url_name"),
    _int("type_id"),
    _str("type_name"),
    _int("associate_id"),
    _int("status_id"),
    _str("status_name"),
    _int("text_id"),
    _ts("updated"),
    _ts("publish_from"),
    _ts("publish_to"),
    _bool("is_published"),
    _str("project_number"),
    _int("event_id"),
    _ts("start_date"),
)

sale = Table(
    "sale",
    metadata,
    _id(),
    _str("title"),
    _text("description"),
    _ts("sale_date"),
    _float("amount"),
    _str("currency"),
    _int("probability"),
    _float("earning"),
    _int("status", 1),
    _int("completed", 1),
    _int("contact_id"),
    _int("person_id"),
    _int("project_id"),
    _int("associate_id"),
    _int("sale_type_id"),
    _str("sale_type_name"),
    _ts("next_due_date"),
    _str("number"),
)

ticket = Table(
    "ticket",
    metadata,
    _id(),
    _str("title"),
    _ts("created_at"),
    _ts("last_changed"),
    _ts("read_by_owner"),
    _ts("read_by_customer"),
    _ts("first_read_by_user"),
    _ts("activate"),
    _ts("closed_at"),
    _ts("replied_at"),
    _ts("alert_timeout"),
    _ts("deadline"),
    _int("created_by", 1),
    _str("author"),
    _int("owned_by", 1),
    _int("category_id"),
    _str("category_name"),
    _str("category_fullname"),
    _int("slevel", 2),
    _int("priority_id"),
    _str("priority_name"),
    _int("base_status", 1),
    _int("ticket_status"),
    _str("ticket_status_name"),
    _int("origin", 11),
    _int("person_id"),
    _int("contact_id"),
    _int("alert_level"),
    _int("connect_id"),
    _int("read_status", 1),
    _int("num_replies"),
    _int("num_messages"),
    _str("from_address"),
    _str("language"),
    _int("sale_id"),
    _int("project_id"),
    _int("ticket_type_id"),
    _str("ticket_type_name"),
)

# ---------------------------------------------------------------------------
# Chat (behaviour.md section 7)

chat_topic = Table(
    "chat_topic",
    metadata,
    _id(),
    _str("name"),
    _str("description"),
    _text("welcome_message"),
    _opt_int("language_id"),
    _ts("last_accept"),
    _int("seconds_pr_accept"),
    # How many pick-ups seconds_pr_accept averages over (its running mean's weight).
    _int("accept_count"),
    _str("alert_recipient"),
    _opt_int("alert_template_id"),
    _int("flags"),
    _str("badge_header"),
    _str("custom_queue_text"),
    _int("warn_new_chat_minutes"),
    _int("warn_manager_new_chat_minutes"),
    _int("warn_chat_message_minutes"),
    _int("warn_manager_chat_message_minutes"),
    _bool("ticket_enabled"),
    _opt_int("ticket_category_id"),
    _opt_int("ticket_priority_id"),
    # The list items and template the *_id columns above point at, as shown on the wire
    # (value, tooltip, name ...): {"language": {...}, "alert_template": {...}, ...}.
    _json("list_items", nullable=True),
    _bool("opening_hours_enabled"),
    _json("opening_hours", nullable=True),
    _json("widget", nullable=True),
    _bool("bot_enabled"),
    _json("bot_settings", nullable=True),
    _int("offline_form_time_limit"),
    _int("offline_form_queue_length"),
    _bool("widget_enable_rating"),
    _str("widget_rating_text", 1024),
    _ts("updated_at"),
    # sochat extension: web origins allowed to call the visitor API for this topic, one
    # per line ("" = any origin).
    _text("visitor_origins"),
)

chat_topic_user = Table(
    "chat_topic_user",
    metadata,
    _id(),
    Column("topic_id", Integer, ForeignKey("chat_topic.id", ondelete="CASCADE"), nullable=False, index=True),
    Column(
        "associate_id", Integer, ForeignKey("associate.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    _bool("can_respond"),
    _bool("can_listen"),
    _bool("can_manage"),
    _bool("can_notify"),
    UniqueConstraint("topic_id", "associate_id"),
)

chat_session = Table(
    "chat_session",
    metadata,
    _id(),
    Column("topic_id", Integer, ForeignKey("chat_topic.id"), nullable=False),
    # The agent and the pending transfer target are sochat's own associates. The CRM
    # links are not foreign keys: CRM records may be synced in later or purged, and a
    # dangling link simply resolves to no summary.
    Column("user_id", Integer, ForeignKey("associate.id"), nullable=True),
    Column("person_id", Integer, nullable=True, index=True),
    _opt_int("contact_id"),
    _opt_int("project_id"),
    _opt_int("sale_id"),
    _opt_int("ticket_id"),
    # Indexed for "sessions being transferred to me" (and the foreign key).
    Column("transfer_to_id", Integer, ForeignKey("associate.id"), nullable=True, index=True),
    _str("customer_alias", 64),
    _str("customer_host", 255),
    _str("customer_name", 255),
    _str("customer_email", 255),
    _str("customer_phone", 32),
    _str("customer_company_name", 255),
    _bool("customer_consented"),
    Column("status", Integer, nullable=False),
    _str("first_message", 1024),
    _str("last_message", 1024),
    _ts("when_requested"),
    _ts("when_started"),
    # Indexed for "recently ended sessions" in the per-user list.
    Column("when_ended", DateTime, nullable=True, index=True),
    _ts("when_idle"),
    _ts("when_fetched"),
    # The SHA-256 (hex) of the visitor's session key, never the key itself; the visitor
    # side finds its session by it on every call.
    Column("session_key", String(255), nullable=False, server_default="", index=True),
    _int("initial_queue_pos"),
    _int("alert_level"),
    _int("rank"),
    _int("flags"),
    _bool("chatbot_is_active"),
    _int("rating"),
    _ts("updated_at"),
    # "Sessions with status X in topic Y, in id order" (SuperOffice's own index).
    Index("ix_chat_session_status_topic_id_id", "status", "topic_id", "id"),
    # The queue of some topics, oldest request first; also serves the topic_id foreign key.
    Index("ix_chat_session_topic_id_status_when_requested", "topic_id", "status", "when_requested"),
    # A user's active sessions (ranks, ongoing counts); also serves the user_id foreign key.
    Index("ix_chat_session_user_id_status", "user_id", "status"),
    # Session ids are shown to users and used as references: never reuse one (SQLite
    # would reuse the highest rowid after a delete without AUTOINCREMENT).
    sqlite_autoincrement=True,
)

chat_message = Table(
    "chat_message",
    metadata,
    _id(),
    Column("session_id", Integer, ForeignKey("chat_session.id", ondelete="CASCADE"), nullable=False),
    _text("message"),
    _str("author", 255),
    _int("type"),
    _int("special_type"),
    _str("special_param", 255),
    _bool("read_by_customer"),
    # The ejuser that wrote it, -1 for the customer (not a foreign key for that reason).
    _int("created_by", -1),
    Column("when_posted", DateTime, nullable=False),
    # The associate who posted it (an agent relaying a ToUser message); 0 = the server.
    _int("posted_by"),
    # GetChatMessages(session, after=id) reads this range; also serves the cascade.
    Index("ix_chat_message_session_id_id", "session_id", "id"),
    # Message ids are a global polling cursor and must never go backwards or be reused.
    sqlite_autoincrement=True,
)

# ---------------------------------------------------------------------------
# The event outbox (domain/events.py): one row per chat event, written in the transaction
# of the change. ``id`` is the durable cursor streams resume from and webhooks deliver by;
# storage/events.py keeps it in commit order. No foreign keys: an event outlives the
# session it tells about (a deleted session's last event included).

chat_event = Table(
    "chat_event",
    metadata,
    # BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the (64-bit) rowid.
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("uid", String(36), nullable=False),
    Column("name", String(64), nullable=False),
    Column("session_id", Integer, nullable=False),
    Column("topic_id", Integer, nullable=False),
    _opt_int("message_id"),
    _int("changed_by"),
    Column("changes", Text, nullable=False, server_default="[]"),
    _str("session_key_hash", 64),
    Column("created_at", DateTime, nullable=False, index=True),
    # An agent's stream (events of some topics after a cursor) and a visitor's (one session).
    Index("ix_chat_event_topic_id_id", "topic_id", "id"),
    Index("ix_chat_event_session_id_id", "session_id", "id"),
    # A cursor must never go back: SQLite would reuse the highest rowid after a purge.
    sqlite_autoincrement=True,
)

ALL_TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)

# ---------------------------------------------------------------------------
# Webhooks (webhooks.md): registrations, their delivery outbox and the fan-out cursor.
# Lists and dictionaries are JSON text; a webhook's secret is stored as given, since
# every delivery is signed with it.

webhook = Table(
    "webhook",
    metadata,
    _id(),
    _str("name"),
    Column("events", Text, nullable=False, server_default="[]"),
    _text("target_url"),
    _text("secret"),
    _int("state", 1),
    Column("type", String(32), nullable=False, server_default="webhook"),
    _json("headers", nullable=False),
    _json("properties", nullable=False),
    _ts("registered_at"),
    _int("registered_by"),
    _ts("updated_at"),
    _int("updated_by"),
    _str("errors_email"),
    Column("error_emails", Text, nullable=False, server_default="[]"),
    Column("error_associates", Text, nullable=False, server_default="[]"),
    _text("description"),
    _int("notify_via"),
    _int("notify_when"),
    _int("total_calls"),
    _int("total_errors"),
    _int("consecutive_errors"),
    _text("last_error"),
    # No delivery to this webhook before this time (backoff after a failure).
    _ts("retry_at"),
    sqlite_autoincrement=True,
)

webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, ForeignKey("webhook.id", ondelete="CASCADE"), nullable=False),
    Column("event_uid", String(36), nullable=False),
    Column("event_name", String(255), nullable=False),
    # The chat_event cursor it came from; NULL for events signalled through the API.
    Column("event_id", BigInteger, nullable=True),
    _int("primary_key"),
    # The exact body sent on every attempt (same bytes, same signature, same EventId).
    Column("body", Text, nullable=False),
    # 0 pending (or parked), 1 delivered, 2 given up.
    _int("status"),
    _int("attempts"),
    Column("created_at", DateTime, nullable=False),
    # When it may be attempted; while claimed, when the claim (lease) runs out.
    Column("due_at", DateTime, nullable=False),
    Column("lease", String(32), nullable=True),
    _ts("finished_at"),
    _int("last_status"),
    _text("last_error"),
    # One delivery per event and webhook, also across processes; serves the foreign key.
    UniqueConstraint("webhook_id", "event_uid"),
    # Claiming: pending rows in due order.
    Index("ix_webhook_delivery_status_due_at", "status", "due_at"),
    Index("ix_webhook_delivery_finished_at", "finished_at"),
)

webhook_cursor = Table(
    "webhook_cursor",
    metadata,
    # One row (id 1): the last chat_event id turned into deliveries.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False, server_default="0"),
    _ts("updated_at"),
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    # A client's Idempotency-Key, per caller: the first request's fingerprint and result.
    Column("associate_id", Integer, ForeignKey("associate.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    # The message the first request created (NULL while that request is still running).
    _opt_int("message_id"),
    Column("created_at", DateTime, nullable=False, index=True),
)

# ---------------------------------------------------------------------------
# The visitor side: one-time stream tokens, visitors' Idempotency-Keys, and files.

stream_token = Table(
    "stream_token",
    metadata,
    # SHA-256 (hex) of a one-time token that opens one event stream; spent on connect.
    Column("token_hash", String(64), primary_key=True),
    # The agent who minted it, or the session whose visitor did (exactly one is set).
    _opt_int("associate_id"),
    _opt_int("session_id"),
    # The agent's credential as the stream re-checks it (auth.Principal): its scheme, its
    # digest (a ticket's, or a stamp of the password hash) and its expiry.
    _str("scheme", 16),
    _str("credential", 64),
    _ts("credential_expires_at"),
    Column("expires_at", DateTime, nullable=False, index=True),
)

visitor_idempotency_key = Table(
    "visitor_idempotency_key",
    metadata,
    # A visitor's Idempotency-Key, per session (visitors are no associates).
    Column("session_id", Integer, ForeignKey("chat_session.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    _opt_int("message_id"),
    Column("created_at", DateTime, nullable=False, index=True),
)

chat_file = Table(
    "chat_file",
    metadata,
    _id(),
    Column(
        "session_id", Integer, ForeignKey("chat_session.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    # The file message that shows it (set in the same transaction).
    _opt_int("message_id"),
    _str("name"),
    _str("content_type", 127),
    _int("size"),
    # The file's name on disk under SOCHAT_FILES_DIR/<session_id>/ (random, never the
    # visitor's name).
    _str("storage_name", 64),
    # The ejuser who uploaded it, -1 for the visitor.
    _int("created_by", -1),
    Column("created_at", DateTime, nullable=False),
)

rate_limit = Table(
    "rate_limit",
    metadata,
    # A fixed-window counter shared by every process serving the database (services/ratelimit.py):
    # the window is identified by its start (seconds since the epoch / window length).
    Column("key", String(255), primary_key=True),
    Column("window", BigInteger, nullable=False),
    Column("count", Integer, nullable=False, server_default="0"),
    Column("expires_at", Double, nullable=False, index=True),
)

oidc_identity = Table(
    "oidc_identity",
    metadata,
    # An OIDC user is bound to an associate by the immutable issuer + subject, never by a name.
    Column("issuer", String(255), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column(
        "associate_id", Integer, ForeignKey("associate.id", ondelete="CASCADE"), nullable=False, index=True
    ),
)

quick_reply = Table(
    "quick_reply",
    metadata,
    # An agent's personal snippet (sochat extension): visible to its owner only.
    _id(),
    Column(
        "associate_id", Integer, ForeignKey("associate.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    _str("name", 100),
    _text("content"),
    _ts("updated_at"),
)

ALL_TABLES = tuple(metadata.sorted_tables)
