"""Wire carriers: every SuperOffice chat carrier, declared once (entities.md).

Attribute names ARE the wire names (PascalCase, irregulars such as ``URL`` and
``TZLocationID`` included) and the declaration order is the documented order, so
responses diff cleanly against NetServer's. Dates, enums, flags and time spans are
strings here: the presenters format them per request (time zone, names).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from sochat.api.wiretypes import (
    ActivityStatusName,
    AddressTypeName,
    Bool,
    ChatMessageSpecialTypeName,
    ChatMessageTypeName,
    ChatSessionFlagsText,
    ChatSessionStatusName,
    ChatWidgetSizeName,
    Computed,
    DateTime,
    Double,
    FieldRightMask,
    Int32,
    Net,
    SaleStatusName,
    Str16,
    Str32,
    Str63,
    Str64,
    Str80,
    Str255,
    Str1024,
    TableRightMask,
    Text,
    TicketBaseStatusName,
    TicketOriginName,
    TicketReadStatusName,
    TicketSecurityLevelName,
    TimeSpan,
    UserTypeName,
    WidgetRequiredFieldsText,
    WidgetThemeName,
)

UNSET_DATE = "0001-01-01T00:00:00"
ZERO_SPAN = "00:00:00"


class Plain(msgspec.Struct, kw_only=True, gc=False):
    """A carrier without rights metadata."""


class FieldRight(Plain):
    Mask: FieldRightMask = "None"
    Reason: Computed = ""


class FieldProperty(Plain):
    FieldRight: FieldRight | None = None
    FieldType: str | None = None
    FieldLength: Int32 = 0


class TableRight(Plain):
    Mask: TableRightMask = "None"
    Reason: Computed = ""


class Carrier(msgspec.Struct, kw_only=True, gc=False):
    """Base of carriers that end with ``TableRight`` and ``FieldProperties``.

    msgspec puts base-class fields first, so subclasses re-declare these two last;
    ``carrier_fields`` checks that every subclass does.
    """


# ---------------------------------------------------------------------------
# Nested summary carriers (entities.md section 3)


class Associate(Carrier):
    AssociateId: Int32 = 0
    Name: Str255 = ""
    PersonId: Int32 = 0
    Rank: Int32 = 0
    Tooltip: Computed = ""
    Type: UserTypeName = "Unknown"
    GroupIdx: Int32 = 0
    FullName: Computed = ""
    FormalName: Computed = ""
    Deleted: Bool = False
    EjUserId: Int32 = 0
    UserName: Str255 = ""
    ExtraFields: dict[str, str] = {}
    CustomFields: dict[str, str] = {}
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Person(Carrier):
    Position: Computed = ""
    PersonId: Int32 = 0
    Mrmrs: Str255 = ""
    Firstname: Str255 = ""
    Lastname: Str255 = ""
    MiddleName: Str255 = ""
    Title: Str255 = ""
    Description: Text = ""
    Email: Str255 = ""
    FullName: Computed = ""
    DirectPhone: Str255 = ""
    FormalName: Computed = ""
    CountryId: Int32 = 0
    ContactId: Int32 = 0
    ContactName: Computed = ""
    Retired: Int32 = 0
    Rank: Int32 = 0
    ActiveInterests: Int32 = 0
    ContactDepartment: Computed = ""
    ContactCountryId: Int32 = 0
    ContactOrgNr: Computed = ""
    FaxPhone: Str255 = ""
    MobilePhone: Str255 = ""
    ContactPhone: Computed = ""
    AssociateName: Computed = ""
    AssociateId: Int32 = 0
    UsePersonAddress: Bool = False
    ContactFax: Computed = ""
    Kanafname: Str255 = ""
    Kanalname: Str255 = ""
    Post1: Str255 = ""
    Post2: Str255 = ""
    Post3: Str255 = ""
    EmailName: Str255 = ""
    ContactFullName: Computed = ""
    ActiveErpLinks: Int32 = 0
    TicketPriorityId: Int32 = 0
    SupportLanguageId: Int32 = 0
    SupportAssociateId: Int32 = 0
    CategoryName: Computed = ""
    PersonNumber: Str255 = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class LocalizedField(Carrier):
    Name: Str255 = ""
    Value: Str255 = ""
    Tooltip: Computed = ""
    Label: Computed = ""
    ValueLength: Int32 = 0
    AddressType: Computed = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class StructuredAddress(Plain):
    AtypeIdx: AddressTypeName = "Unknown"
    Address1: Str255 = ""
    Address2: Str255 = ""
    Address3: Str255 = ""
    City: Str255 = ""
    County: Str255 = ""
    State: Str255 = ""
    Zipcode: Str255 = ""
    Formatted: Computed = ""


class Address(Carrier):
    Wgs84Latitude: Double = 0.0
    Wgs84Longitude: Double = 0.0
    LocalizedAddress: list[list[LocalizedField]] = []
    Street: StructuredAddress | None = None
    Postal: StructuredAddress | None = None
    Formatted: Computed = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Contact(Carrier):
    ContactId: Int32 = 0
    Name: Str255 = ""
    OrgNr: Str255 = ""
    Department: Str255 = ""
    URL: Str255 = ""
    City: Str255 = ""
    DirectPhone: Str255 = ""
    AssociateId: Int32 = 0
    CountryId: Int32 = 0
    EmailAddress: Str255 = ""
    Kananame: Str255 = ""
    EmailAddressName: Str255 = ""
    URLName: Str255 = ""
    AssociateFullName: Computed = ""
    BusinessName: Computed = ""
    CategoryName: Computed = ""
    CountryName: Computed = ""
    Address: Address | None = None
    FormattedAddress: Computed = ""
    FullName: Computed = ""
    IsOwnerContact: Bool = False
    ActiveErpLinks: Int32 = 0
    Number1: Str255 = ""
    Number2: Str255 = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Project(Carrier):
    ProjectId: Int32 = 0
    Name: Str255 = ""
    Description: Text = ""
    URL: Str255 = ""
    Type: Computed = ""
    AssociateId: Int32 = 0
    AssociateFullName: Computed = ""
    TypeId: Int32 = 0
    Updated: DateTime = UNSET_DATE
    StatusId: Int32 = 0
    Status: Computed = ""
    TextId: Int32 = 0
    PublishTo: DateTime = UNSET_DATE
    PublishFrom: DateTime = UNSET_DATE
    IsPublished: Bool = False
    URLName: Str255 = ""
    ProjectNumber: Str255 = ""
    ActiveErpLinks: Int32 = 0
    EventId: Int32 = 0
    StartDate: DateTime = UNSET_DATE
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Sale(Carrier):
    ContactName: Computed = ""
    SaleDate: DateTime = UNSET_DATE
    SaleId: Int32 = 0
    Probability: Int32 = 0
    Title: Str255 = ""
    Amount: Double = 0.0
    Currency: Computed = ""
    ProjectName: Computed = ""
    AssociateFullName: Computed = ""
    Description: Text = ""
    Status: SaleStatusName = "Unknown"
    WeightedAmount: Double = 0.0
    ProjectId: Int32 = 0
    EarningPercent: Double = 0.0
    Earning: Double = 0.0
    ContactId: Int32 = 0
    AssociateId: Int32 = 0
    PersonId: Int32 = 0
    SaleTypeId: Int32 = 0
    SaleTypeName: Computed = ""
    PersonFullName: Computed = ""
    Completed: ActivityStatusName = "Unknown"
    ActiveErpLinks: Int32 = 0
    NextDueDate: DateTime = UNSET_DATE
    Number: Str255 = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class Ticket(Carrier):
    TicketId: Int32 = 0
    Title: Str255 = ""
    CreatedAt: DateTime = UNSET_DATE
    LastChanged: DateTime = UNSET_DATE
    ReadByOwner: DateTime = UNSET_DATE
    ReadByCustomer: DateTime = UNSET_DATE
    FirstReadByUser: DateTime = UNSET_DATE
    Activate: DateTime = UNSET_DATE
    ClosedAt: DateTime = UNSET_DATE
    RepliedAt: DateTime = UNSET_DATE
    AlertTimeout: DateTime = UNSET_DATE
    Deadline: DateTime = UNSET_DATE
    CreatedBy: Int32 = 0
    CreatedByName: Computed = ""
    Author: Str255 = ""
    OwnedBy: Int32 = 0
    OwnedByName: Computed = ""
    Category: Int32 = 0
    CategoryName: Computed = ""
    CategoryFullname: Computed = ""
    Slevel: TicketSecurityLevelName = "Unknown"
    Priority: Int32 = 0
    PriorityName: Computed = ""
    BaseStatus: TicketBaseStatusName = "Unknown"
    TicketStatus: Int32 = 0
    TicketStatusDisplayValue: Computed = ""
    Origin: TicketOriginName = "Unknown"
    CustId: Int32 = 0
    PersonFirstname: Computed = ""
    PersonMiddleName: Computed = ""
    PersonLastname: Computed = ""
    PersonFullname: Computed = ""
    AlertLevel: Int32 = 0
    ConnectId: Int32 = 0
    ReadStatus: TicketReadStatusName = "Unknown"
    TimeToReply: Int32 = 0
    RealTimeToReply: Int32 = 0
    TimeToClose: Int32 = 0
    RealTimeToClose: Int32 = 0
    TimeSpentInternally: Int32 = 0
    TimeSpentExternally: Int32 = 0
    TimeSpentQueue: Int32 = 0
    RealTimeSpentInternally: Int32 = 0
    RealTimeSpentExternally: Int32 = 0
    RealTimeSpentQueue: Int32 = 0
    TimeSpent: Int32 = 0
    HasAttachment: Bool = False
    NumReplies: Int32 = 0
    NumMessages: Int32 = 0
    FromAddress: Str255 = ""
    ContactId: Int32 = 0
    ContactName: Computed = ""
    OwnedByAssociateId: Int32 = 0
    Language: Computed = ""
    Sentiment: Int32 = 0
    SentimentConfidence: Int32 = 0
    SaleId: Int32 = 0
    ProjectId: Int32 = 0
    SaleHeading: Computed = ""
    ProjectName: Computed = ""
    FormSubmissionId: Int32 = 0
    TicketTypeId: Int32 = 0
    TicketTypeName: Computed = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ListItem(Carrier):
    """Shape shared by CustomerLanguage, TicketCategory and TicketPriority."""

    Id: Int32 = 0
    Value: Str255 = ""
    Tooltip: Computed = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class CustomerLanguage(ListItem):
    pass


class TicketCategory(ListItem):
    pass


class TicketPriority(ListItem):
    pass


class ReplyTemplate(Plain):
    ReplyTemplateId: Int32 = 0
    Name: Str255 = ""
    Description: Text = ""
    FolderId: Int32 = 0


class KbCategory(Plain):
    KbCategoryId: Int32 = 0
    Name: Str255 = ""
    Description: Text = ""
    Fullname: Computed = ""
    ParentId: Int32 = 0
    SortOrder: Int32 = 0


class TimeZoneRule(Plain):
    TZOffset: Int32 = 0
    StartRulePattern: Computed = ""
    EndRulePattern: Computed = ""
    StartDay: Int32 = 0
    StartMonth: Int32 = 0
    EndDay: Int32 = 0
    EndMonth: Int32 = 0


class TimeZoneData(Plain):
    TZLocationID: Int32 = 0
    Name: Computed = ""
    TZLocationCode: Computed = ""
    TZLocationCities: Computed = ""
    IsoNumber: Int32 = 0
    TimeZoneSTDRules: dict[str, TimeZoneRule] = {}
    TimeZoneDSTRules: dict[str, TimeZoneRule] = {}


class MDOListItem(Carrier):
    Id: Int32 = 0
    Name: Str255 = ""
    ToolTip: Computed = ""
    Deleted: Bool = False
    Rank: Int32 = 0
    Type: Computed = ""
    ChildItems: list[MDOListItem] = []
    IconHint: Computed = ""
    ColorBlock: Int32 = 0
    ExtraInfo: Computed = ""
    StyleHint: Computed = ""
    FullName: Computed = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


# ---------------------------------------------------------------------------
# Chat carriers (entities.md section 2)


class ChatSessionEntity(Carrier):
    ChatSessionId: Int32 = 0
    TopicId: Int32 = 0
    User: Associate | None = None
    Person: Person | None = None
    CustomerAlias: Str64 = ""
    CustomerHost: Str255 = ""
    CustomerName: Str255 = ""
    CustomerEmail: Str255 = ""
    CustomerPhone: Str32 = ""
    CustomerConsented: Bool = False
    CustomerCompanyName: Str255 = ""
    Status: ChatSessionStatusName = "Invalid"
    FirstMessage: Str1024 = ""
    LastMessage: Str1024 = ""
    WhenRequested: DateTime = UNSET_DATE
    WhenStarted: DateTime = UNSET_DATE
    WhenEnded: DateTime = UNSET_DATE
    WhenIdle: DateTime = UNSET_DATE
    WhenFetched: DateTime = UNSET_DATE
    SessionKey: Str255 = ""
    InitialQueuePos: Int32 = 0
    AlertLevel: Int32 = 0
    Rank: Int32 = 0
    Flags: ChatSessionFlagsText = "CustomerIsTyping"
    Contact: Contact | None = None
    Project: Project | None = None
    Sale: Sale | None = None
    Ticket: Ticket | None = None
    TransferTo: Associate | None = None
    ChatbotIsActive: Bool = False
    Rating: Int32 = 0
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatSessionEntityWithLinks(ChatSessionEntity):
    _Links: dict[str, str] = {}


class ChatMessage(Plain):
    ChatMessageId: Int32 = 0
    ChatSessionId: Int32 = 0
    Type: ChatMessageTypeName = "Invalid"
    Message: Text = ""
    Author: Str255 = ""
    ReadByCustomer: Int32 = 0
    SpecialType: ChatMessageSpecialTypeName = "None"
    SpecialParam: Str255 = ""
    WhenPosted: DateTime = UNSET_DATE


class ChatOpeningHours(Plain):
    TzLocation: TimeZoneData | None = None
    MonEnabled: Bool = False
    MonStart: TimeSpan = "00:00:00"
    MonStop: TimeSpan = "00:00:00"
    TueEnabled: Bool = False
    TueStart: TimeSpan = "00:00:00"
    TueStop: TimeSpan = "00:00:00"
    WedEnabled: Bool = False
    WedStart: TimeSpan = "00:00:00"
    WedStop: TimeSpan = "00:00:00"
    ThuEnabled: Bool = False
    ThuStart: TimeSpan = "00:00:00"
    ThuStop: TimeSpan = "00:00:00"
    FriEnabled: Bool = False
    FriStart: TimeSpan = "00:00:00"
    FriStop: TimeSpan = "00:00:00"
    SatEnabled: Bool = False
    SatStart: TimeSpan = "00:00:00"
    SatStop: TimeSpan = "00:00:00"
    SunEnabled: Bool = False
    SunStart: TimeSpan = "00:00:00"
    SunStop: TimeSpan = "00:00:00"
    UseLunchHours: Bool = False
    LunchStart: TimeSpan = "00:00:00"
    LunchStop: TimeSpan = "00:00:00"


class ChatWidgetSettings(Plain):
    AutoFaqEnabled: Bool = False
    AutoFaqCategory: KbCategory | None = None
    PreFormEnabled: Bool = False
    PreFormMessage: Str1024 = ""
    RequiredFields: WidgetRequiredFieldsText = "None"
    PostFormEnabled: Bool = False
    PostFormHeader: Str255 = ""
    PostFormMessage: Str1024 = ""
    PostTranscriptEnabled: Bool = False
    LanguageIsoCode: Str63 = ""
    Size: ChatWidgetSizeName = "Normal"
    Theme: WidgetThemeName = "Classic"
    Color: Str16 = ""
    BadgeColor: Str16 = ""
    BadgeTextColor: Str16 = ""
    CustMsgColor: Str16 = ""
    CustMsgTextColor: Str16 = ""
    AgentMsgColor: Str16 = ""
    AgentMsgTextColor: Str16 = ""
    ButtonColor: Str16 = ""
    ButtonTextColor: Str16 = ""
    Font: Str64 = ""
    FontSize: Str16 = ""
    LogoEnabled: Bool = False
    LogoBlobId: Int32 = 0
    LogoName: Str255 = ""
    ShowAgentPhoto: Bool = False
    WelcomeTitle: Str255 = ""
    WelcomeMessage: Str255 = ""
    OfflineHeader: Str255 = ""
    OfflineMessage: Str1024 = ""
    OfflineFields: WidgetRequiredFieldsText = "None"
    UseAgentFirstname: Bool = False


class ChatBotSettings(Plain):
    BotName: Str80 = ""
    BotRegisterScriptId: Int32 = 0
    BotSessionCreatedScriptId: Int32 = 0
    BotSessionChangedScriptId: Int32 = 0
    BotMessageReceivedScriptId: Int32 = 0


class ChatTopicEntity(Carrier):
    ChatTopicId: Int32 = 0
    Name: Str255 = ""
    Description: Str255 = ""
    WelcomeMessage: Text = ""
    Language: CustomerLanguage | None = None
    LastAccept: DateTime = UNSET_DATE
    SecondsPrAccept: Int32 = 0
    AlertRecipient: Str255 = ""
    AlertTemplate: ReplyTemplate | None = None
    CollectConsent: Bool = False
    BadgeHeader: Str255 = ""
    CustomQueueTextEnabled: Bool = False
    CustomQueueText: Str255 = ""
    WarnNewChatMinutes: Int32 = 0
    WarnManagerNewChatMinutes: Int32 = 0
    TicketEnabled: Bool = False
    TicketCategory: TicketCategory | None = None
    TicketPriority: TicketPriority | None = None
    OpeningHoursEnabled: Bool = False
    OpeningHours: ChatOpeningHours | None = None
    Widget: ChatWidgetSettings | None = None
    BotEnabled: Bool = False
    BotSettings: ChatBotSettings | None = None
    OfflineCollectConsent: Bool = False
    WarnChatMessageMinutes: Int32 = 0
    WarnManagerChatMessageMinutes: Int32 = 0
    UseQueueOfflineForm: Bool = False
    OfflineFormTimeLimit: Int32 = 0
    OfflineFormQueueLength: Int32 = 0
    WidgetEnableRating: Bool = False
    WidgetRatingText: Str1024 = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatTopicEntityWithLinks(ChatTopicEntity):
    _Links: dict[str, str] = {}


class ChatTopicAgent(Plain):
    TopicId: Int32 = 0
    User: Associate | None = None
    CanListen: Bool = False
    CanRespond: Bool = False
    CanManage: Bool = False
    CanNotify: Bool = False


class ChatPresence(Carrier):
    UserId: Int32 = 0
    DisplayName: Computed = ""
    OngoingChats: Int32 = 0
    Present: Bool = False
    ChatTopics: list[int] = []
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class QuickReply(Plain):
    """A personal quick reply (sochat extension): its owner's only."""

    QuickReplyId: Int32 = 0
    Name: Str255 = ""
    Content: Text = ""
    Updated: DateTime = UNSET_DATE


class CrmMatch(Plain):
    """A person or contact (company) found by ``/api/v1/CrmSearch`` (sochat extension).
    A company alone has ``PersonId`` 0."""

    PersonId: Int32 = 0
    ContactId: Int32 = 0
    FullName: Str255 = ""
    Email: Str255 = ""
    ContactName: Str255 = ""


class ChatSummaryItem(Plain):
    ChatSessionId: Int32 = 0
    Name: Str255 = ""
    CompanyName: Str255 = ""
    FirstMessage: Str1024 = ""
    LastMessage: Str1024 = ""
    WhenRequested: DateTime = UNSET_DATE
    WhenEnded: DateTime = UNSET_DATE


ALL_CARRIERS: tuple[type[msgspec.Struct], ...] = (
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


# ---------------------------------------------------------------------------
# Webhooks (webhooks.md). Kept out of ALL_CARRIERS, which tests/golden/carriers.json pins
# to the chat carriers of entities.md; WEBHOOK_CARRIERS lists them instead. The enum and
# flags names are registered with the binder and OpenAPI by sochat.api.routes.webhooks.

WebhookStateName = Annotated[str, Net("SuperOffice.CRM.WebhookState", 4, "enum", "WebhookState")]
WebhookNotifyViaText = Annotated[str, Net("SuperOffice.CRM.WebhookNotifyVia", 4, "flags", "WebhookNotifyVia")]
WebhookNotifyWhenText = Annotated[
    str, Net("SuperOffice.CRM.WebhookNotifyWhen", 4, "flags", "WebhookNotifyWhen")
]


class Webhook(Plain):
    """A webhook registration, every property the official client reads, in its order."""

    WebhookId: Int32 = 0
    Name: Str255 = ""
    Events: list[str] = []
    TargetUrl: Text = ""
    Secret: Text = ""
    State: WebhookStateName = "Unknown"
    Type: Str32 = "webhook"
    Headers: dict[str, str] = {}
    Properties: dict[str, Any] = {}
    Registered: DateTime = UNSET_DATE
    RegisteredAssociate: Associate | None = None
    Updated: DateTime = UNSET_DATE
    UpdatedAssociate: Associate | None = None
    ErrorsEmail: Str255 = ""
    ErrorEmails: list[str] = []
    ErrorAssociates: list[MDOListItem] = []
    Description: Text = ""
    NotifyVia: WebhookNotifyViaText = "None"
    NotifyWhen: WebhookNotifyWhenText = "None"
    TotalCalls: Int32 = 0
    TotalErrors: Int32 = 0
    ConsecutiveErrors: Int32 = 0
    LastError: Text = ""


class WebhookResult(Carrier):
    """What a test call returns: did the target answer 2xx, and what it answered."""

    Success: Bool = False
    Message: Text = ""
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


WEBHOOK_CARRIERS: tuple[type[msgspec.Struct], ...] = (Webhook, WebhookResult)


# ---------------------------------------------------------------------------
# The public visitor API (docs/visitor-api.md): sochat's own carriers, in SuperOffice's
# style. Kept out of ALL_CARRIERS like the webhook ones.


class VisitorFiles(Plain):
    Enabled: Bool = False
    MaxBytes: Int32 = 0
    AllowedTypes: list[str] = []


class VisitorTopic(Plain):
    TopicId: Int32 = 0
    Name: Str255 = ""
    LanguageIsoCode: Str63 = ""
    Widget: ChatWidgetSettings | None = None
    WelcomeMessage: Text = ""
    BadgeHeader: Str255 = ""
    State: Str16 = "Deleted"
    OpenNow: Bool = False
    AgentsPresent: Bool = False
    QueueLength: Int32 = 0
    AverageWaitSeconds: Int32 = 0
    OfflineFormEnabled: Bool = False
    PreChatFormEnabled: Bool = False
    RequiredFields: WidgetRequiredFieldsText = "None"
    OfflineFields: WidgetRequiredFieldsText = "None"
    CollectConsent: Bool = False
    OfflineCollectConsent: Bool = False
    RatingEnabled: Bool = False
    RatingText: Str1024 = ""
    EmailAvailable: Bool = False
    Files: VisitorFiles | None = None
    OpeningHoursEnabled: Bool = False
    OpeningHours: ChatOpeningHours | None = None


class VisitorStart(Plain):
    TopicId: Int32 = 0
    CustomerName: Str255 = ""
    CustomerEmail: Str255 = ""
    CustomerPhone: Str32 = ""
    CustomerCompanyName: Str255 = ""
    CustomerCountry: Str64 = ""
    Consent: Bool = False
    Question: Text = ""
    PageUrl: Text = ""


class VisitorOfflineStart(VisitorStart):
    Message: Text = ""
    # The visitor's own session (queued or offline form), when it has one; needs SO-SessionKey.
    SessionId: Int32 = 0


class VisitorSession(Plain):
    SessionId: Int32 = 0
    TopicId: Int32 = 0
    Status: ChatSessionStatusName = "Invalid"
    CustomerAlias: Str64 = ""
    CustomerName: Str255 = ""
    QueuePosition: Int32 = 0
    AverageWaitSeconds: Int32 = 0
    QueueText: Text = ""
    AgentName: Str255 = ""
    AgentPhotoUrl: Str255 = ""
    AgentIsTyping: Bool = False
    Rating: Int32 = 0
    WhenRequested: DateTime = UNSET_DATE
    WhenStarted: DateTime = UNSET_DATE
    WhenEnded: DateTime = UNSET_DATE
    SessionKey: Str255 = ""


class VisitorOfflineRequest(Plain):
    SessionId: Int32 = 0
    Reference: Str32 = ""
    Status: ChatSessionStatusName = "RequestPosted"


class VisitorMessageIn(Plain):
    Message: Text = ""


class TypingIn(Plain):
    IsTyping: Bool = False


class VisitorRatingIn(Plain):
    Rating: Int32 = 0


class VisitorTranscriptIn(Plain):
    Email: Str255 = ""


class StreamToken(Plain):
    Token: Str255 = ""
    ExpiresIn: Int32 = 60


class VisitorOrigins(Plain):
    """A topic's allowed web origins for the visitor API (empty: any origin)."""

    TopicId: Int32 = 0
    Origins: list[str] = []


VISITOR_CARRIERS: tuple[type[msgspec.Struct], ...] = (
    VisitorFiles,
    VisitorTopic,
    VisitorStart,
    VisitorOfflineStart,
    VisitorSession,
    VisitorOfflineRequest,
    VisitorMessageIn,
    TypingIn,
    VisitorRatingIn,
    VisitorTranscriptIn,
    StreamToken,
    VisitorOrigins,
)
