"""Use cases on chat topics, their members and agents' presence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo

from sochat.domain.crm import Associate
from sochat.domain.opening_hours import is_open
from sochat.domain.rights import RowRight, TableRightBit, topic_right
from sochat.domain.topic import (
    ORIGIN,
    WORKDAYS_8_TO_16,
    ChatTopic,
    TopicFlag,
    TopicMembership,
    WidgetSettings,
    parse_origins,
)
from sochat.errors import Forbidden, InvalidInput, NotFound
from sochat.services.chat import as_associate_id
from sochat.services.ports import Clock, Database, UnitOfWork
from sochat.services.views import MemberView, TopicView

# WidgetRequiredFields: Email | Name, the pre-chat form's default (Q20).
EMAIL_AND_NAME = 1 | 2


def default_topic() -> ChatTopic:
    """A new topic (Q20): hours Mon-Fri 08-16 pre-filled but off; warnings after 2 and 5
    minutes; Classic widget with a pre-chat form asking for name and e-mail; FAQ, post-chat
    form, rating, tickets and bot off; pop-up alerts on."""
    return ChatTopic(
        opening_hours=WORKDAYS_8_TO_16,
        warn_new_chat_minutes=2,
        warn_manager_new_chat_minutes=5,
        widget=WidgetSettings(pre_form_enabled=True, required_fields=EMAIL_AND_NAME),
        flags=int(TopicFlag.PopupAlert),
    )


@dataclass(frozen=True, slots=True)
class MemberInput:
    """A ChatTopicAgent as the client sends it: the user by id or name, and four rights."""

    associate_id: int
    user_name: str
    can_respond: bool
    can_listen: bool
    can_manage: bool
    can_notify: bool


@dataclass(frozen=True, slots=True)
class PresenceView:
    associate: Associate
    ongoing_chats: int
    topic_ids: list[int]


class TopicService:
    def __init__(self, db: Database, clock: Clock, *, zone_for: Callable[[int], tzinfo]) -> None:
        self.db = db
        self.clock = clock
        self.zone_for = zone_for

    async def _right(self, uow: UnitOfWork, caller: Associate, topic_id: int) -> RowRight:
        return topic_right(caller, await uow.topics.member(topic_id, caller.associate_id))

    async def _load(self, uow: UnitOfWork, caller: Associate, topic_id: int) -> tuple[ChatTopic, RowRight]:
        topic = await uow.topics.get(topic_id)
        right = await self._right(uow, caller, topic_id) if topic else RowRight(0)
        if topic is None or not right.mask & TableRightBit.Select:
            raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
        return topic, right

    @staticmethod
    def _require_admin(caller: Associate) -> None:
        if not (caller.is_chat_admin and caller.is_chat_agent and not caller.deleted):
            raise Forbidden("SR_CHAT_NO_MANAGE_RIGHT")

    async def default(self, caller: Associate) -> TopicView:
        return TopicView(default_topic(), topic_right(caller, None))

    async def get(self, caller: Associate, topic_id: int) -> TopicView:
        async with self.db.read() as uow:
            topic, right = await self._load(uow, caller, topic_id)
            return TopicView(topic, right)

    async def for_user(self, caller: Associate) -> list[TopicView]:
        """Topics where the caller has any of the four rights (all of them for administrators)."""
        async with self.db.read() as uow:
            memberships = {
                m.topic_id: m for m in await uow.topics.memberships_of(caller.associate_id) if m.is_member
            }
            if caller.is_chat_admin:
                topics = await uow.topics.list()
            else:
                topics = list((await uow.topics.get_many(list(memberships))).values())
            topics.sort(key=lambda t: t.topic_id)
            return [TopicView(t, topic_right(caller, memberships.get(t.topic_id))) for t in topics]

    async def save(
        self, caller: Associate, topic: ChatTopic, *, precondition: Callable[[ChatTopic], None] | None = None
    ) -> TopicView:
        """Insert (id 0) or replace a topic; chat administrators only. Statistics
        (LastAccept, SecondsPrAccept) are the server's and survive a save."""
        self._require_admin(caller)
        if not topic.name.strip():
            raise InvalidInput("SR_INVALID_VALUE", field="Name", detail="a topic needs a name")
        now = self.clock.now()
        async with self.db.write() as uow:
            if topic.topic_id == 0:
                stored = await uow.topics.add(
                    replace(topic, last_accept=None, seconds_pr_accept=0, accept_count=0, updated_at=now)
                )
            else:
                current = await uow.topics.get(topic.topic_id, for_update=True)
                if current is None:
                    raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic.topic_id)
                if precondition is not None:
                    precondition(current)  # checked under the row lock
                stored = replace(
                    topic,
                    last_accept=current.last_accept,
                    seconds_pr_accept=current.seconds_pr_accept,
                    accept_count=current.accept_count,
                    # An extension setting with its own endpoint: a ChatTopicEntity save keeps it.
                    visitor_origins=current.visitor_origins,
                    updated_at=now,
                )
                await uow.topics.update(stored)
            right = await self._right(uow, caller, stored.topic_id)
            await uow.commit()
            return TopicView(stored, right)

    async def visitor_origins(self, caller: Associate, topic_id: int) -> tuple[str, ...]:
        """The web origins allowed to use the visitor API for the topic (administrators)."""
        self._require_admin(caller)
        async with self.db.read() as uow:
            topic, _ = await self._load(uow, caller, topic_id)
        return parse_origins(topic.visitor_origins)

    async def set_visitor_origins(
        self, caller: Associate, topic_id: int, origins: Sequence[str]
    ) -> tuple[str, ...]:
        """Replace the topic's allowed origins; each is ``http(s)://host[:port]``, no path.
        An empty list lets any origin call (the default)."""
        self._require_admin(caller)
        if len(origins) > 100:
            raise InvalidInput("SR_INVALID_VALUE", field="Origins", detail="at most 100 origins")
        cleaned = []
        for raw in origins:
            origin = raw.strip().rstrip("/").lower()
            if not ORIGIN.match(origin):
                raise InvalidInput(
                    "SR_INVALID_VALUE",
                    field="Origins",
                    detail=f"not an origin (https://host[:port]): {raw[:100]}",
                )
            if origin not in cleaned:
                cleaned.append(origin)
        async with self.db.write() as uow:
            current = await uow.topics.get(topic_id, for_update=True)
            if current is None:
                raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
            await uow.topics.update(
                replace(current, visitor_origins="\n".join(cleaned), updated_at=self.clock.now())
            )
            await uow.commit()
        return tuple(cleaned)

    async def delete(self, caller: Associate, topic_id: int) -> None:
        """Delete a topic with its members, sessions and messages; administrators only."""
        self._require_admin(caller)
        async with self.db.write() as uow:
            if not await uow.topics.delete(topic_id):
                raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
            await uow.commit()

    async def is_open(self, caller: Associate, topic_id: int) -> bool:
        """Open right now in the topic's zone; always true when opening hours are off."""
        async with self.db.read() as uow:
            topic, _ = await self._load(uow, caller, topic_id)
        if not topic.opening_hours_enabled:
            return True
        hours = topic.opening_hours
        return is_open(hours, self.zone_for(hours.tz_location_id), self.clock.now())

    # -- members ------------------------------------------------------------

    async def _agent(self, uow: UnitOfWork, name_or_id: str) -> Associate:
        creds = await uow.associates.credentials(name_or_id.strip())
        agent = creds.associate if creds else None
        associate_id = as_associate_id(name_or_id)
        if agent is None and associate_id:
            agent = await uow.associates.get(associate_id)
        if agent is None:
            raise NotFound("SR_NOT_FOUND", entity="User", id=name_or_id)
        return agent

    async def _agent_of(self, uow: UnitOfWork, m: MemberInput) -> Associate:
        if m.associate_id:
            agent = await uow.associates.get(m.associate_id)
            if agent is None:
                raise InvalidInput("SR_INVALID_VALUE", field="User.AssociateId", detail="no such user")
            return agent
        if m.user_name:
            return await self._agent(uow, m.user_name)
        raise InvalidInput(
            "SR_INVALID_VALUE", field="User", detail="name the user by AssociateId or UserName"
        )

    async def members(self, caller: Associate, topic_id: int) -> list[MemberView]:
        async with self.db.read() as uow:
            await self._load(uow, caller, topic_id)
            members = await uow.topics.members(topic_id)
            agents = await uow.associates.get_many([m.associate_id for m in members])
            return [MemberView(m, agents.get(m.associate_id)) for m in members]

    async def member(self, caller: Associate, topic_id: int, user: str) -> MemberView | None:
        async with self.db.read() as uow:
            await self._load(uow, caller, topic_id)
            agent = await self._agent(uow, user)
            m = await uow.topics.member(topic_id, agent.associate_id)
            return MemberView(m, agent) if m else None

    def _membership(self, topic_id: int, agent: Associate, m: MemberInput) -> TopicMembership:
        if agent.deleted or not agent.is_chat_agent:
            raise InvalidInput("SR_CHAT_NOT_AN_AGENT", agent=agent.name)
        return TopicMembership(
            topic_id, agent.associate_id, m.can_respond, m.can_listen, m.can_manage, m.can_notify
        )

    async def set_member(
        self, caller: Associate, topic_id: int, m: MemberInput, *, user: str | None = None
    ) -> MemberView:
        """Add a member, or change one's rights (``user`` names the member being changed)."""
        self._require_admin(caller)
        async with self.db.write() as uow:
            await self._load(uow, caller, topic_id)
            agent = await self._agent(uow, user) if user is not None else await self._agent_of(uow, m)
            if user is not None and await uow.topics.member(topic_id, agent.associate_id) is None:
                raise NotFound("SR_NOT_FOUND", entity="ChatTopicAgent", id=user)
            membership = self._membership(topic_id, agent, m)
            await uow.topics.upsert_member(membership)
            await uow.commit()
            return MemberView(membership, agent)

    async def replace_members(
        self, caller: Associate, topic_id: int, members: Sequence[MemberInput]
    ) -> list[MemberView]:
        """Make the member list exactly ``members``, in one transaction."""
        self._require_admin(caller)
        async with self.db.write() as uow:
            await self._load(uow, caller, topic_id)
            views: dict[int, MemberView] = {}
            for m in members:
                agent = await self._agent_of(uow, m)
                views[agent.associate_id] = MemberView(self._membership(topic_id, agent, m), agent)
            await uow.topics.replace_members(topic_id, [v.membership for v in views.values()])
            await uow.commit()
            return [views[k] for k in sorted(views)]

    async def delete_member(self, caller: Associate, topic_id: int, user: str) -> None:
        self._require_admin(caller)
        async with self.db.write() as uow:
            await self._load(uow, caller, topic_id)
            agent = await self._agent(uow, user)
            if not await uow.topics.delete_member(topic_id, agent.associate_id):
                raise NotFound("SR_NOT_FOUND", entity="ChatTopicAgent", id=user)
            await uow.commit()

    # -- agents and presence ---------------------------------------------------

    async def agents(self, caller: Associate, *, only_present: bool) -> list[Associate]:
        """Users who can be made topic members: chat agents that are not retired."""
        if not caller.is_chat_agent:
            raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
        async with self.db.read() as uow:
            agents = await uow.associates.chat_agents()
        return [a for a in agents if a.chat_present or not only_present]

    async def presence(self, caller: Associate) -> list[PresenceView]:
        if not caller.is_chat_agent:
            raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
        async with self.db.read() as uow:
            agents = await uow.associates.chat_agents()
            ongoing = await uow.sessions.ongoing_counts()
            views = []
            for a in agents:
                topics = [m.topic_id for m in await uow.topics.memberships_of(a.associate_id) if m.is_member]
                views.append(PresenceView(a, ongoing.get(a.associate_id, 0), topics))
            return views

    async def save_presence(self, caller: Associate, changes: Sequence[tuple[int, bool]]) -> None:
        """Set Present on/off. Agents set their own; administrators anyone's."""
        if not caller.is_chat_agent:
            raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
        for user_id, _ in changes:
            if user_id != caller.associate_id and not caller.is_chat_admin:
                raise Forbidden("SR_CHAT_NO_MANAGE_RIGHT")
        async with self.db.write() as uow:
            for user_id, present in changes:
                if not await uow.associates.set_presence(user_id, present):
                    raise InvalidInput("SR_INVALID_VALUE", field="UserId", detail=f"no user {user_id}")
            await uow.commit()
