"""The synchronous client: generated from ``_async_client.py`` by ``tools/unasync.py``.
Do not edit; change the asynchronous client and run the tool."""

from __future__ import annotations

import time
import copy
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
import msgspec

from sochat_client import _base as b
from sochat_client.auth import Auth, Basic, Bearer
from sochat_client.carriers import (
    ChatEvent,
    ChatMessage,
    ChatPresence,
    ChatSessionEntity,
    ChatTopicAgent,
    ChatTopicEntity,
    MDOListItem,
    ODataPage,
    StreamToken,
    VisitorOfflineRequest,
    VisitorOfflineStart,
    VisitorOrigins,
    VisitorSession,
    VisitorStart,
    VisitorTopic,
    Webhook,
    WebhookResult,
)
from sochat_client.codec import convert, dumps, loads, to_wire
from sochat_client.enums import ChatMessageType, TableRightMask, WebhookState
from sochat_client.errors import ApiError, NotFound, SoChatError, TransportError
from sochat_client.sse import SseParser

T = TypeVar("T")
_NO_BODY: Any = object()
_STREAM_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _SyncCore:
    """Sending, retrying, decoding: shared by the agent client and the visitor client."""

    _http: httpx.Client
    _owns_http: bool
    _root: str
    _opts: b.Options
    _retries: int
    _max_wait: float
    _stream_read_timeout: float
    _token_flow: bool | None

    def _setup(
        self,
        base_url: str,
        opts: b.Options,
        *,
        timeout: float,
        retries: int,
        max_retry_wait: float,
        http: httpx.Client | None,
        transport: httpx.BaseTransport | None,
        stream_read_timeout: float,
    ) -> None:
        self._root = b.api_root(base_url)
        self._opts = opts
        self._retries = retries
        self._max_wait = max_retry_wait
        self._stream_read_timeout = stream_read_timeout
        self._token_flow = None  # unknown until the server is asked for a stream token
        self._owns_http = http is None
        self._http = http or httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)

    @property
    def api_root(self) -> str:
        """The ``.../api/v1`` every path hangs under."""
        return self._root

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _url(self, path: str) -> str:
        return path if "://" in path else f"{self._root}/{path.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        return self._opts.build_headers()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = _NO_BODY,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        """Send one call. Retries (connection failures, 429, 502-504) only when the call
        is ``idempotent``; a 401 to a bearer token with a refresh callback is retried once
        with the new token (the server did nothing with the refused request)."""
        url = self._url(path)
        body = dumps(json) if json is not _NO_BODY else content
        attempt = 0
        refreshed = False
        while True:
            h = self._headers()
            if json is not _NO_BODY:
                h["Content-Type"] = "application/json"
            if headers:
                h.update(headers)
            try:
                r = self._http.request(method, url, params=params, content=body, headers=h)
            except httpx.TransportError as exc:
                if idempotent and attempt < self._retries:
                    time.sleep(b.backoff(attempt, None, self._max_wait))
                    attempt += 1
                    continue
                raise TransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
            if r.status_code == 401 and not refreshed and self._refresh_bearer():
                refreshed = True
                continue
            if r.status_code in b.RETRY_STATUSES and idempotent and attempt < self._retries:
                hinted = b.retry_after(r)
                if hinted is None or hinted <= self._max_wait:
                    time.sleep(b.backoff(attempt, hinted, self._max_wait))
                    attempt += 1
                    continue
            b.raise_for(r)
            return r

    def _refresh_bearer(self) -> bool:
        auth = self._opts.auth
        if not isinstance(auth, Bearer) or auth.refresh is None:
            return False
        token: Any = auth.refresh()
        if not isinstance(token, str) or not token:
            raise SoChatError("the bearer refresh callback must return the new access token")
        auth.token = token
        return True

    def _decode(self, r: httpx.Response, tp: type[T]) -> T:
        return convert(b.check_body(r, loads(r.content)), tp, self._opts.zone())

    def _decode_or_none(self, r: httpx.Response, tp: type[T]) -> T | None:
        if r.status_code in (204, 304) or not r.content:
            return None
        raw = b.check_body(r, loads(r.content))
        return None if raw is None else convert(raw, tp, self._opts.zone())

    def _get(self, path: str, tp: type[T], params: Mapping[str, Any] | None = None) -> T:
        return self._decode(self._request("GET", path, params=params, idempotent=True), tp)

    def _stream(
        self,
        path: str,
        params: dict[str, str],
        headers: dict[str, str],
        since: int | None,
        reconnect: bool,
        token_path: str | None,
        ready: bool = False,
    ) -> Iterator[ChatEvent]:
        """Follow an event stream, reconnecting with the last cursor (``Last-Event-ID``) so
        that nothing is missed or repeated; with ``ready``, each (re)connection yields a
        ``ChatEvent(Event="ready")`` first."""
        cursor = since
        failures = 0
        while True:
            q = dict(params)
            h = {**self._headers(), **headers, "Accept": "text/event-stream"}
            token = self._stream_token(token_path) if token_path else None
            if token is not None:
                q["token"] = token
                q.pop("sessionKey", None)
                h.pop("Authorization", None)
            if cursor is not None:
                h["Last-Event-ID"] = str(cursor)
            timeout = httpx.Timeout(self._http.timeout.connect, read=self._stream_read_timeout)
            try:
                with self._http.stream(
                    "GET", self._url(path), params=q, headers=h, timeout=timeout
                ) as r:
                    if r.status_code >= 400:
                        r.read()
                        b.raise_for(r)
                    parser = SseParser()
                    for line in r.iter_lines():
                        msg = parser.feed(line)
                        if msg is None:
                            continue
                        failures = 0
                        if msg.event == "ready":
                            if cursor is None and msg.id and msg.id.isdigit():
                                cursor = int(msg.id)
                            if ready:
                                yield ChatEvent(Event="ready", Cursor=cursor or 0)
                            continue
                        event = self._event(msg.data)
                        if event is None or (cursor is not None and event.Cursor <= cursor):
                            continue
                        cursor = event.Cursor
                        yield event
            except httpx.TransportError as exc:
                if not reconnect:
                    raise TransportError(f"event stream: {type(exc).__name__}: {exc}") from exc
            except ApiError as exc:
                if not reconnect or exc.status not in _STREAM_RETRY_STATUSES:
                    raise
            if not reconnect:
                return
            failures += 1
            time.sleep(b.backoff(min(failures, 5), None, 10.0))

    def _event(self, data: str) -> ChatEvent | None:
        raw = loads(data)
        if not isinstance(raw, dict) or "Cursor" not in raw:
            return None
        payload = raw.pop("Data", None)
        event = convert(raw, ChatEvent, self._opts.zone())
        if payload is not None:
            tp: type[Any] = ChatMessage if event.Event == "chatsession.message" else ChatSessionEntity
            event = msgspec.structs.replace(event, Data=convert(payload, tp, self._opts.zone()))
        return event

    def _stream_token(self, path: str) -> str | None:
        """A one-time stream token when the server offers them (else None: header auth)."""
        if self._token_flow is False:
            return None
        try:
            r = self._request("POST", path)
        except ApiError as exc:
            if exc.status in (404, 405) and self._token_flow is None:
                self._token_flow = False
                return None
            raise
        self._token_flow = True
        return self._decode(r, StreamToken).Token


class Client(_SyncCore):
    """A client for an agent or an integration: REST, the Chat and Webhook agents, events.

    ``base_url`` is the site (``http://host:8000``, ``http://host/SuperOffice``) or its
    API root (``https://host/Cust12345/api/v1``). Every call sends ``SO-TimeZone:
    <time_zone>,includeTZOffset``, so dates come back with offsets and decode to aware
    datetimes; ``with_options`` gives a client with other headers for some calls.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        app_token: str | None = None,
        language: str | None = None,
        culture: str | None = None,
        time_zone: str | None = "UTC",
        include_tz_offset: bool = True,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        max_retry_wait: float = 30.0,
        stream_read_timeout: float = 60.0,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        opts = b.Options(
            auth, app_token, language, culture, time_zone, include_tz_offset, dict(headers or {})
        )
        self._setup(
            base_url,
            opts,
            timeout=timeout,
            retries=retries,
            max_retry_wait=max_retry_wait,
            http=http,
            transport=transport,
            stream_read_timeout=stream_read_timeout,
        )
        self.chat_agent = ChatAgent(self)
        self.webhook_agent = WebhookAgent(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_options(
        self,
        *,
        auth: Auth | None = None,
        app_token: str | None = None,
        language: str | None = None,
        culture: str | None = None,
        time_zone: str | None = None,
        include_tz_offset: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Client:
        """A client for the same server and connection pool with some headers changed,
        e.g. ``client.with_options(language="sv").get_session(7)``."""
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "auth": auth,
                "app_token": app_token,
                "language": language,
                "culture": culture,
                "time_zone": time_zone,
                "include_tz_offset": include_tz_offset,
            }.items()
            if v is not None
        }
        if headers is not None:
            changes["headers"] = {**self._opts.headers, **headers}
        other = copy.copy(self)
        other._opts = dataclasses.replace(self._opts, **changes)
        other._owns_http = False
        other.chat_agent = ChatAgent(other)
        other.webhook_agent = WebhookAgent(other)
        return other

    # -- ChatSession (REST) ------------------------------------------------------

    def list_sessions(
        self,
        *,
        filter: str | None = None,
        select: str | list[str] | None = None,
        order_by: str | None = None,
        top: int | None = None,
        skip: int | None = None,
        topic_id: int | None = None,
        **odata: Any,
    ) -> ODataPage:
        """One page of ``GET /ChatSession`` (or ``/ChatTopic/{topic_id}/Sessions``): the
        ChatSession archive provider with SuperOffice's ``$filter`` dialect."""
        path = f"ChatTopic/{b.seg(topic_id)}/Sessions" if topic_id is not None else "ChatSession"
        params = b.odata_params(
            filter=filter, select=select, order_by=order_by, top=top, skip=skip, extra=odata
        )
        r = self._request("GET", path, params=params, idempotent=True)
        raw = loads(r.content)
        if not isinstance(raw, dict):
            raise SoChatError("an OData list answers an object")
        count = raw.get("odata.count")
        return ODataPage(
            value=list(raw.get("value") or []),
            next_link=raw.get("odata.nextLink"),
            count=int(count) if count is not None else None,
        )

    def iter_sessions(
        self,
        *,
        filter: str | None = None,
        select: str | list[str] | None = None,
        order_by: str | None = None,
        page_size: int = 100,
        topic_id: int | None = None,
        **odata: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every row of the list, fetched ``page_size`` at a time."""
        skip = 0
        while True:
            page = self.list_sessions(
                filter=filter,
                select=select,
                order_by=order_by,
                top=page_size,
                skip=skip,
                topic_id=topic_id,
                **odata,
            )
            for row in page.value:
                yield row
            if not page.next_link or not page.value:
                return
            skip += len(page.value)

    def create_session(self, entity: ChatSessionEntity) -> ChatSessionEntity:
        r = self._request("POST", "ChatSession", json=entity)
        return self._decode(r, ChatSessionEntity)

    def default_session(self) -> ChatSessionEntity:
        return self._get("ChatSession/default", ChatSessionEntity)

    def sessions_for_current_user(self) -> list[ChatSessionEntity]:
        return self._get("ChatSession/ForCurrentUser", list[ChatSessionEntity])

    def pick_up_first(self) -> ChatSessionEntity | None:
        """Take the first queued session of your topics; ``None`` when the queue is empty."""
        return self._decode_or_none(self._request("POST", "ChatSession/Pickup"), ChatSessionEntity)

    def get_session(
        self, session_id: int, *, select: str | None = None, if_modified_since: datetime | None = None
    ) -> ChatSessionEntity | None:
        """``None`` only for 304 (not modified since ``if_modified_since``); a missing
        session raises NotFound."""
        r = self._request(
            "GET",
            f"ChatSession/{b.seg(session_id)}",
            params={"$select": select} if select else None,
            headers=b.conditional(if_modified_since=if_modified_since),
            idempotent=True,
        )
        return self._decode_or_none(r, ChatSessionEntity)

    def put_session(
        self, entity: ChatSessionEntity, *, if_unmodified_since: datetime | None = None
    ) -> ChatSessionEntity:
        r = self._request(
            "PUT",
            f"ChatSession/{b.seg(entity.ChatSessionId)}",
            json=entity,
            headers=b.conditional(if_unmodified_since),
            idempotent=True,
        )
        return self._decode(r, ChatSessionEntity)

    def patch_session(
        self,
        session_id: int,
        changes: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        *,
        if_unmodified_since: datetime | None = None,
        if_match: str | None = None,
    ) -> ChatSessionEntity:
        """JSON Patch (``[op("replace", "/CustomerName", "Ann")]``) or Merge Patch
        (``{"CustomerName": "Ann"}``). A failed ``test`` raises Conflict, a failed
        precondition PreconditionFailed."""
        r = self._request(
            "PATCH",
            f"ChatSession/{b.seg(session_id)}",
            json=b.patch_body(changes),
            headers=b.conditional(if_unmodified_since, if_match=if_match),
        )
        return self._decode(r, ChatSessionEntity)

    def delete_session(self, session_id: int, *, if_unmodified_since: datetime | None = None) -> None:
        self._request(
            "DELETE",
            f"ChatSession/{b.seg(session_id)}",
            headers=b.conditional(if_unmodified_since),
            idempotent=True,
        )

    def transfer_session(self, session_id: int, to_associate: str | int) -> ChatSessionEntity:
        r = self._request("POST", f"ChatSession/{b.seg(session_id)}/TransferTo/{b.seg(to_associate)}")
        return self._decode(r, ChatSessionEntity)

    def accept_transfer(self, session_id: int) -> ChatSessionEntity:
        r = self._request("POST", f"ChatSession/{b.seg(session_id)}/AcceptTransfer")
        return self._decode(r, ChatSessionEntity)

    def reject_transfer(self, session_id: int) -> ChatSessionEntity:
        r = self._request("POST", f"ChatSession/{b.seg(session_id)}/RejectTransfer")
        return self._decode(r, ChatSessionEntity)

    def pick_up(self, session_id: int) -> ChatSessionEntity | None:
        """``None`` when the session is no longer in the queue (someone was faster)."""
        r = self._request("POST", f"ChatSession/{b.seg(session_id)}/Pickup")
        return self._decode_or_none(r, ChatSessionEntity)

    def reset_session(self, session_id: int) -> ChatSessionEntity:
        r = self._request("POST", f"ChatSession/{b.seg(session_id)}/Reset")
        return self._decode(r, ChatSessionEntity)

    def transcript(self, session_id: int, *, html: bool = False) -> str:
        r = self._request(
            "POST",
            f"ChatSession/{b.seg(session_id)}/Transcript",
            params={"html": "true" if html else "false"},
            idempotent=True,
        )
        return self._decode(r, str)

    def messages(self, session_id: int, *, after: int = 0) -> list[ChatMessage]:
        return self._get(
            f"ChatSession/{b.seg(session_id)}/Messages", list[ChatMessage], {"after": after}
        )

    def post_message(
        self,
        session_id: int,
        message: ChatMessage | str,
        *,
        idempotency_key: str | None = None,
    ) -> ChatMessage:
        """Post a message (a plain string goes to the customer). The client sends an
        ``Idempotency-Key`` (its own unless given), so the post is retried safely."""
        msg = (
            ChatMessage(Type=ChatMessageType.ToCustomer, Message=message)
            if isinstance(message, str)
            else message
        )
        r = self._request(
            "POST",
            f"ChatSession/{b.seg(session_id)}/Messages",
            json=msg,
            headers={"Idempotency-Key": idempotency_key or b.new_idempotency_key()},
            idempotent=True,
        )
        return self._decode(r, ChatMessage)

    def set_typing(self, session_id: int, is_typing: bool = True) -> None:
        """The agent's typing flag (``POST /ChatSession/{id}/Typing``; sochat)."""
        self._request(
            "POST", f"ChatSession/{b.seg(session_id)}/Typing", json={"IsTyping": is_typing}, idempotent=True
        )

    def upload_file(
        self, session_id: int, name: str, content: bytes, content_type: str = "application/octet-stream"
    ) -> ChatMessage:
        """Send a file into a chat (sochat): the answer is its ``Url`` message."""
        r = self._request(
            "POST",
            f"ChatSession/{b.seg(session_id)}/Files",
            content=content,
            headers={"Content-Type": content_type, "X-File-Name": b.seg(name)},
        )
        return self._decode(r, ChatMessage)

    def download_file(self, path_or_session: str | int, file_id: int | None = None) -> bytes:
        """A chat file by its message's ``SpecialParam`` path, or by session and file id."""
        if isinstance(path_or_session, str):
            path = path_or_session.split("/api/v1/", 1)[-1]
        else:
            path = f"ChatSession/{b.seg(path_or_session)}/Files/{b.seg(file_id)}"
        return (self._request("GET", path, idempotent=True)).content

    # -- ChatTopic (REST) --------------------------------------------------------

    def default_topic(self) -> ChatTopicEntity:
        return self._get("ChatTopic/default", ChatTopicEntity)

    def topics_for_current_user(self) -> list[ChatTopicEntity]:
        return self._get("ChatTopic/ForCurrentUser", list[ChatTopicEntity])

    def user_agents(self, *, flat: bool = True, only_present: bool = False) -> list[MDOListItem]:
        """Users that can be made topic members."""
        params = {"flat": str(flat).lower(), "onlyPresent": str(only_present).lower()}
        return self._get("ChatTopic/UserAgents", list[MDOListItem], params)

    def create_topic(self, entity: ChatTopicEntity) -> ChatTopicEntity:
        return self._decode(self._request("POST", "ChatTopic", json=entity), ChatTopicEntity)

    def get_topic(
        self, topic_id: int, *, select: str | None = None, if_modified_since: datetime | None = None
    ) -> ChatTopicEntity | None:
        """``None`` only for 304; a missing topic raises NotFound."""
        r = self._request(
            "GET",
            f"ChatTopic/{b.seg(topic_id)}",
            params={"$select": select} if select else None,
            headers=b.conditional(if_modified_since=if_modified_since),
            idempotent=True,
        )
        return self._decode_or_none(r, ChatTopicEntity)

    def put_topic(
        self, entity: ChatTopicEntity, *, if_unmodified_since: datetime | None = None
    ) -> ChatTopicEntity:
        r = self._request(
            "PUT",
            f"ChatTopic/{b.seg(entity.ChatTopicId)}",
            json=entity,
            headers=b.conditional(if_unmodified_since),
            idempotent=True,
        )
        return self._decode(r, ChatTopicEntity)

    def patch_topic(
        self,
        topic_id: int,
        changes: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        *,
        if_unmodified_since: datetime | None = None,
        if_match: str | None = None,
    ) -> ChatTopicEntity:
        r = self._request(
            "PATCH",
            f"ChatTopic/{b.seg(topic_id)}",
            json=b.patch_body(changes),
            headers=b.conditional(if_unmodified_since, if_match=if_match),
        )
        return self._decode(r, ChatTopicEntity)

    def delete_topic(self, topic_id: int, *, if_unmodified_since: datetime | None = None) -> None:
        self._request(
            "DELETE",
            f"ChatTopic/{b.seg(topic_id)}",
            headers=b.conditional(if_unmodified_since),
            idempotent=True,
        )

    def visitor_origins(self, topic_id: int) -> VisitorOrigins:
        """Web origins allowed to use the visitor API for a topic (sochat)."""
        return self._get(f"ChatTopic/{b.seg(topic_id)}/VisitorOrigins", VisitorOrigins)

    def set_visitor_origins(self, topic_id: int, origins: Sequence[str]) -> VisitorOrigins:
        """Set them; an empty list allows any origin (sochat)."""
        body = VisitorOrigins(TopicId=topic_id, Origins=list(origins))
        r = self._request(
            "PUT", f"ChatTopic/{b.seg(topic_id)}/VisitorOrigins", json=body, idempotent=True
        )
        return self._decode(r, VisitorOrigins)

    def create_session_on_topic(self, topic_id: int) -> ChatSessionEntity:
        r = self._request("POST", f"ChatTopic/{b.seg(topic_id)}/Sessions")
        return self._decode(r, ChatSessionEntity)

    def topic_is_open(self, topic_id: int) -> bool:
        return self._get(f"ChatTopic/{b.seg(topic_id)}/IsOpen", bool)

    def topic_members(self, topic_id: int) -> list[ChatTopicAgent]:
        return self._get(f"ChatTopic/{b.seg(topic_id)}/UserAgent", list[ChatTopicAgent])

    def replace_topic_members(
        self, topic_id: int, agents: Sequence[ChatTopicAgent]
    ) -> list[ChatTopicAgent]:
        r = self._request(
            "PUT", f"ChatTopic/{b.seg(topic_id)}/UserAgent", json=list(agents), idempotent=True
        )
        return self._decode(r, list[ChatTopicAgent])

    def add_topic_member(self, topic_id: int, agent: ChatTopicAgent) -> ChatTopicAgent:
        r = self._request("POST", f"ChatTopic/{b.seg(topic_id)}/UserAgent", json=agent)
        return self._decode(r, ChatTopicAgent)

    def get_topic_member(self, topic_id: int, username: str | int) -> ChatTopicAgent:
        return self._get(f"ChatTopic/{b.seg(topic_id)}/UserAgent/{b.seg(username)}", ChatTopicAgent)

    def update_topic_member(
        self, topic_id: int, username: str | int, agent: ChatTopicAgent
    ) -> ChatTopicAgent:
        r = self._request(
            "PUT", f"ChatTopic/{b.seg(topic_id)}/UserAgent/{b.seg(username)}", json=agent, idempotent=True
        )
        return self._decode(r, ChatTopicAgent)

    def delete_topic_member(self, topic_id: int, username: str | int) -> None:
        self._request(
            "DELETE", f"ChatTopic/{b.seg(topic_id)}/UserAgent/{b.seg(username)}", idempotent=True
        )

    # -- Presence ------------------------------------------------------------------

    def presence(self) -> list[ChatPresence]:
        """Presence of every chat user (``GetChatPresence``)."""
        return self.chat_agent.get_chat_presence()

    def set_present(self, present: bool = True, *, user_id: int | None = None) -> None:
        """Go present (or away) in chat; ``user_id`` for someone else (administrators)."""
        if user_id is None:
            user_id = self.my_user_id()
        self.chat_agent.save_chat_presence([ChatPresence(UserId=user_id, Present=present)])

    def my_user_id(self) -> int:
        """The caller's associate id: the presence row only they may update, or (Basic
        credentials) the user list entry with their user name."""
        auth = self._opts.auth
        if isinstance(auth, Basic):
            for item in self.user_agents(flat=True):
                if item.ToolTip.lower() == auth.user.lower():
                    return item.Id
        mine = [
            p.UserId
            for p in self.presence()
            if p.TableRight is not None and p.TableRight.Mask & TableRightMask.Update
        ]
        if len(mine) == 1:
            return mine[0]
        raise SoChatError("cannot tell which user this is; pass user_id")

    # -- Webhook (REST) ------------------------------------------------------------

    def list_webhooks(
        self,
        *,
        name_filter: str | None = None,
        event_filter: str | None = None,
        status_filter: WebhookState | str | None = None,
    ) -> list[Webhook]:
        params = {
            k: str(v)
            for k, v in {
                "nameFilter": name_filter,
                "eventFilter": event_filter,
                "statusFilter": status_filter,
            }.items()
            if v is not None
        }
        return self._get("Webhook", list[Webhook], params)

    def default_webhook(self) -> Webhook:
        return self._get("Webhook/default", Webhook)

    def create_webhook(self, webhook: Webhook) -> Webhook:
        return self._decode(self._request("POST", "Webhook", json=webhook), Webhook)

    def get_webhook(self, webhook_id: int) -> Webhook:
        return self._get(f"Webhook/{b.seg(webhook_id)}", Webhook)

    def put_webhook(self, webhook: Webhook, *, if_unmodified_since: datetime | None = None) -> Webhook:
        r = self._request(
            "PUT",
            f"Webhook/{b.seg(webhook.WebhookId)}",
            json=webhook,
            headers=b.conditional(if_unmodified_since),
            idempotent=True,
        )
        return self._decode(r, Webhook)

    def patch_webhook(
        self,
        webhook_id: int,
        changes: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        *,
        if_unmodified_since: datetime | None = None,
    ) -> Webhook:
        r = self._request(
            "PATCH",
            f"Webhook/{b.seg(webhook_id)}",
            json=b.patch_body(changes),
            headers=b.conditional(if_unmodified_since),
        )
        return self._decode(r, Webhook)

    def delete_webhook(self, webhook_id: int) -> None:
        self._request("DELETE", f"Webhook/{b.seg(webhook_id)}", idempotent=True)

    def test_webhook(self, webhook: Webhook) -> WebhookResult:
        """Send a test event to ``webhook``'s target now."""
        return self._decode(self._request("POST", "Webhook/Test", json=webhook), WebhookResult)

    def webhook_last_error(self, webhook_id: int) -> str:
        return self._get(f"Webhook/{b.seg(webhook_id)}/LastError", str)

    def signal_event(
        self, event_name: str, primary_key: int, data: Mapping[str, Any] | None = None
    ) -> None:
        """Queue a custom event for every webhook that receives it."""
        self._request(
            "POST", f"Webhook/{b.seg(event_name)}/{b.seg(primary_key)}", json=dict(data or {})
        )

    # -- Events --------------------------------------------------------------------

    def events(
        self,
        *,
        topic_id: int | None = None,
        session_id: int | None = None,
        since: int | None = None,
        reconnect: bool = True,
        ready: bool = False,
    ) -> Iterator[ChatEvent]:
        """The live events of your topics (or one topic or session), from now on or after
        cursor ``since``: ``for event in client.events(topic_id=1): ...``. A broken
        connection is resumed from the last event seen, so none is missed or repeated.
        ``ready=True`` also yields an ``Event == "ready"`` item whenever the stream is
        (re)connected: the moment to look at state that events will keep up to date from
        then on. Uses a one-time stream token when the server offers them."""
        params: dict[str, str] = {}
        if topic_id is not None:
            params["topicId"] = str(topic_id)
        if session_id is not None:
            params["chatSessionId"] = str(session_id)
        for event in self._stream(
            "ChatEvents", params, {}, since, reconnect, "ChatEvents/StreamToken", ready
        ):
            yield event


class ChatAgent:
    """The 31 methods of ``/api/v1/Agents/Chat`` (the official client's ``ChatAgent``).

    Agent conventions: "nothing" is ``None`` (not an error); failures raise as REST does."""

    def __init__(self, client: Client) -> None:
        self._c = client

    def _call(
        self,
        method: str,
        body: Any = _NO_BODY,
        params: Mapping[str, Any] | None = None,
        *,
        read: bool = False,
    ) -> httpx.Response:
        return self._c._request(
            "POST", f"Agents/Chat/{method}", json=body, params=params, idempotent=read
        )

    def _one(self, tp: type[T], method: str, body: Any = _NO_BODY, *, read: bool = False) -> T | None:
        return self._c._decode_or_none(self._call(method, body, read=read), tp)

    def _many(self, tp: type[T], method: str, body: Any = _NO_BODY, *, read: bool = False) -> list[T]:
        return self._c._decode_or_none(self._call(method, body, read=read), list[tp]) or []  # type: ignore[valid-type]

    def _must(self, tp: type[T], method: str, body: Any = _NO_BODY, *, read: bool = False) -> T:
        value = self._one(tp, method, body, read=read)
        if value is None:
            raise NotFound(404, f"{method} answered null", error_type="null")
        return value

    def create_default_chat_session_entity(self) -> ChatSessionEntity:
        return self._must(ChatSessionEntity, "CreateDefaultChatSessionEntity", None, read=True)

    def save_chat_session_entity(self, entity: ChatSessionEntity) -> ChatSessionEntity:
        return self._must(ChatSessionEntity, "SaveChatSessionEntity", entity)

    def delete_chat_session_entity(self, session_id: int) -> None:
        self._c._request(
            "POST",
            "Agents/Chat/DeleteChatSessionEntity",
            params={"ChatSessionEntityId": session_id},
            json=None,
            idempotent=True,
        )

    def get_chat_session_entity(self, session_id: int) -> ChatSessionEntity | None:
        r = self._call("GetChatSessionEntity", None, {"chatSessionEntityId": session_id}, read=True)
        return self._c._decode_or_none(r, ChatSessionEntity)

    def chat_sessions_for_user(self) -> list[ChatSessionEntity]:
        return self._many(ChatSessionEntity, "ChatSessionsForUser", read=True)

    def transfer_chat_session(self, session_id: int, to_associate: str) -> ChatSessionEntity | None:
        body = {"chatSessionId": session_id, "toAssociate": to_associate}
        return self._one(ChatSessionEntity, "TransferChatSession", body)

    def accept_chat_session_transfer(self, session_id: int) -> ChatSessionEntity | None:
        return self._one(ChatSessionEntity, "AcceptChatSessionTransfer", {"chatSessionId": session_id})

    def reject_chat_session_transfer(self, session_id: int) -> ChatSessionEntity | None:
        return self._one(ChatSessionEntity, "RejectChatSessionTransfer", {"chatSessionId": session_id})

    def pick_up_chat_session(self, session_id: int) -> ChatSessionEntity | None:
        return self._one(ChatSessionEntity, "PickUpChatSession", {"chatSessionId": session_id})

    def pick_up_first_chat_session(self) -> ChatSessionEntity | None:
        return self._one(ChatSessionEntity, "PickUpFirstChatSession")

    def reset_chat_session(self, session_id: int) -> ChatSessionEntity | None:
        return self._one(ChatSessionEntity, "ResetChatSession", {"chatSessionId": session_id})

    def get_chat_transcript(self, session_id: int, html: bool = False) -> str | None:
        body = {"chatSessionId": session_id, "html": html}
        return self._one(str, "GetChatTranscript", body, read=True)

    def get_chat_messages(self, session_id: int, after: int = 0) -> list[ChatMessage]:
        body = {"chatSessionId": session_id, "after": after}
        return self._many(ChatMessage, "GetChatMessages", body, read=True)

    def add_chat_message(
        self, session_id: int, message: ChatMessage | str, *, idempotency_key: str | None = None
    ) -> ChatMessage | None:
        """Safe to retry: the client sends an ``Idempotency-Key``."""
        msg = (
            ChatMessage(Type=ChatMessageType.ToCustomer, Message=message)
            if isinstance(message, str)
            else message
        )
        r = self._c._request(
            "POST",
            "Agents/Chat/AddChatMessage",
            json={"chatSessionId": session_id, "message": to_wire(msg)},
            headers={"Idempotency-Key": idempotency_key or b.new_idempotency_key()},
            idempotent=True,
        )
        return self._c._decode_or_none(r, ChatMessage)

    def create_default_chat_topic_agent(self) -> ChatTopicAgent:
        return self._must(ChatTopicAgent, "CreateDefaultChatTopicAgent", read=True)

    def create_default_chat_topic_entity(self) -> ChatTopicEntity:
        return self._must(ChatTopicEntity, "CreateDefaultChatTopicEntity", read=True)

    def save_chat_topic_entity(self, entity: ChatTopicEntity) -> ChatTopicEntity:
        return self._must(ChatTopicEntity, "SaveChatTopicEntity", entity)

    def delete_chat_topic_entity(self, topic_id: int) -> None:
        self._c._request(
            "POST",
            "Agents/Chat/DeleteChatTopicEntity",
            params={"ChatTopicEntityId": topic_id},
            json=None,
            idempotent=True,
        )

    def get_chat_topic_entity(self, topic_id: int) -> ChatTopicEntity | None:
        r = self._call("GetChatTopicEntity", None, {"chatTopicEntityId": topic_id}, read=True)
        return self._c._decode_or_none(r, ChatTopicEntity)

    def is_within_opening_hours(self, topic_id: int) -> bool:
        return bool(self._one(bool, "IsWithinOpeningHours", {"chatTopicId": topic_id}, read=True))

    def chat_topics_for_user(self) -> list[ChatTopicEntity]:
        return self._many(ChatTopicEntity, "ChatTopicsForUser", read=True)

    def get_user_agent_list(self, flat: bool = True, only_present: bool = False) -> list[MDOListItem]:
        body = {"flat": flat, "onlyPresent": only_present}
        return self._many(MDOListItem, "GetUserAgentList", body, read=True)

    def get_chat_topic_user_agent_list(self, topic_id: int) -> list[ChatTopicAgent]:
        return self._many(
            ChatTopicAgent, "GetChatTopicUserAgentList", {"chatTopicId": topic_id}, read=True
        )

    def get_chat_topic_user_agent(self, topic_id: int, username: str) -> ChatTopicAgent | None:
        body = {"chatTopicId": topic_id, "username": username}
        return self._one(ChatTopicAgent, "GetChatTopicUserAgent", body, read=True)

    def add_chat_topic_user_agent(self, topic_id: int, agent: ChatTopicAgent) -> ChatTopicAgent | None:
        body = {"chatTopicId": topic_id, "useragent": to_wire(agent)}
        return self._one(ChatTopicAgent, "AddChatTopicUserAgent", body)

    def update_chat_topic_user_agent(
        self, topic_id: int, username: str, agent: ChatTopicAgent
    ) -> ChatTopicAgent | None:
        body = {"chatTopicId": topic_id, "username": username, "useragent": to_wire(agent)}
        return self._one(ChatTopicAgent, "UpdateChatTopicUserAgent", body, read=True)

    def update_chat_topic_user_agents(
        self, topic_id: int, agents: Sequence[ChatTopicAgent]
    ) -> list[ChatTopicAgent]:
        body = {"chatTopicId": topic_id, "useragents": to_wire(list(agents))}
        return self._many(ChatTopicAgent, "UpdateChatTopicUserAgents", body, read=True)

    def delete_chat_topic_user_agent(self, topic_id: int, username: str) -> None:
        self._call(
            "DeleteChatTopicUserAgent", {"chatTopicId": topic_id, "username": username}, read=True
        )

    def create_chat_session_for_topic(self, topic_id: int) -> ChatSessionEntity | None:
        return self._one(ChatSessionEntity, "CreateChatSessionForTopic", {"chatTopicId": topic_id})

    def get_chat_presence(self) -> list[ChatPresence]:
        return self._many(ChatPresence, "GetChatPresence", read=True)

    def save_chat_presence(self, presence: Sequence[ChatPresence]) -> None:
        self._call("SaveChatPresence", {"chatPresence": to_wire(list(presence))}, read=True)


class WebhookAgent:
    """The methods of ``/api/v1/Agents/Webhook`` (the official client's ``WebhookAgent``)."""

    def __init__(self, client: Client) -> None:
        self._c = client

    def _call(
        self,
        method: str,
        body: Any = _NO_BODY,
        params: Mapping[str, Any] | None = None,
        *,
        read: bool = False,
    ) -> httpx.Response:
        return self._c._request(
            "POST", f"Agents/Webhook/{method}", json=body, params=params, idempotent=read
        )

    def create_default_webhook(self) -> Webhook:
        return self._c._decode(self._call("CreateDefaultWebhook", read=True), Webhook)

    def save_webhook(self, webhook: Webhook) -> Webhook | None:
        return self._c._decode_or_none(self._call("SaveWebhook", webhook), Webhook)

    def get_webhook(self, webhook_id: int) -> Webhook | None:
        r = self._call("GetWebhook", None, {"webhookId": webhook_id}, read=True)
        return self._c._decode_or_none(r, Webhook)

    def delete_webhook(self, webhook_id: int) -> None:
        self._call("DeleteWebhook", None, {"WebhookId": webhook_id}, read=True)

    def get_all_webhooks(
        self,
        name_filter: str = "",
        event_filter: str = "",
        status_filter: WebhookState = WebhookState.Unknown,
    ) -> list[Webhook]:
        body = {"nameFilter": name_filter, "eventFilter": event_filter, "statusFilter": str(status_filter)}
        return (
            self._c._decode_or_none(self._call("GetAllWebhooks", body, read=True), list[Webhook]) or []
        )

    def test_webhook(self, webhook: Webhook) -> WebhookResult:
        r = self._call("TestWebhook", {"webhook": to_wire(webhook)})
        return self._c._decode(r, WebhookResult)

    def signal_event(
        self, event_name: str, primary_key: int, data: Mapping[str, Any] | None = None
    ) -> None:
        body = {"eventName": event_name, "primaryKey": primary_key, "data": dict(data or {})}
        self._call("SignalEvent", body)

    def get_last_error(self, webhook_id: int) -> str:
        r = self._call("GetLastError", {"webhookId": webhook_id}, read=True)
        return self._c._decode_or_none(r, str) or ""


class VisitorClient(_SyncCore):
    """The public visitor API (``/api/v1/Visitor``): what a chat widget does, for bots,
    tests and custom front ends. Anonymous; a session is proved with its key, which
    ``start`` receives and keeps (``SO-SessionKey``)."""

    def __init__(
        self,
        base_url: str,
        *,
        session_id: int | None = None,
        session_key: str | None = None,
        language: str | None = None,
        time_zone: str | None = "UTC",
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        max_retry_wait: float = 30.0,
        stream_read_timeout: float = 60.0,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        opts = b.Options(None, None, language, None, time_zone, True, dict(headers or {}))
        self._setup(
            base_url,
            opts,
            timeout=timeout,
            retries=retries,
            max_retry_wait=max_retry_wait,
            http=http,
            transport=transport,
            stream_read_timeout=stream_read_timeout,
        )
        self.session_id = session_id
        self.session_key = session_key

    def __enter__(self) -> VisitorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self) -> dict[str, str]:
        h = self._opts.build_headers()
        if self.session_key:
            h["SO-SessionKey"] = self.session_key
        return h

    def _session(self) -> str:
        if self.session_id is None:
            raise SoChatError("no chat session yet: call start() first")
        return f"Visitor/Sessions/{b.seg(self.session_id)}"

    def get_topic(self, topic_id: int) -> VisitorTopic:
        return self._get(f"Visitor/Topics/{b.seg(topic_id)}", VisitorTopic)

    def start(self, topic_id: int, question: str = "", **fields: Any) -> VisitorSession:
        """Open a chat (``CustomerName=``, ``CustomerEmail=``, ``Consent=`` ... as
        keywords); keeps the session id and key for the calls that follow."""
        start = VisitorStart(TopicId=topic_id, Question=question, **fields)
        session = self._decode(self._request("POST", "Visitor/Sessions", json=start), VisitorSession)
        self.session_id = session.SessionId
        self.session_key = session.SessionKey or self.session_key
        return session

    def session(self) -> VisitorSession:
        return self._get(self._session(), VisitorSession)

    def messages(self, *, after: int = 0) -> list[ChatMessage]:
        return self._get(f"{self._session()}/Messages", list[ChatMessage], {"after": after})

    def send(self, text: str, *, idempotency_key: str | None = None) -> ChatMessage:
        """Safe to retry: the client sends an ``Idempotency-Key``."""
        r = self._request(
            "POST",
            f"{self._session()}/Messages",
            json={"Message": text},
            headers={"Idempotency-Key": idempotency_key or b.new_idempotency_key()},
            idempotent=True,
        )
        return self._decode(r, ChatMessage)

    def typing(self, is_typing: bool = True) -> None:
        self._request(
            "POST", f"{self._session()}/Typing", json={"IsTyping": is_typing}, idempotent=True
        )

    def end(self) -> VisitorSession:
        r = self._request("POST", f"{self._session()}/End", idempotent=True)
        return self._decode(r, VisitorSession)

    def rate(self, rating: int) -> VisitorSession:
        r = self._request("POST", f"{self._session()}/Rating", json={"Rating": rating}, idempotent=True)
        return self._decode(r, VisitorSession)

    def email_transcript(self, email: str) -> None:
        self._request("POST", f"{self._session()}/Transcript", json={"Email": email})

    def upload_file(
        self, name: str, content: bytes, content_type: str = "application/octet-stream"
    ) -> ChatMessage:
        r = self._request(
            "POST",
            f"{self._session()}/Files",
            content=content,
            headers={"Content-Type": content_type, "X-File-Name": b.seg(name)},
        )
        return self._decode(r, ChatMessage)

    def download_file(self, file_id: int) -> bytes:
        return (
            self._request("GET", f"{self._session()}/Files/{b.seg(file_id)}", idempotent=True)
        ).content

    def stream_token(self) -> StreamToken:
        return self._decode(self._request("POST", f"{self._session()}/StreamToken"), StreamToken)

    def offline_request(self, topic_id: int, message: str, **fields: Any) -> VisitorOfflineRequest:
        """Leave a message when nobody can chat (``CustomerName=``, ``CustomerEmail=`` ...);
        a visitor with a session turns that session into the request."""
        if self.session_id is not None and "SessionId" not in fields:
            fields["SessionId"] = self.session_id
        body = VisitorOfflineStart(TopicId=topic_id, Message=message, **fields)
        r = self._request("POST", "Visitor/OfflineRequests", json=body)
        return self._decode(r, VisitorOfflineRequest)

    def events(
        self, *, since: int | None = None, reconnect: bool = True, ready: bool = False
    ) -> Iterator[ChatEvent]:
        """This session's live events, resumed like ``Client.events``. Uses a
        one-time stream token when the server offers them, else the session key."""
        self._session()
        params = {} if self._token_flow else {"sessionKey": self.session_key or ""}
        for event in self._stream(
            "ChatEvents/Visitor", params, {}, since, reconnect, f"{self._session()}/StreamToken", ready
        ):
            yield event
