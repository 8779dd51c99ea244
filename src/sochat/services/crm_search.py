"""Find the persons and contacts sochat knows, so an agent can link a chat to them
(sochat extension ``GET /api/v1/CrmSearch``; the link itself is the documented session save)."""

from __future__ import annotations

from dataclasses import dataclass

from sochat.domain.crm import Associate, Contact, Person
from sochat.errors import Forbidden, InvalidInput
from sochat.services.ports import Database

MIN_TERM = 2
MAX_TERM = 100


@dataclass(frozen=True, slots=True)
class CrmMatches:
    persons: list[Person]
    contacts: dict[int, Contact]  # the persons' companies and the matching companies
    matching_contacts: list[Contact]


async def search(db: Database, caller: Associate, term: str, limit: int = 20) -> CrmMatches:
    if caller.deleted or not (caller.is_chat_agent or caller.is_chat_admin):
        raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
    term = term.strip()
    if not MIN_TERM <= len(term) <= MAX_TERM:
        raise InvalidInput("SR_INVALID_VALUE", field="term", detail=f"{MIN_TERM} to {MAX_TERM} characters")
    limit = max(1, min(limit, 50))
    async with db.read() as uow:
        persons = await uow.crm.search_persons(term, limit)
        matching = await uow.crm.search_contacts(term, limit)
        contacts = await uow.crm.contacts([p.contact_id for p in persons if p.contact_id])
    contacts.update({c.contact_id: c for c in matching})
    return CrmMatches(persons, contacts, matching)
