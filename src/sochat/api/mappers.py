"""Bound carriers → domain values, in the caller's time zone.

A save starts from what is stored (or the defaults of a new row) and overwrites only the
properties the client sent, because the official client omits keys it never received.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sochat.api import carriers as c
from sochat.api.binding import FLAGS, PLAIN_ENUMS, Bound
from sochat.api.timespan import parse_timespan
from sochat.api.timezones import TimeZoneRequest, parse_datetime
from sochat.domain import enums as e
from sochat.domain.session import ChatSession
from sochat.domain.topic import (
    WEEKDAYS,
    BotSettings,
    ChatTopic,
    DayHours,
    KbRef,
    ListRef,
    OpeningHours,
    TemplateRef,
    TopicFlag,
    WidgetSettings,
)
from sochat.errors import InvalidInput
from sochat.services.chat import MessageInput, SessionPatch
from sochat.services.topics import MemberInput


def parse_date(text: str, tz: TimeZoneRequest, field: str) -> datetime | None:
    """A client date; year 0 or 1 means unset (the client sends DateTime.MinValue back
    converted to UTC, which can land in year 0)."""
    if not text or text.startswith(("0000-", "0001-")) or text.startswith("-"):
        return None
    try:
        return parse_datetime(text, tz)
    except ValueError as exc:
        raise InvalidInput("SR_INVALID_VALUE", field=field, detail=str(exc)) from None


def _enum(cls_name: str, text: str) -> Any:
    return e.parse_enum(PLAIN_ENUMS[cls_name], text)


def _flags(name: str, text: str) -> int:
    return FLAGS[name].parse(text)


def _id(carrier: Any, attr: str) -> int | None:
    if carrier is None:
        return None
    value = getattr(carrier, attr)
    return value if value > 0 else None


# wire name → domain field, for the ChatSessionEntity properties a save may set
SESSION_FIELDS: dict[str, str] = {
    "ChatSessionId": "chat_session_id",
    "TopicId": "topic_id",
    "User": "user_id",
    "Person": "person_id",
    "CustomerAlias": "customer_alias",
    "CustomerHost": "customer_host",
    "CustomerName": "customer_name",
    "CustomerEmail": "customer_email",
    "CustomerPhone": "customer_phone",
    "CustomerConsented": "customer_consented",
    "CustomerCompanyName": "customer_company_name",
    "Status": "status",
    "FirstMessage": "first_message",
    "LastMessage": "last_message",
    "WhenRequested": "when_requested",
    "WhenStarted": "when_started",
    "WhenEnded": "when_ended",
    "WhenIdle": "when_idle",
    "WhenFetched": "when_fetched",
    "SessionKey": "session_key_hash",
    "InitialQueuePos": "initial_queue_pos",
    "AlertLevel": "alert_level",
    "Rank": "rank",
    "Flags": "flags",
    "Contact": "contact_id",
    "Project": "project_id",
    "Sale": "sale_id",
    "Ticket": "ticket_id",
    "TransferTo": "transfer_to_id",
    "ChatbotIsActive": "chatbot_is_active",
    "Rating": "rating",
}


def session_patch(
    bound: Bound[c.ChatSessionEntity], tz: TimeZoneRequest, *, session_id: int | None = None
) -> SessionPatch:
    v = bound.value
    values = ChatSession(
        chat_session_id=session_id if session_id is not None else v.ChatSessionId,
        topic_id=v.TopicId,
        user_id=_id(v.User, "AssociateId"),
        person_id=_id(v.Person, "PersonId"),
        contact_id=_id(v.Contact, "ContactId"),
        project_id=_id(v.Project, "ProjectId"),
        sale_id=_id(v.Sale, "SaleId"),
        ticket_id=_id(v.Ticket, "TicketId"),
        transfer_to_id=_id(v.TransferTo, "AssociateId"),
        customer_alias=v.CustomerAlias,
        customer_host=v.CustomerHost,
        customer_name=v.CustomerName,
        customer_email=v.CustomerEmail,
        customer_phone=v.CustomerPhone,
        customer_company_name=v.CustomerCompanyName,
        customer_consented=v.CustomerConsented,
        status=_enum("ChatSessionStatus", v.Status),
        when_requested=parse_date(v.WhenRequested, tz, "WhenRequested"),
        when_started=parse_date(v.WhenStarted, tz, "WhenStarted"),
        when_ended=parse_date(v.WhenEnded, tz, "WhenEnded"),
        when_idle=parse_date(v.WhenIdle, tz, "WhenIdle"),
        when_fetched=parse_date(v.WhenFetched, tz, "WhenFetched"),
        alert_level=v.AlertLevel,
        flags=_flags("ChatSessionFlags", v.Flags),
        chatbot_is_active=v.ChatbotIsActive,
        rating=v.Rating,
    )
    provided = frozenset(SESSION_FIELDS[name] for name in bound.provided if name in SESSION_FIELDS)
    return SessionPatch(values, provided)


def message_input(bound: Bound[c.ChatMessage], tz: TimeZoneRequest) -> MessageInput:
    v = bound.value
    kind = _enum("ChatMessageType", v.Type)
    if "Type" not in bound.provided:
        raise InvalidInput("SR_MISSING_PARAMETER", name="message.Type")
    return MessageInput(
        type=kind,
        message=v.Message,
        author=v.Author,
        special_type=_enum("ChatMessageSpecialType", v.SpecialType),
        special_param=v.SpecialParam,
        when_posted=parse_date(v.WhenPosted, tz, "WhenPosted") if "WhenPosted" in bound.provided else None,
    )


def member_input(agent: c.ChatTopicAgent) -> MemberInput:
    user = agent.User
    return MemberInput(
        associate_id=user.AssociateId if user else 0,
        user_name=(user.UserName or user.Name) if user else "",
        can_respond=agent.CanRespond,
        can_listen=agent.CanListen,
        can_manage=agent.CanManage,
        can_notify=agent.CanNotify,
    )


def _list_ref(item: c.ListItem | None) -> ListRef | None:
    return ListRef(item.Id, item.Value, item.Tooltip) if item and item.Id > 0 else None


def _opening_hours(h: c.ChatOpeningHours) -> OpeningHours:
    days = tuple(
        DayHours(
            getattr(h, f"{d}Enabled"),
            parse_timespan(getattr(h, f"{d}Start")),
            parse_timespan(getattr(h, f"{d}Stop")),
        )
        for d in WEEKDAYS
    )
    return OpeningHours(
        tz_location_id=h.TzLocation.TZLocationID if h.TzLocation else 0,
        days=days,
        use_lunch_hours=h.UseLunchHours,
        lunch_start=parse_timespan(h.LunchStart),
        lunch_stop=parse_timespan(h.LunchStop),
    )


def _widget(w: c.ChatWidgetSettings) -> WidgetSettings:
    kb = w.AutoFaqCategory
    return WidgetSettings(
        auto_faq_enabled=w.AutoFaqEnabled,
        auto_faq_category=KbRef(
            kb.KbCategoryId, kb.Name, kb.Description, kb.Fullname, kb.ParentId, kb.SortOrder
        )
        if kb and kb.KbCategoryId > 0
        else None,
        pre_form_enabled=w.PreFormEnabled,
        pre_form_message=w.PreFormMessage,
        required_fields=_flags("WidgetRequiredFields", w.RequiredFields),
        post_form_enabled=w.PostFormEnabled,
        post_form_header=w.PostFormHeader,
        post_form_message=w.PostFormMessage,
        post_transcript_enabled=w.PostTranscriptEnabled,
        language_iso_code=w.LanguageIsoCode,
        size=_enum("ChatWidgetSize", w.Size),
        theme=_enum("WidgetTheme", w.Theme),
        color=w.Color,
        badge_color=w.BadgeColor,
        badge_text_color=w.BadgeTextColor,
        cust_msg_color=w.CustMsgColor,
        cust_msg_text_color=w.CustMsgTextColor,
        agent_msg_color=w.AgentMsgColor,
        agent_msg_text_color=w.AgentMsgTextColor,
        button_color=w.ButtonColor,
        button_text_color=w.ButtonTextColor,
        font=w.Font,
        font_size=w.FontSize,
        logo_enabled=w.LogoEnabled,
        logo_blob_id=w.LogoBlobId,
        logo_name=w.LogoName,
        show_agent_photo=w.ShowAgentPhoto,
        welcome_title=w.WelcomeTitle,
        welcome_message=w.WelcomeMessage,
        offline_header=w.OfflineHeader,
        offline_message=w.OfflineMessage,
        offline_fields=_flags("WidgetRequiredFields", w.OfflineFields),
        use_agent_firstname=w.UseAgentFirstname,
    )


TOPIC_SCALARS: dict[str, str] = {
    "Name": "name",
    "Description": "description",
    "WelcomeMessage": "welcome_message",
    "AlertRecipient": "alert_recipient",
    "BadgeHeader": "badge_header",
    "CustomQueueText": "custom_queue_text",
    "WarnNewChatMinutes": "warn_new_chat_minutes",
    "WarnManagerNewChatMinutes": "warn_manager_new_chat_minutes",
    "WarnChatMessageMinutes": "warn_chat_message_minutes",
    "WarnManagerChatMessageMinutes": "warn_manager_chat_message_minutes",
    "TicketEnabled": "ticket_enabled",
    "OpeningHoursEnabled": "opening_hours_enabled",
    "BotEnabled": "bot_enabled",
    "OfflineFormTimeLimit": "offline_form_time_limit",
    "OfflineFormQueueLength": "offline_form_queue_length",
    "WidgetEnableRating": "widget_enable_rating",
    "WidgetRatingText": "widget_rating_text",
}
TOPIC_FLAGS: dict[str, TopicFlag] = {
    "CollectConsent": TopicFlag.CollectConsent,
    "CustomQueueTextEnabled": TopicFlag.UseCustomQueueMessage,
    "OfflineCollectConsent": TopicFlag.OfflineCollectConsent,
    "UseQueueOfflineForm": TopicFlag.UseQueueOfflineForm,
}


def topic_from(bound: Bound[c.ChatTopicEntity], base: ChatTopic, *, topic_id: int) -> ChatTopic:
    """``base`` (the stored topic, or the defaults) with the sent properties applied."""
    v = bound.value
    sent = bound.provided
    t = replace(base, topic_id=topic_id)
    for wire, attr in TOPIC_SCALARS.items():
        if wire in sent:
            value = getattr(v, wire)
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                raise InvalidInput("SR_INVALID_VALUE", field=wire, detail="must not be negative")
            setattr(t, attr, value)
    for wire, flag in TOPIC_FLAGS.items():
        if wire in sent:
            t.set_flag(flag, getattr(v, wire))
    if "Language" in sent:
        t.language = _list_ref(v.Language)
    if "TicketCategory" in sent:
        t.ticket_category = _list_ref(v.TicketCategory)
    if "TicketPriority" in sent:
        t.ticket_priority = _list_ref(v.TicketPriority)
    if "AlertTemplate" in sent:
        a = v.AlertTemplate
        t.alert_template = (
            TemplateRef(a.ReplyTemplateId, a.Name, a.Description, a.FolderId)
            if a and a.ReplyTemplateId > 0
            else None
        )
    if "OpeningHours" in sent and v.OpeningHours is not None:
        t.opening_hours = _opening_hours(v.OpeningHours)
    if "Widget" in sent and v.Widget is not None:
        t.widget = _widget(v.Widget)
        t.set_flag(TopicFlag.WidgetSizeLarge, t.widget.size == e.ChatWidgetSize.Large)
    if "BotSettings" in sent and v.BotSettings is not None:
        b = v.BotSettings
        t.bot_settings = BotSettings(
            b.BotName,
            b.BotRegisterScriptId,
            b.BotSessionCreatedScriptId,
            b.BotSessionChangedScriptId,
            b.BotMessageReceivedScriptId,
        )
    return t
