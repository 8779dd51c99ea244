"""Use cases on an agent's quick replies (sochat extension ``/api/v1/QuickReply``).

A reply belongs to the user who created it; every use case works on the caller's own
replies only, and someone else's id answers NotFound (it does not reveal that it exists).
"""

from __future__ import annotations

from dataclasses import replace

from sochat.domain.crm import Associate
from sochat.domain.quick_reply import PER_USER_MAX, QuickReply, checked
from sochat.errors import Forbidden, InvalidInput, NotFound
from sochat.services.ports import Clock, Database


def _agent(caller: Associate) -> int:
    if caller.deleted or not (caller.is_chat_agent or caller.is_chat_admin):
        raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
    return caller.associate_id


async def list_own(db: Database, caller: Associate) -> list[QuickReply]:
    me = _agent(caller)
    async with db.read() as uow:
        return await uow.quick_replies.list(me)


async def get(db: Database, caller: Associate, reply_id: int) -> QuickReply:
    me = _agent(caller)
    async with db.read() as uow:
        reply = await uow.quick_replies.get(reply_id, me)
    if reply is None:
        raise NotFound("SR_NOT_FOUND", entity="QuickReply", id=reply_id)
    return reply


async def create(db: Database, clock: Clock, caller: Associate, name: str, content: str) -> QuickReply:
    me = _agent(caller)
    name, content = checked(name, content)
    async with db.write() as uow:
        if await uow.quick_replies.count(me) >= PER_USER_MAX:
            raise InvalidInput(
                "SR_INVALID_VALUE", field="QuickReply", detail=f"at most {PER_USER_MAX} per user"
            )
        reply = await uow.quick_replies.add(QuickReply(0, me, name, content, clock.now()))
        await uow.commit()
    return reply


async def update(
    db: Database, clock: Clock, caller: Associate, reply_id: int, name: str, content: str
) -> QuickReply:
    me = _agent(caller)
    name, content = checked(name, content)
    async with db.write() as uow:
        current = await uow.quick_replies.get(reply_id, me)
        if current is None:
            raise NotFound("SR_NOT_FOUND", entity="QuickReply", id=reply_id)
        reply = replace(current, name=name, content=content, updated_at=clock.now())
        await uow.quick_replies.update(reply)
        await uow.commit()
    return reply


async def delete(db: Database, caller: Associate, reply_id: int) -> None:
    me = _agent(caller)
    async with db.write() as uow:
        if not await uow.quick_replies.delete(reply_id, me):
            raise NotFound("SR_NOT_FOUND", entity="QuickReply", id=reply_id)
        await uow.commit()
