"""Administration use cases behind the CLI: users and tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from sochat.auth.passwords import hash_password
from sochat.auth.tickets import new_ticket, ticket_digest
from sochat.domain.crm import Associate
from sochat.services.ports import Database, IssuedTicket


class UserError(Exception):
    """A refusal the CLI prints as is."""


async def add_user(
    db: Database, user_name: str, password: str, *, full_name: str, agent: bool, admin: bool
) -> Associate:
    """Add an associate; user names are unique regardless of case."""
    name = user_name.strip()
    if not name or len(name) > 255 or any(ch.isspace() for ch in name):
        raise UserError("A user name is 1-255 characters without spaces.")
    async with db.write() as uow:
        if await uow.associates.credentials(name) is not None:
            raise UserError(f"User {name} already exists.")
        associate = await uow.associates.add(
            Associate(
                associate_id=0,
                name=name,
                user_name=name,
                full_name=full_name or name,
                formal_name=full_name or name,
                is_chat_agent=agent,
                is_chat_admin=admin,
            ),
            hash_password(password),
        )
        await uow.commit()
        return associate


async def set_password(db: Database, user_name: str, password: str) -> None:
    """Change a password and revoke the user's tickets, so old sessions end now."""
    async with db.write() as uow:
        creds = await uow.associates.credentials(user_name)
        if creds is None:
            raise UserError(f"No user {user_name}.")
        await uow.associates.set_password(creds.associate.associate_id, hash_password(password))
        await uow.tickets.revoke_all(creds.associate.associate_id)
        await uow.commit()


async def list_users(db: Database) -> list[Associate]:
    async with db.read() as uow:
        return await uow.associates.list()


async def issue_ticket(db: Database, user_name: str, ttl: timedelta, now: datetime) -> str:
    """A new SOTicket; only its digest is stored."""
    if ttl <= timedelta(0):
        raise UserError("A ticket lifetime must be positive.")
    async with db.write() as uow:
        creds = await uow.associates.credentials(user_name)
        if creds is None or creds.associate.deleted:
            raise UserError(f"No user {user_name}.")
        ticket = new_ticket()
        await uow.tickets.add(
            IssuedTicket(ticket_digest(ticket), creds.associate.associate_id, now, now + ttl, revoked=False)
        )
        await uow.commit()
        return ticket


async def revoke_ticket(db: Database, ticket: str) -> bool:
    async with db.write() as uow:
        done = await uow.tickets.revoke(ticket_digest(ticket))
        await uow.commit()
        return done
