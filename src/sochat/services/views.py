"""What use cases hand to the edge: domain objects with the caller's rights and resolved links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sochat.domain import crm
from sochat.domain.message import ChatMessage
from sochat.domain.rights import RowRight
from sochat.domain.session import ChatSession
from sochat.domain.topic import ChatTopic, TopicMembership
from sochat.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Links:
    """Records sessions refer to, loaded in one batch per response."""

    associates: Mapping[int, crm.Associate] = field(default_factory=dict)
    persons: Mapping[int, crm.Person] = field(default_factory=dict)
    contacts: Mapping[int, crm.Contact] = field(default_factory=dict)
    projects: Mapping[int, crm.Project] = field(default_factory=dict)
    sales: Mapping[int, crm.Sale] = field(default_factory=dict)
    tickets: Mapping[int, crm.Ticket] = field(default_factory=dict)


NO_LINKS = Links()


@dataclass(frozen=True, slots=True)
class SessionView:
    session: ChatSession
    right: RowRight
    links: Links = NO_LINKS
    # The visitor's key, only in the answer that created the session ("" otherwise).
    session_key: str = ""


@dataclass(frozen=True, slots=True)
class TopicView:
    topic: ChatTopic
    right: RowRight


@dataclass(frozen=True, slots=True)
class MemberView:
    membership: TopicMembership
    associate: crm.Associate | None


@dataclass(frozen=True, slots=True)
class MessageView:
    message: ChatMessage


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v})


async def load_links(uow: UnitOfWork, sessions: Iterable[ChatSession]) -> Links:
    """Every person, company, project, sale, ticket and agent the sessions mention, plus the
    records those summaries name (owners, the sale's project), in one query per kind."""
    items = list(sessions)
    if not items:
        return NO_LINKS
    persons = await uow.crm.persons(_ids(s.person_id for s in items))
    sales = await uow.crm.sales(_ids(s.sale_id for s in items))
    tickets = await uow.crm.tickets(_ids(s.ticket_id for s in items))
    persons = {
        **persons,
        **await uow.crm.persons(
            _ids([*(x.person_id for x in sales.values()), *(t.person_id for t in tickets.values())])
        ),
    }
    contacts = await uow.crm.contacts(
        _ids(
            [
                *(s.contact_id for s in items),
                *(p.contact_id for p in persons.values()),
                *(x.contact_id for x in sales.values()),
                *(t.contact_id for t in tickets.values()),
            ]
        )
    )
    projects = await uow.crm.projects(
        _ids(
            [
                *(s.project_id for s in items),
                *(x.project_id for x in sales.values()),
                *(t.project_id for t in tickets.values()),
            ]
        )
    )
    associates = await uow.associates.get_many(
        _ids(
            [
                *(s.user_id for s in items),
                *(s.transfer_to_id for s in items),
                *(p.associate_id for p in persons.values()),
                *(c.associate_id for c in contacts.values()),
                *(p.associate_id for p in projects.values()),
                *(x.associate_id for x in sales.values()),
                *(t.created_by for t in tickets.values()),
                *(t.owned_by for t in tickets.values()),
            ]
        )
    )
    return Links(associates, persons, contacts, projects, sales, tickets)
