"""A chat bot on sochat_client: goes present, takes the queued chats of one topic, greets,
answers a few keywords and hands the chat to a human when the visitor writes "agent".

    python examples/bot.py http://127.0.0.1:8000 --user tje1 --password Tje1 --topic 1 --human tje0
"""

import argparse
import asyncio

from sochat_client import AsyncClient, Basic, ChatMessageType, ChatSessionStatus

GREETING = "Hi, I am the support bot. Ask me about opening hours or prices, or write 'agent'."
ANSWERS = {
    "hours": "We are open 08:00-16:00, Monday to Friday.",
    "price": "Our prices are on https://example.com/prices.",
}
FALLBACK = "Sorry, I did not get that. Ask about hours or prices, or write 'agent' for a person."


async def run_bot(chat: AsyncClient, topic_id: int, human: str) -> None:
    await chat.set_present(True)
    mine: set[int] = set()

    async def take(session_id: int) -> None:
        if session_id not in mine and await chat.pick_up(session_id):
            mine.add(session_id)
            await chat.post_message(session_id, GREETING)

    async for event in chat.events(topic_id=topic_id, ready=True):
        if event.Event == "ready":  # (re)connected: take the chats already queued
            for queued in await chat.sessions_for_current_user():
                if queued.TopicId == topic_id and queued.Status == ChatSessionStatus.InQueue:
                    await take(queued.ChatSessionId)
        elif (s := event.session) and s.Status == ChatSessionStatus.InQueue:
            await take(s.ChatSessionId)
        m = event.message
        if m is None or m.Type != ChatMessageType.ToUser or m.ChatSessionId not in mine:
            continue
        text = m.Message.lower()
        if "agent" in text:
            mine.discard(m.ChatSessionId)
            await chat.post_message(m.ChatSessionId, "One moment, I am getting you a colleague.")
            await chat.transfer_session(m.ChatSessionId, human)
        else:
            reply = next((a for word, a in ANSWERS.items() if word in text), FALLBACK)
            await chat.post_message(m.ChatSessionId, reply)


async def main() -> None:
    p = argparse.ArgumentParser(description="A sochat bot")
    p.add_argument("url")
    for flag in ("--user", "--password", "--topic", "--human"):
        p.add_argument(flag, required=True)
    a = p.parse_args()
    async with AsyncClient(a.url, auth=Basic(a.user, a.password)) as chat:
        await run_bot(chat, int(a.topic), a.human)


if __name__ == "__main__":
    asyncio.run(main())
