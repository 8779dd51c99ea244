"""Typed carriers: every chat carrier SuperOffice's chat WebAPI speaks, by its wire names.

Attribute names ARE the wire names (PascalCase, ``URL`` and ``TZLocationID`` included).
Dates are aware ``datetime``s (``None`` for .NET's unset ``0001-01-01``), time spans
``timedelta``s, plain enums ``StrEnum``s and flags ``IntFlag``s (see :mod:`sochat_client.enums`).
Decoding is strict about types and tolerant of properties it does not know, so a newer
server's additions do not break an older client.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from sochat_client.enums import (
    ActivityStatus,
    AddressType,
    ChatMessageSpecialType,
    ChatMessageType,
    ChatSessionFlags,
    ChatSessionStatus,
    ChatWidgetSize,
    FieldRightMask,
    SaleStatus,
    TableRightMask,
    TicketBaseStatus,
    TicketOrigin,
    TicketReadStatus,
    TicketSecurityLevel,
    UserType,
    WebhookNotifyVia,
    WebhookNotifyWhen,
    WebhookState,
    WidgetRequiredFields,
    WidgetTheme,
)

__all__ = [
    "ALL_CARRIERS",
    "VISITOR_CARRIERS",
    "WEBHOOK_CARRIERS",
    "Address",
    "Associate",
    "Carrier",
    "ChatBotSettings",
    "ChatEvent",
    "ChatMessage",
    "ChatOpeningHours",
    "ChatPresence",
    "ChatSessionEntity",
    "ChatSummaryItem",
    "ChatTopicAgent",
    "ChatTopicEntity",
    "ChatWidgetSettings",
    "Contact",
    "CustomerLanguage",
    "FieldProperty",
    "FieldRight",
    "KbCategory",
    "ListItem",
    "LocalizedField",
    "MDOListItem",
    "ODataPage",
    "Person",
    "Plain",
    "Project",
    "ReplyTemplate",
    "Sale",
    "StreamToken",
    "StructuredAddress",
    "TableRight",
    "Ticket",
    "TicketCategory",
    "TicketPriority",
    "TimeZoneData",
    "TimeZoneRule",
    "VisitorFiles",
    "VisitorOfflineRequest",
    "VisitorOfflineStart",
    "VisitorOrigins",
    "VisitorSession",
    "VisitorStart",
    "VisitorTopic",
    "Webhook",
    "WebhookEvent",
    "WebhookResult",
]

ZERO = timedelta(0)


class Plain(msgspec.Struct, kw_only=True):
    """A carrier without rights metadata."""


class FieldRight(Plain):
    Mask: FieldRightMask = FieldRightMask.None_
    Reason: str = ""


class FieldProperty(Plain):
    FieldRight: FieldRight | None = None
    FieldType: str | None = None
    FieldLength: int = 0


class TableRight(Plain):
    Mask: TableRightMask = TableRightMask.None_
    Reason: str = ""


class Carrier(Plain):
    """A carrier that ends with ``TableRight`` and ``FieldProperties`` (the caller's rights)."""


# ---------------------------------------------------------------------------
# Nested summary carriers (entities.md section 3)


class Associate(Carrier):
    AssociateId: int = 0
    Name: str = ""
    PersonId: int = 0
    Rank: int = 0
    Tooltip: str = ""
    Type: UserType = UserType.Unknown
    GroupIdx: int = 0
    FullName: str = ""
    FormalName: str = ""
    Deleted: bool = False
    EjUserId: int = 0
    UserName: str = ""
    ExtraFields: dict[str, str] = {}
    CustomFields: dict[str, str] = {}
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Person(Carrier):
    Position: str = ""
    PersonId: int = 0
    Mrmrs: str = ""
    Firstname: str = ""
    Lastname: str = ""
    MiddleName: str = ""
    Title: str = ""
    Description: str = ""
    Email: str = ""
    FullName: str = ""
    DirectPhone: str = ""
    FormalName: str = ""
    CountryId: int = 0
    ContactId: int = 0
    ContactName: str = ""
    Retired: int = 0
    Rank: int = 0
    ActiveInterests: int = 0
    ContactDepartment: str = ""
    ContactCountryId: int = 0
    ContactOrgNr: str = ""
    FaxPhone: str = ""
    MobilePhone: str = ""
    ContactPhone: str = ""
    AssociateName: str = ""
    AssociateId: int = 0
    UsePersonAddress: bool = False
    ContactFax: str = ""
    Kanafname: str = ""
    Kanalname: str = ""
    Post1: str = ""
    Post2: str = ""
    Post3: str = ""
    EmailName: str = ""
    ContactFullName: str = ""
    ActiveErpLinks: int = 0
    TicketPriorityId: int = 0
    SupportLanguageId: int = 0
    SupportAssociateId: int = 0
    CategoryName: str = ""
    PersonNumber: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class LocalizedField(Carrier):
    Name: str = ""
    Value: str = ""
    Tooltip: str = ""
    Label: str = ""
    ValueLength: int = 0
    AddressType: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class StructuredAddress(Plain):
    AtypeIdx: AddressType = AddressType.Unknown
    Address1: str = ""
    Address2: str = ""
    Address3: str = ""
    City: str = ""
    County: str = ""
    State: str = ""
    Zipcode: str = ""
    Formatted: str = ""


class Address(Carrier):
    Wgs84Latitude: float = 0.0
    Wgs84Longitude: float = 0.0
    LocalizedAddress: list[list[LocalizedField]] = []
    Street: StructuredAddress | None = None
    Postal: StructuredAddress | None = None
    Formatted: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Contact(Carrier):
    ContactId: int = 0
    Name: str = ""
    OrgNr: str = ""
    Department: str = ""
    URL: str = ""
    City: str = ""
    DirectPhone: str = ""
    AssociateId: int = 0
    CountryId: int = 0
    EmailAddress: str = ""
    Kananame: str = ""
    EmailAddressName: str = ""
    URLName: str = ""
    AssociateFullName: str = ""
    BusinessName: str = ""
    CategoryName: str = ""
    CountryName: str = ""
    Address: Address | None = None
    FormattedAddress: str = ""
    FullName: str = ""
    IsOwnerContact: bool = False
    ActiveErpLinks: int = 0
    Number1: str = ""
    Number2: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Project(Carrier):
    ProjectId: int = 0
    Name: str = ""
    Description: str = ""
    URL: str = ""
    Type: str = ""
    AssociateId: int = 0
    AssociateFullName: str = ""
    TypeId: int = 0
    Updated: datetime | None = None
    StatusId: int = 0
    Status: str = ""
    TextId: int = 0
    PublishTo: datetime | None = None
    PublishFrom: datetime | None = None
    IsPublished: bool = False
    URLName: str = ""
    ProjectNumber: str = ""
    ActiveErpLinks: int = 0
    EventId: int = 0
    StartDate: datetime | None = None
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Sale(Carrier):
    ContactName: str = ""
    SaleDate: datetime | None = None
    SaleId: int = 0
    Probability: int = 0
    Title: str = ""
    Amount: float = 0.0
    Currency: str = ""
    ProjectName: str = ""
    AssociateFullName: str = ""
    Description: str = ""
    Status: SaleStatus = SaleStatus.Unknown
    WeightedAmount: float = 0.0
    ProjectId: int = 0
    EarningPercent: float = 0.0
    Earning: float = 0.0
    ContactId: int = 0
    AssociateId: int = 0
    PersonId: int = 0
    SaleTypeId: int = 0
    SaleTypeName: str = ""
    PersonFullName: str = ""
    Completed: ActivityStatus = ActivityStatus.Unknown
    ActiveErpLinks: int = 0
    NextDueDate: datetime | None = None
    Number: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Ticket(Carrier):
    TicketId: int = 0
    Title: str = ""
    CreatedAt: datetime | None = None
    LastChanged: datetime | None = None
    ReadByOwner: datetime | None = None
    ReadByCustomer: datetime | None = None
    FirstReadByUser: datetime | None = None
    Activate: datetime | None = None
    ClosedAt: datetime | None = None
    RepliedAt: datetime | None = None
    AlertTimeout: datetime | None = None
    Deadline: datetime | None = None
    CreatedBy: int = 0
    CreatedByName: str = ""
    Author: str = ""
    OwnedBy: int = 0
    OwnedByName: str = ""
    Category: int = 0
    CategoryName: str = ""
    CategoryFullname: str = ""
    Slevel: TicketSecurityLevel = TicketSecurityLevel.Unknown
    Priority: int = 0
    PriorityName: str = ""
    BaseStatus: TicketBaseStatus = TicketBaseStatus.Unknown
    TicketStatus: int = 0
    TicketStatusDisplayValue: str = ""
    Origin: TicketOrigin = TicketOrigin.Unknown
    CustId: int = 0
    PersonFirstname: str = ""
    PersonMiddleName: str = ""
    PersonLastname: str = ""
    PersonFullname: str = ""
    AlertLevel: int = 0
    ConnectId: int = 0
    ReadStatus: TicketReadStatus = TicketReadStatus.Unknown
    TimeToReply: int = 0
    RealTimeToReply: int = 0
    TimeToClose: int = 0
    RealTimeToClose: int = 0
    TimeSpentInternally: int = 0
    TimeSpentExternally: int = 0
    TimeSpentQueue: int = 0
    RealTimeSpentInternally: int = 0
    RealTimeSpentExternally: int = 0
    RealTimeSpentQueue: int = 0
    TimeSpent: int = 0
    HasAttachment: bool = False
    NumReplies: int = 0
    NumMessages: int = 0
    FromAddress: str = ""
    ContactId: int = 0
    ContactName: str = ""
    OwnedByAssociateId: int = 0
    Language: str = ""
    Sentiment: int = 0
    SentimentConfidence: int = 0
    SaleId: int = 0
    ProjectId: int = 0
    SaleHeading: str = ""
    ProjectName: str = ""
    FormSubmissionId: int = 0
    TicketTypeId: int = 0
    TicketTypeName: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ListItem(Carrier):
    """Shape shared by CustomerLanguage, TicketCategory and TicketPriority."""

    Id: int = 0
    Value: str = ""
    Tooltip: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class CustomerLanguage(ListItem):
    pass


class TicketCategory(ListItem):
    pass


class TicketPriority(ListItem):
    pass


class ReplyTemplate(Plain):
    ReplyTemplateId: int = 0
    Name: str = ""
    Description: str = ""
    FolderId: int = 0


class KbCategory(Plain):
    KbCategoryId: int = 0
    Name: str = ""
    Description: str = ""
    Fullname: str = ""
    ParentId: int = 0
    SortOrder: int = 0


class TimeZoneRule(Plain):
    TZOffset: int = 0
    StartRulePattern: str = ""
    EndRulePattern: str = ""
    StartDay: int = 0
    StartMonth: int = 0
    EndDay: int = 0
    EndMonth: int = 0


class TimeZoneData(Plain):
    TZLocationID: int = 0
    Name: str = ""
    TZLocationCode: str = ""
    TZLocationCities: str = ""
    IsoNumber: int = 0
    TimeZoneSTDRules: dict[str, TimeZoneRule] = {}
    TimeZoneDSTRules: dict[str, TimeZoneRule] = {}


class MDOListItem(Carrier):
    Id: int = 0
    Name: str = ""
    ToolTip: str = ""
    Deleted: bool = False
    Rank: int = 0
    Type: str = ""
    ChildItems: list[MDOListItem] = []
    IconHint: str = ""
    ColorBlock: int = 0
    ExtraInfo: str = ""
    StyleHint: str = ""
    FullName: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


# ---------------------------------------------------------------------------
# Chat carriers (entities.md section 2)


class ChatSessionEntity(Carrier):
    ChatSessionId: int = 0
    TopicId: int = 0
    User: Associate | None = None
    Person: Person | None = None
    CustomerAlias: str = ""
    CustomerHost: str = ""
    CustomerName: str = ""
    CustomerEmail: str = ""
    CustomerPhone: str = ""
    CustomerConsented: bool = False
    CustomerCompanyName: str = ""
    Status: ChatSessionStatus = ChatSessionStatus.Invalid
    FirstMessage: str = ""
    LastMessage: str = ""
    WhenRequested: datetime | None = None
    WhenStarted: datetime | None = None
    WhenEnded: datetime | None = None
    WhenIdle: datetime | None = None
    WhenFetched: datetime | None = None
    SessionKey: str = ""
    InitialQueuePos: int = 0
    AlertLevel: int = 0
    Rank: int = 0
    Flags: ChatSessionFlags = ChatSessionFlags.CustomerIsTyping
    Contact: Contact | None = None
    Project: Project | None = None
    Sale: Sale | None = None
    Ticket: Ticket | None = None
    TransferTo: Associate | None = None
    ChatbotIsActive: bool = False
    Rating: int = 0
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatMessage(Plain):
    ChatMessageId: int = 0
    ChatSessionId: int = 0
    Type: ChatMessageType = ChatMessageType.Invalid
    Message: str = ""
    Author: str = ""
    ReadByCustomer: int = 0
    SpecialType: ChatMessageSpecialType = ChatMessageSpecialType.None_
    SpecialParam: str = ""
    WhenPosted: datetime | None = None


class ChatOpeningHours(Plain):
    TzLocation: TimeZoneData | None = None
    MonEnabled: bool = False
    MonStart: timedelta = ZERO
    MonStop: timedelta = ZERO
    TueEnabled: bool = False
    TueStart: timedelta = ZERO
    TueStop: timedelta = ZERO
    WedEnabled: bool = False
    WedStart: timedelta = ZERO
    WedStop: timedelta = ZERO
    ThuEnabled: bool = False
    ThuStart: timedelta = ZERO
    ThuStop: timedelta = ZERO
    FriEnabled: bool = False
    FriStart: timedelta = ZERO
    FriStop: timedelta = ZERO
    SatEnabled: bool = False
    SatStart: timedelta = ZERO
    SatStop: timedelta = ZERO
    SunEnabled: bool = False
    SunStart: timedelta = ZERO
    SunStop: timedelta = ZERO
    UseLunchHours: bool = False
    LunchStart: timedelta = ZERO
    LunchStop: timedelta = ZERO


class ChatWidgetSettings(Plain):
    AutoFaqEnabled: bool = False
    AutoFaqCategory: KbCategory | None = None
    PreFormEnabled: bool = False
    PreFormMessage: str = ""
    RequiredFields: WidgetRequiredFields = WidgetRequiredFields.None_
    PostFormEnabled: bool = False
    PostFormHeader: str = ""
    PostFormMessage: str = ""
    PostTranscriptEnabled: bool = False
    LanguageIsoCode: str = ""
    Size: ChatWidgetSize = ChatWidgetSize.Normal
    Theme: WidgetTheme = WidgetTheme.Classic
    Color: str = ""
    BadgeColor: str = ""
    BadgeTextColor: str = ""
    CustMsgColor: str = ""
    CustMsgTextColor: str = ""
    AgentMsgColor: str = ""
    AgentMsgTextColor: str = ""
    ButtonColor: str = ""
    ButtonTextColor: str = ""
    Font: str = ""
    FontSize: str = ""
    LogoEnabled: bool = False
    LogoBlobId: int = 0
    LogoName: str = ""
    ShowAgentPhoto: bool = False
    WelcomeTitle: str = ""
    WelcomeMessage: str = ""
    OfflineHeader: str = ""
    OfflineMessage: str = ""
    OfflineFields: WidgetRequiredFields = WidgetRequiredFields.None_
    UseAgentFirstname: bool = False


class ChatBotSettings(Plain):
    BotName: str = ""
    BotRegisterScriptId: int = 0
    BotSessionCreatedScriptId: int = 0
    BotSessionChangedScriptId: int = 0
    BotMessageReceivedScriptId: int = 0


class ChatTopicEntity(Carrier):
    ChatTopicId: int = 0
    Name: str = ""
    Description: str = ""
    WelcomeMessage: str = ""
    Language: CustomerLanguage | None = None
    LastAccept: datetime | None = None
    SecondsPrAccept: int = 0
    AlertRecipient: str = ""
    AlertTemplate: ReplyTemplate | None = None
    CollectConsent: bool = False
    BadgeHeader: str = ""
    CustomQueueTextEnabled: bool = False
    CustomQueueText: str = ""
    WarnNewChatMinutes: int = 0
    WarnManagerNewChatMinutes: int = 0
    TicketEnabled: bool = False
    TicketCategory: TicketCategory | None = None
    TicketPriority: TicketPriority | None = None
    OpeningHoursEnabled: bool = False
    OpeningHours: ChatOpeningHours | None = None
    Widget: ChatWidgetSettings | None = None
    BotEnabled: bool = False
    BotSettings: ChatBotSettings | None = None
    OfflineCollectConsent: bool = False
    WarnChatMessageMinutes: int = 0
    WarnManagerChatMessageMinutes: int = 0
    UseQueueOfflineForm: bool = False
    OfflineFormTimeLimit: int = 0
    OfflineFormQueueLength: int = 0
    WidgetEnableRating: bool = False
    WidgetRatingText: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatTopicAgent(Plain):
    TopicId: int = 0
    User: Associate | None = None
    CanListen: bool = False
    CanRespond: bool = False
    CanManage: bool = False
    CanNotify: bool = False


class ChatPresence(Carrier):
    UserId: int = 0
    DisplayName: str = ""
    OngoingChats: int = 0
    Present: bool = False
    ChatTopics: list[int] = []
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatSummaryItem(Plain):
    ChatSessionId: int = 0
    Name: str = ""
    CompanyName: str = ""
    FirstMessage: str = ""
    LastMessage: str = ""
    WhenRequested: datetime | None = None
    WhenEnded: datetime | None = None


class Webhook(Plain):
    """A webhook registration, every property the official client reads, in its order."""

    WebhookId: int = 0
    Name: str = ""
    Events: list[str] = []
    TargetUrl: str = ""
    Secret: str = ""
    State: WebhookState = WebhookState.Unknown
    Type: str = "webhook"
    Headers: dict[str, str] = {}
    Properties: dict[str, Any] = {}
    Registered: datetime | None = None
    RegisteredAssociate: Associate | None = None
    Updated: datetime | None = None
    UpdatedAssociate: Associate | None = None
    ErrorsEmail: str = ""
    ErrorEmails: list[str] = []
    ErrorAssociates: list[MDOListItem] = []
    Description: str = ""
    NotifyVia: WebhookNotifyVia = WebhookNotifyVia.None_
    NotifyWhen: WebhookNotifyWhen = WebhookNotifyWhen.None_
    TotalCalls: int = 0
    TotalErrors: int = 0
    ConsecutiveErrors: int = 0
    LastError: str = ""


class WebhookResult(Carrier):
    """What a test call returns: did the target answer 2xx, and what it answered."""

    Success: bool = False
    Message: str = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


# ---------------------------------------------------------------------------
# Live events (GET /api/v1/ChatEvents) and webhook deliveries


class ChatEvent(Plain):
    """One event of a chat event stream: the webhook envelope plus its cursor and data.

    ``Data`` is the ChatSessionEntity (``chatsession.created``/``changed``) or the
    ChatMessage (``chatsession.message``) as the API returns it; ``None`` when the session
    is gone or the subscriber may not read it."""

    EventId: str = ""
    Timestamp: datetime | None = None
    Event: str = ""
    PrimaryKey: int = 0
    Entity: str = "chatsession"
    ChangedByAssociateId: int = 0
    Changes: list[str] = []
    Cursor: int = 0
    # sochat: who is typing now (the wire Flags cannot show a typing customer, whose
    # SuperOffice flag value is 0).
    CustomerIsTyping: bool = False
    UserIsTyping: bool = False
    # A ChatSessionEntity, a ChatMessage or None (msgspec cannot declare an untagged union
    # of two carriers; the client decodes it by ``Event``): use ``session`` / ``message``.
    Data: Any = None

    @property
    def session(self) -> ChatSessionEntity | None:
        return self.Data if isinstance(self.Data, ChatSessionEntity) else None

    @property
    def message(self) -> ChatMessage | None:
        return self.Data if isinstance(self.Data, ChatMessage) else None


class WebhookEvent(Plain):
    """The body of a webhook delivery (docs/webhooks.md). Members a webhook's
    ``Properties`` added at the top level are in ``extra``."""

    EventId: str = ""
    Timestamp: datetime | None = None
    Changes: list[str] = []
    Event: str = ""
    PrimaryKey: int = 0
    Entity: str = ""
    ContextIdentifier: str = ""
    ChangedByAssociateId: int = 0
    WebhookName: str = ""
    FieldValues: dict[str, Any] = {}
    extra: dict[str, Any] = {}


class ODataPage(Plain):
    """One page of an OData archive list: rows keyed by the selected column names."""

    value: list[dict[str, Any]] = []
    next_link: str | None = None
    count: int | None = None


# ---------------------------------------------------------------------------
# The public visitor API (docs/design/contracts.md)


class VisitorFiles(Plain):
    Enabled: bool = False
    MaxBytes: int = 0
    AllowedTypes: list[str] = []


class VisitorTopic(Plain):
    """What a widget needs to know about a topic before a chat."""

    TopicId: int = 0
    Name: str = ""
    LanguageIsoCode: str = ""
    Widget: ChatWidgetSettings | None = None
    WelcomeMessage: str = ""
    BadgeHeader: str = ""
    State: str = "Deleted"  # Open, Closed, NoAgents, Deleted
    OpenNow: bool = False
    AgentsPresent: bool = False
    QueueLength: int = 0
    AverageWaitSeconds: int = 0
    OfflineFormEnabled: bool = False
    PreChatFormEnabled: bool = False
    RequiredFields: WidgetRequiredFields = WidgetRequiredFields.None_
    OfflineFields: WidgetRequiredFields = WidgetRequiredFields.None_
    CollectConsent: bool = False
    OfflineCollectConsent: bool = False
    RatingEnabled: bool = False
    RatingText: str = ""
    EmailAvailable: bool = False
    Files: VisitorFiles | None = None
    OpeningHoursEnabled: bool = False
    OpeningHours: ChatOpeningHours | None = None


class VisitorStart(Plain):
    TopicId: int = 0
    CustomerName: str = ""
    CustomerEmail: str = ""
    CustomerPhone: str = ""
    CustomerCompanyName: str = ""
    CustomerCountry: str = ""
    Consent: bool = False
    Question: str = ""
    PageUrl: str = ""


class VisitorOfflineStart(VisitorStart):
    Message: str = ""
    # The visitor's own session (queued or offline form), when it has one.
    SessionId: int = 0


class VisitorSession(Plain):
    SessionId: int = 0
    TopicId: int = 0
    Status: ChatSessionStatus = ChatSessionStatus.Invalid
    CustomerAlias: str = ""
    CustomerName: str = ""
    QueuePosition: int = 0
    AverageWaitSeconds: int = 0
    QueueText: str = ""
    AgentName: str = ""
    AgentPhotoUrl: str = ""
    AgentIsTyping: bool = False
    Rating: int = 0
    WhenRequested: datetime | None = None
    WhenStarted: datetime | None = None
    WhenEnded: datetime | None = None
    SessionKey: str = ""


class VisitorOfflineRequest(Plain):
    SessionId: int = 0
    Reference: str = ""
    Status: ChatSessionStatus = ChatSessionStatus.RequestPosted


class StreamToken(Plain):
    Token: str = ""
    ExpiresIn: int = 60


class VisitorOrigins(Plain):
    """A topic's allowed web origins for the visitor API (empty: any origin)."""

    TopicId: int = 0
    Origins: list[str] = []


VISITOR_CARRIERS: tuple[type[Plain], ...] = (
    VisitorFiles,
    VisitorTopic,
    VisitorStart,
    VisitorOfflineStart,
    VisitorSession,
    VisitorOfflineRequest,
    StreamToken,
    VisitorOrigins,
)


ALL_CARRIERS: tuple[type[Plain], ...] = (
    FieldRight,
    FieldProperty,
    TableRight,
    Associate,
    Person,
    LocalizedField,
    StructuredAddress,
    Address,
    Contact,
    Project,
    Sale,
    Ticket,
    CustomerLanguage,
    TicketCategory,
    TicketPriority,
    ReplyTemplate,
    KbCategory,
    TimeZoneRule,
    TimeZoneData,
    MDOListItem,
    ChatSessionEntity,
    ChatMessage,
    ChatOpeningHours,
    ChatWidgetSettings,
    ChatBotSettings,
    ChatTopicEntity,
    ChatTopicAgent,
    ChatPresence,
    ChatSummaryItem,
)
WEBHOOK_CARRIERS: tuple[type[Plain], ...] = (Webhook, WebhookResult)
