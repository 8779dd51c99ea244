"""Administration use cases behind the CLI: users and tickets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import resources

from sochat.auth.passwords import hash_password, verify_password
from sochat.auth.tickets import new_ticket, ticket_digest
from sochat.domain.crm import Associate
from sochat.services.ports import Database, IdentityStore, IssuedTicket


class UserError(Exception):
    """A refusal the CLI prints as is."""


MIN_PASSWORD_LENGTH = 10


def _common_passwords() -> frozenset[str]:
    text = resources.files("sochat.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password(password: str, user_name: str = "") -> None:
    """For passwords people choose (the CLI): UserError unless the password is long enough
    and not a well-known one (NIST SP 800-63B: a minimum length and a blocklist, no
    composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or (user_name and user_name.lower() in lowered):
        raise UserError("This password is too common or contains the user name; choose another.")


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


async def disable_user(db: Database, user_name: str) -> int:
    """Retire a user (no login by any scheme, as a deleted associate) and revoke all of
    their tickets; returns how many tickets were revoked."""
    async with db.write() as uow:
        creds = await uow.associates.credentials(user_name)
        if creds is None:
            raise UserError(f"No user {user_name}.")
        await uow.associates.set_deleted(creds.associate.associate_id, True)
        revoked = await uow.tickets.revoke_all(creds.associate.associate_id)
        await uow.commit()
        return revoked


async def revoke_user_tickets(db: Database, user_name: str) -> int:
    """Revoke every live ticket of a user (open streams close within the rights reload)."""
    async with db.write() as uow:
        creds = await uow.associates.credentials(user_name)
        if creds is None:
            raise UserError(f"No user {user_name}.")
        revoked = await uow.tickets.revoke_all(creds.associate.associate_id)
        await uow.commit()
        return revoked


async def purge_tickets(db: Database, now: datetime) -> int:
    """Delete tickets that expired or were revoked (a revoked one is refused either way)."""
    async with db.write() as uow:
        removed = await uow.tickets.purge(now)
        await uow.commit()
        return removed


async def logins_that_work(db: Database, logins: Iterable[tuple[str, str]]) -> list[str]:
    """The user names among ``logins`` whose password is still the one given (for the
    published demo logins: refuse to expose them beyond loopback)."""
    found = []
    for user_name, password in logins:
        async with db.read() as uow:
            creds = await uow.associates.credentials(user_name)
        if creds and not creds.associate.deleted and await verify_password(creds.password_hash, password):
            found.append(user_name)
    return found


async def link_identity(
    db: Database, identities: IdentityStore, user_name: str, issuer: str, subject: str
) -> None:
    """Bind an OIDC identity (issuer + subject, exactly as the tokens carry them) to a user."""
    async with db.read() as uow:
        creds = await uow.associates.credentials(user_name)
    if creds is None:
        raise UserError(f"No user {user_name}.")
    await identities.link(issuer, subject, creds.associate.associate_id)
