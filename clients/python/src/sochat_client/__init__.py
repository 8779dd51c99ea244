"""A typed client for SuperOffice's chat WebAPI: sochat, and SuperOffice NetServer itself.

from sochat_client import Client, Basic

with Client("http://127.0.0.1:8000", auth=Basic("tje0", "Tje0")) as chat:
    for session in chat.sessions_for_current_user():
        print(session.ChatSessionId, session.Status, session.WhenRequested)
"""

from sochat_client import carriers as _carriers
from sochat_client import enums as _enums
from sochat_client._async_client import AsyncChatAgent, AsyncClient, AsyncVisitorClient, AsyncWebhookAgent
from sochat_client._base import op
from sochat_client._sync_client import ChatAgent, Client, VisitorClient, WebhookAgent
from sochat_client.auth import Auth, Basic, Bearer, SoTicket
from sochat_client.carriers import *  # noqa: F403 - the carriers are the API
from sochat_client.codec import DecodeError, parse_date
from sochat_client.enums import *  # noqa: F403
from sochat_client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    ServerError,
    SoChatError,
    TransportError,
    Unauthorized,
    UnsupportedMediaType,
    ValidationError,
)
from sochat_client.webhooks import InvalidSignature, parse_event, read_webhook, sign, verify_signature

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "AsyncChatAgent",
    "AsyncClient",
    "AsyncVisitorClient",
    "AsyncWebhookAgent",
    "Auth",
    "BadRequest",
    "Basic",
    "Bearer",
    "ChatAgent",
    "Client",
    "Conflict",
    "DecodeError",
    "Forbidden",
    "InvalidSignature",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RateLimited",
    "ServerError",
    "SoChatError",
    "SoTicket",
    "TransportError",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationError",
    "VisitorClient",
    "WebhookAgent",
    "op",
    "parse_date",
    "parse_event",
    "read_webhook",
    "sign",
    "verify_signature",
]
__all__ += _carriers.__all__
__all__ += _enums.__all__
