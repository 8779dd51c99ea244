"""The CRM records a chat session links to: associates (users), persons, contacts, projects, sales, tickets.

sochat is not a CRM; it keeps just the fields the chat carriers' nested summaries expose
(entities.md section 3), so that a linked person or ticket looks as it does in NetServer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sochat.domain.enums import (
    ActivityStatus,
    SaleStatus,
    TicketBaseStatus,
    TicketOrigin,
    TicketReadStatus,
    TicketSecurityLevel,
    UserType,
)


@dataclass(frozen=True, slots=True)
class Associate:
    """A user. ``is_chat_agent`` = holds a chat licence; ``is_chat_admin`` = may configure topics."""

    associate_id: int
    name: str
    person_id: int = 0
    rank: int = 0
    tooltip: str = ""
    type: UserType = UserType.InternalAssociate
    group_idx: int = 0
    full_name: str = ""
    formal_name: str = ""
    deleted: bool = False
    ej_user_id: int = 0
    user_name: str = ""
    is_chat_agent: bool = False
    is_chat_admin: bool = False
    chat_present: bool = False
    extra_fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Person:
    person_id: int
    firstname: str = ""
    lastname: str = ""
    middle_name: str = ""
    mrmrs: str = ""
    position: str = ""
    title: str = ""
    description: str = ""
    email: str = ""
    email_name: str = ""
    direct_phone: str = ""
    mobile_phone: str = ""
    fax_phone: str = ""
    country_id: int = 0
    contact_id: int = 0
    retired: bool = False
    rank: int = 0
    associate_id: int = 0
    use_person_address: bool = False
    kanafname: str = ""
    kanalname: str = ""
    post1: str = ""
    post2: str = ""
    post3: str = ""
    ticket_priority_id: int = 0
    support_language_id: int = 0
    support_associate_id: int = 0
    category_name: str = ""
    person_number: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.firstname, self.middle_name, self.lastname) if p)

    @property
    def formal_name(self) -> str:
        given = " ".join(p for p in (self.firstname, self.middle_name) if p)
        return f"{self.lastname}, {given}" if self.lastname and given else self.lastname or given


@dataclass(frozen=True, slots=True)
class Contact:
    contact_id: int
    name: str = ""
    org_nr: str = ""
    department: str = ""
    url: str = ""
    url_name: str = ""
    city: str = ""
    direct_phone: str = ""
    fax: str = ""
    associate_id: int = 0
    country_id: int = 0
    country_name: str = ""
    email_address: str = ""
    email_address_name: str = ""
    kananame: str = ""
    business_name: str = ""
    category_name: str = ""
    address1: str = ""
    zipcode: str = ""
    is_owner_contact: bool = False
    number1: str = ""
    number2: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.department}".strip()


@dataclass(frozen=True, slots=True)
class Project:
    project_id: int
    name: str = ""
    description: str = ""
    url: str = ""
    url_name: str = ""
    type_id: int = 0
    type_name: str = ""
    associate_id: int = 0
    status_id: int = 0
    status_name: str = ""
    text_id: int = 0
    updated: datetime | None = None
    publish_from: datetime | None = None
    publish_to: datetime | None = None
    is_published: bool = False
    project_number: str = ""
    event_id: int = 0
    start_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sale:
    sale_id: int
    title: str = ""
    description: str = ""
    sale_date: datetime | None = None
    amount: float = 0.0
    currency: str = ""
    probability: int = 0
    earning: float = 0.0
    status: SaleStatus = SaleStatus.Open
    completed: ActivityStatus = ActivityStatus.NotStarted
    contact_id: int = 0
    person_id: int = 0
    project_id: int = 0
    associate_id: int = 0
    sale_type_id: int = 0
    sale_type_name: str = ""
    next_due_date: datetime | None = None
    number: str = ""

    @property
    def weighted_amount(self) -> float:
        return self.amount * self.probability / 100

    @property
    def earning_percent(self) -> float:
        return self.earning * 100 / self.amount if self.amount else 0.0


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket_id: int
    title: str = ""
    created_at: datetime | None = None
    last_changed: datetime | None = None
    read_by_owner: datetime | None = None
    read_by_customer: datetime | None = None
    first_read_by_user: datetime | None = None
    activate: datetime | None = None
    closed_at: datetime | None = None
    replied_at: datetime | None = None
    alert_timeout: datetime | None = None
    deadline: datetime | None = None
    created_by: int = 1
    author: str = ""
    owned_by: int = 1
    category_id: int = 0
    category_name: str = ""
    category_fullname: str = ""
    slevel: TicketSecurityLevel = TicketSecurityLevel.External
    priority_id: int = 0
    priority_name: str = ""
    base_status: TicketBaseStatus = TicketBaseStatus.Active
    ticket_status: int = 0
    ticket_status_name: str = ""
    origin: TicketOrigin = TicketOrigin.Chat
    person_id: int = 0
    contact_id: int = 0
    alert_level: int = 0
    connect_id: int = 0
    read_status: TicketReadStatus = TicketReadStatus.Green
    num_replies: int = 0
    num_messages: int = 0
    from_address: str = ""
    language: str = ""
    sale_id: int = 0
    project_id: int = 0
    ticket_type_id: int = 0
    ticket_type_name: str = ""
