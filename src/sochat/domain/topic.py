"""Chat topics (channels): their settings, and topic membership with its four rights."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from sochat.domain.enums import ChatWidgetSize, WidgetTheme


class TopicFlag(enum.IntFlag):
    """``chat_topic.flags`` (behaviour.md 3.8): bit 3 is UseCustomQueueMessage, as documented."""

    PopupAlert = 1
    EmailAlert = 2
    CollectConsent = 4
    UseCustomQueueMessage = 8
    WidgetSizeLarge = 16
    OfflineCollectConsent = 32
    UseQueueOfflineForm = 64


@dataclass(frozen=True, slots=True)
class ListRef:
    """A list item a topic points at (customer language, ticket category or priority)."""

    id: int
    value: str = ""
    tooltip: str = ""


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """The reply template used for alert e-mails."""

    id: int
    name: str = ""
    description: str = ""
    folder_id: int = 0


@dataclass(frozen=True, slots=True)
class KbRef:
    """The knowledge-base folder FAQ suggestions come from."""

    id: int
    name: str = ""
    description: str = ""
    fullname: str = ""
    parent_id: int = 0
    sort_order: int = 0


@dataclass(frozen=True, slots=True)
class DayHours:
    enabled: bool = False
    start: int = 0  # seconds after midnight
    stop: int = 0


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Opening hours in the zone of ``tz_location_id`` (0 = the server's base zone)."""

    tz_location_id: int = 0
    days: tuple[DayHours, ...] = tuple(DayHours() for _ in WEEKDAYS)  # Monday first
    use_lunch_hours: bool = False
    lunch_start: int = 0
    lunch_stop: int = 0


WORKDAYS_8_TO_16 = OpeningHours(
    days=tuple(DayHours(enabled=i < 5, start=8 * 3600, stop=16 * 3600) for i in range(7)),
    lunch_start=11 * 3600,
    lunch_stop=11 * 3600 + 1800,
)


@dataclass(frozen=True, slots=True)
class WidgetSettings:
    auto_faq_enabled: bool = False
    auto_faq_category: KbRef | None = None
    pre_form_enabled: bool = False
    pre_form_message: str = ""
    required_fields: int = 0  # WidgetRequiredFields bits
    post_form_enabled: bool = False
    post_form_header: str = ""
    post_form_message: str = ""
    post_transcript_enabled: bool = False
    language_iso_code: str = ""
    size: ChatWidgetSize = ChatWidgetSize.Normal
    theme: WidgetTheme = WidgetTheme.Classic
    color: str = ""
    badge_color: str = ""
    badge_text_color: str = ""
    cust_msg_color: str = ""
    cust_msg_text_color: str = ""
    agent_msg_color: str = ""
    agent_msg_text_color: str = ""
    button_color: str = ""
    button_text_color: str = ""
    font: str = ""
    font_size: str = ""
    logo_enabled: bool = False
    logo_blob_id: int = 0
    logo_name: str = ""
    show_agent_photo: bool = False
    welcome_title: str = ""
    welcome_message: str = ""
    offline_header: str = ""
    offline_message: str = ""
    offline_fields: int = 0  # WidgetRequiredFields bits
    use_agent_firstname: bool = False


@dataclass(frozen=True, slots=True)
class BotSettings:
    bot_name: str = ""
    bot_register_script_id: int = 0
    bot_session_created_script_id: int = 0
    bot_session_changed_script_id: int = 0
    bot_message_received_script_id: int = 0


@dataclass(slots=True)
class ChatTopic:
    """A chat channel. ``flags`` keeps the bits the API shows as separate booleans."""

    topic_id: int = 0
    name: str = ""
    description: str = ""
    welcome_message: str = ""
    language: ListRef | None = None
    last_accept: datetime | None = None
    seconds_pr_accept: int = 0
    accept_count: int = 0
    alert_recipient: str = ""
    alert_template: TemplateRef | None = None
    flags: int = int(TopicFlag.PopupAlert)
    badge_header: str = ""
    custom_queue_text: str = ""
    warn_new_chat_minutes: int = 0
    warn_manager_new_chat_minutes: int = 0
    warn_chat_message_minutes: int = 0
    warn_manager_chat_message_minutes: int = 0
    ticket_enabled: bool = False
    ticket_category: ListRef | None = None
    ticket_priority: ListRef | None = None
    opening_hours_enabled: bool = False
    opening_hours: OpeningHours = field(default_factory=OpeningHours)
    widget: WidgetSettings = field(default_factory=WidgetSettings)
    bot_enabled: bool = False
    bot_settings: BotSettings = field(default_factory=BotSettings)
    offline_form_time_limit: int = 0
    offline_form_queue_length: int = 0
    widget_enable_rating: bool = False
    widget_rating_text: str = ""
    updated_at: datetime | None = None
    # sochat extension: origins allowed to call the visitor API, one per line ("" = any).
    visitor_origins: str = ""

    def has(self, flag: TopicFlag) -> bool:
        return bool(self.flags & flag)

    def set_flag(self, flag: TopicFlag, on: bool) -> None:
        self.flags = (self.flags | flag) if on else (self.flags & ~flag)


@dataclass(frozen=True, slots=True)
class TopicMembership:
    """A member of a topic. Any one of the four rights makes the user a member."""

    topic_id: int
    associate_id: int
    can_respond: bool = False
    can_listen: bool = False
    can_manage: bool = False
    can_notify: bool = False

    @property
    def is_member(self) -> bool:
        return self.can_respond or self.can_listen or self.can_manage or self.can_notify


# An allowed web origin of the visitor API: scheme, host and optional port, lower case.
ORIGIN = re.compile(
    r"^https?://[a-z0-9.-]{1,253}(:[0-9]{1,5})?$|^https?://\[[0-9a-f:.]{2,45}\](:[0-9]{1,5})?$"
)


def parse_origins(text: str) -> tuple[str, ...]:
    """``ChatTopic.visitor_origins`` (one per line) as a tuple; empty = any origin."""
    return tuple(o.strip().rstrip("/").lower() for o in re.split(r"[\s,]+", text) if o.strip())
