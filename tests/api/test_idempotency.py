"""An Idempotency-Key makes a retried message post return the first answer, not a copy."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from tests.api.conftest import SEED_AUTH

pytestmark = pytest.mark.anyio
H = {"Authorization": SEED_AUTH}


async def session_id(client: httpx.AsyncClient) -> int:
    topic = await client.post(
        "/api/v1/ChatTopic", headers=H, json={"Name": "Idem", "Widget": {"PreFormEnabled": False}}
    )
    topic_id = topic.json()["ChatTopicId"]
    await client.post(
        f"/api/v1/ChatTopic/{topic_id}/UserAgent",
        headers=H,
        json={"User": {"UserName": "tje0"}, "CanRespond": True},
    )
    sid: int = (await client.post(f"/api/v1/ChatTopic/{topic_id}/Sessions", headers=H)).json()[
        "ChatSessionId"
    ]
    return sid


async def test_retry_returns_the_same_message(client: httpx.AsyncClient) -> None:
    sid = await session_id(client)
    body = {"Type": "ToUser", "Message": "Once only"}
    headers = {**H, "Idempotency-Key": "retry-1"}
    first = await client.post(f"/api/v1/ChatSession/{sid}/Messages", headers=headers, json=body)
    second = await client.post(f"/api/v1/ChatSession/{sid}/Messages", headers=headers, json=body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    agent = await client.post(
        "/api/v1/Agents/Chat/AddChatMessage",
        headers=headers,
        json={"chatSessionId": sid, "message": {"type": "ToUser", "message": "Once only"}},
    )
    assert agent.json()["ChatMessageId"] == first.json()["ChatMessageId"]  # same request, either door
    listed = (await client.get(f"/api/v1/ChatSession/{sid}/Messages", headers=H)).json()
    assert [m["Message"] for m in listed] == ["Once only"]


async def test_same_key_other_request_is_a_conflict(client: httpx.AsyncClient) -> None:
    sid = await session_id(client)
    headers = {**H, "Idempotency-Key": "k2"}
    await client.post(
        f"/api/v1/ChatSession/{sid}/Messages", headers=headers, json={"Type": "ToUser", "Message": "a"}
    )
    other = await client.post(
        f"/api/v1/ChatSession/{sid}/Messages", headers=headers, json={"Type": "ToUser", "Message": "b"}
    )
    assert other.status_code == 409
    bad = await client.post(
        f"/api/v1/ChatSession/{sid}/Messages",
        headers={**H, "Idempotency-Key": "x" * 256},
        json={"Type": "ToUser", "Message": "a"},
    )
    assert bad.status_code == 400


async def test_concurrent_retries_store_one_message(client: httpx.AsyncClient) -> None:
    sid = await session_id(client)
    answers: list[Any] = []

    async def post() -> None:
        r = await client.post(
            f"/api/v1/ChatSession/{sid}/Messages",
            headers={**H, "Idempotency-Key": "burst"},
            json={"Type": "ToUser", "Message": "burst"},
        )
        answers.append((r.status_code, r.json()["ChatMessageId"]))

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(post)
    assert {status for status, _ in answers} == {200}
    assert len({mid for _, mid in answers}) == 1
    listed = (await client.get(f"/api/v1/ChatSession/{sid}/Messages", headers=H)).json()
    assert [m["Message"] for m in listed] == ["burst"]
