"""examples/bot.py against a live sochat, with a scripted visitor on the public visitor
API: the bot goes present, takes the queued chats of its topic, greets, answers keywords
and hands over to a human on "agent"."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sochat_client import AsyncVisitorClient, ChatMessageSpecialType, ChatMessageType, ChatSessionStatus
from tests.client.conftest import TJE1, Live

pytestmark = pytest.mark.anyio
BOT = Path(__file__).resolve().parents[2] / "examples" / "bot.py"


def load_bot() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sochat_example_bot", BOT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_the_bot_is_short() -> None:
    assert len(BOT.read_text().splitlines()) <= 60


async def answers(v: AsyncVisitorClient, n: int) -> list[str]:
    """The first ``n`` ordinary messages the visitor got (waiting for them)."""
    async with asyncio.timeout(15):
        while True:
            found = [
                m.Message
                for m in await v.messages()
                if m.Type == ChatMessageType.ToCustomer and m.SpecialType == ChatMessageSpecialType.None_
            ]
            if len(found) >= n:
                return found
            await asyncio.sleep(0.1)


async def test_bot_greets_answers_and_hands_over(live: Live) -> None:
    bot = load_bot()
    async with (
        live.client() as human,
        live.client(TJE1) as bot_client,
        AsyncVisitorClient(live.base) as early,
        AsyncVisitorClient(live.base) as visitor,
    ):
        # A chat already queued when the bot starts, and one that arrives later.
        await early.start(1, "Anyone there?", CustomerName="Early", Consent=True)
        task = asyncio.create_task(bot.run_bot(bot_client, 1, "tje0"))
        try:
            # Greeted once the bot's stream was open (it sweeps the queue on "ready").
            assert await answers(early, 1) == [bot.GREETING]
            # No opening question: whether the bot sees it depends on when it picks up.
            started = await visitor.start(1, "", CustomerName="Kari", Consent=True)
            sid = started.SessionId
            assert await answers(visitor, 1) == [bot.GREETING]
            session = await human.get_session(sid)
            assert session is not None
            assert session.Status in (ChatSessionStatus.UserLast, ChatSessionStatus.CustomerLast)
            assert session.User is not None
            assert session.User.Name == "tje1"
            await visitor.send("What are your opening hours?")
            assert (await answers(visitor, 2))[-1] == bot.ANSWERS["hours"]
            await visitor.send("blah")
            assert (await answers(visitor, 3))[-1] == bot.FALLBACK
            await visitor.send("I want an agent please")
            assert "colleague" in (await answers(visitor, 4))[-1]
            async with asyncio.timeout(10):
                while True:
                    session = await human.get_session(sid)
                    assert session is not None
                    if session.TransferTo is not None:
                        break
                    await asyncio.sleep(0.1)
            assert session.TransferTo.Name == "tje0"
            accepted = await human.accept_transfer(sid)
            assert accepted.User is not None
            assert accepted.User.Name == "tje0"
            await visitor.send("thanks, and the price?")
            await asyncio.sleep(1.0)
            assert len(await answers(visitor, 4)) == 4  # the bot has let go of this chat
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
