"""examples/bot.py against a live sochat, with a scripted visitor: the bot goes present,
takes the queued chat of its topic, greets, answers keywords and hands over on "agent"."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sochat_client import ChatMessage, ChatMessageSpecialType, ChatMessageType, ChatSessionStatus
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


async def test_bot_greets_answers_and_hands_over(live: Live) -> None:
    bot = load_bot()
    async with live.client() as visitor_side, live.client(TJE1) as bot_client:
        # A chat already waiting when the bot starts, and one that arrives later.
        waiting = await visitor_side.chat_agent.create_chat_session_for_topic(1)
        assert waiting is not None
        task = asyncio.create_task(bot.run_bot(bot_client, 1, "tje0"))
        try:

            async def texts(sid: int, n: int) -> list[str]:
                async with asyncio.timeout(15):
                    while True:
                        found = [
                            m.Message
                            for m in await visitor_side.messages(sid)
                            if m.Type == ChatMessageType.ToCustomer
                            and m.SpecialType == ChatMessageSpecialType.None_
                        ]
                        if len(found) >= n:
                            return found
                        await asyncio.sleep(0.1)

            assert bot.GREETING in await texts(waiting.ChatSessionId, 1)
            await asyncio.sleep(0.5)  # the bot's stream is open
            s = await visitor_side.chat_agent.create_chat_session_for_topic(1)
            assert s is not None
            sid = s.ChatSessionId

            async def visitor_says(text: str) -> None:
                msg = ChatMessage(Type=ChatMessageType.ToUser, Message=text, Author="Visitor")
                await visitor_side.chat_agent.add_chat_message(sid, msg)

            got = await texts(sid, 1)
            assert got[-1] == bot.GREETING
            session = await visitor_side.get_session(sid)
            assert session is not None
            assert session.Status == ChatSessionStatus.UserLast
            assert session.User is not None
            assert session.User.Name == "tje1"
            await visitor_says("What are your opening hours?")
            assert (await texts(sid, 2))[-1] == bot.ANSWERS["hours"]
            await visitor_says("blah")
            assert (await texts(sid, 3))[-1] == bot.FALLBACK
            await visitor_says("I want an agent please")
            assert "colleague" in (await texts(sid, 4))[-1]
            async with asyncio.timeout(10):
                while True:
                    session = await visitor_side.get_session(sid)
                    assert session is not None
                    if session.TransferTo is not None:
                        break
                    await asyncio.sleep(0.1)
            assert session.TransferTo.Name == "tje0"
            accepted = await visitor_side.accept_transfer(sid)
            assert accepted.User is not None
            assert accepted.User.Name == "tje0"
            await visitor_says("thanks, and the price?")
            await asyncio.sleep(1.0)
            assert len(await texts(sid, 4)) == 4  # the bot has let go of this chat
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
