"""A Starlette app that receives sochat's (and SuperOffice's) webhooks: it checks
X-Superoffice-Signature over the raw body, parses the event, and ignores repeats.

    SOCHAT_WEBHOOK_SECRET=... uvicorn examples.webhook_receiver:app --port 9000
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sochat_client import InvalidSignature, WebhookEvent, read_webhook


def receiver(secret: str, handled: list[WebhookEvent] | None = None) -> Starlette:
    seen: set[str] = set()  # EventIds done: deliveries are at least once
    events = handled if handled is not None else []

    async def hook(request: Request) -> PlainTextResponse:
        try:
            event = read_webhook(await request.body(), request.headers, secret)
        except InvalidSignature:
            return PlainTextResponse("bad signature", status_code=401)
        if event.EventId not in seen:
            seen.add(event.EventId)
            events.append(event)  # act on it here: update the CRM, notify someone ...
            print(f"{event.Event} #{event.PrimaryKey} by {event.ChangedByAssociateId}: {event.Changes}")
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


app = receiver(os.environ.get("SOCHAT_WEBHOOK_SECRET", ""))
