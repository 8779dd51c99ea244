"""REST ``/api/v1/Webhook`` and RPC ``/api/v1/Agents/Webhook/{Method}`` (webhooks.md).

Both doors call the same ``WebhookService`` use cases. A ``Webhook`` body is bound here
rather than by ``binding.bind`` alone, because two of its lists hold strings (``Events``,
``ErrorEmails``) and ``Properties`` holds any JSON value; the scalar properties still go
through ``bind``. PATCH applies JSON Patch / Merge Patch to the presented webhook like
the other resources; members of ``Headers`` and ``Properties`` are merged member by member
by a merge patch (JSON Patch replaces those two dictionaries as a whole).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import msgspec
from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.binding import FLAGS, PLAIN_ENUMS, Bound, bind
from sochat.api.context import RequestContext
from sochat.api.fieldprops import field_properties, table_right
from sochat.api.http import NO_CONTENT, Services, read_body
from sochat.api.patch import apply_patch, json_equal
from sochat.api.presenters import Presenter
from sochat.api.routes.args import (
    as_object,
    member,
    member_int,
    member_str,
    path_int,
    path_str,
    query,
    query_int,
)
from sochat.api.routes.shaping import check_modified, check_unmodified, select
from sochat.api.routes.spec import Endpoint, Param
from sochat.domain.enums import enum_name, parse_enum
from sochat.domain.rights import RowRight, TableRightBit
from sochat.domain.webhooks import (
    WEBHOOK_NOTIFY_VIA,
    WEBHOOK_NOTIFY_WHEN,
    Webhook,
    WebhookState,
    default_webhook,
)
from sochat.errors import InvalidInput, MissingParameter, NotFound
from sochat.services.webhooks import TestResult, WebhookService, WebhookView

# The binder and OpenAPI look enum and flags names up in these tables.
PLAIN_ENUMS.setdefault("WebhookState", WebhookState)
FLAGS.setdefault(WEBHOOK_NOTIFY_VIA.name, WEBHOOK_NOTIFY_VIA)
FLAGS.setdefault(WEBHOOK_NOTIFY_WHEN.name, WEBHOOK_NOTIFY_WHEN)

REST = "/api/v1/Webhook"
AGENT = "/api/v1/Agents/Webhook/"
INT32_MAX = 2**31 - 1
RESULT_RIGHT = RowRight(int(TableRightBit.Select))

# Properties bound here (lower-cased wire name -> wire name), not by binding.bind.
_STRING_LISTS = {"events": "Events", "erroremails": "ErrorEmails"}
_FREE_DICTS = {"headers": "Headers", "properties": "Properties"}


# ---------------------------------------------------------------------------
# Binding and mapping


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict) and len(value) == 1:
        # XML arrays decode as {"string": [...]} or {"string": "x"} for one item.
        (value,) = value.values()
        if not isinstance(value, list):
            value = [value]
    if not isinstance(value, list):
        raise InvalidInput("SR_INVALID_VALUE", field=where, detail="expected an array of strings")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidInput("SR_INVALID_VALUE", field=f"{where}[{i}]", detail="expected a string")
        out.append(item)
    return out


def _properties(value: object) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("SR_INVALID_VALUE", field="Properties", detail="expected an object")
    return {str(k): v for k, v in value.items()}


def bind_webhook(raw: object) -> Bound[c.Webhook]:
    """A ``Webhook`` body (names in any case) and the properties the client sent."""
    if not isinstance(raw, dict):
        raise InvalidInput("SR_INVALID_VALUE", field="Webhook", detail="expected an object")
    rest: dict[str, Any] = {}
    special: dict[str, Any] = {}
    for key, value in raw.items():
        lower = str(key).lower()
        if lower in _STRING_LISTS:
            special[_STRING_LISTS[lower]] = _strings(value, _STRING_LISTS[lower])
        elif lower == "properties":
            special["Properties"] = _properties(value)
        else:
            rest[key] = value
    bound = bind(c.Webhook, rest)
    value = msgspec.structs.replace(bound.value, **special) if special else bound.value
    return Bound(value, bound.provided | frozenset(special))


def webhook_from(bound: Bound[c.Webhook], base: Webhook, *, webhook_id: int) -> Webhook:
    """``base`` (the stored webhook, or the defaults) with the sent properties applied;
    the server-maintained ones (dates, counters, LastError) are never taken from the client."""
    v = bound.value
    sent = bound.provided
    hook = replace(base, webhook_id=webhook_id)
    scalars = {
        "Name": "name",
        "TargetUrl": "target_url",
        "Secret": "secret",
        "Type": "type",
        "ErrorsEmail": "errors_email",
        "Description": "description",
    }
    changes: dict[str, Any] = {attr: getattr(v, wire) for wire, attr in scalars.items() if wire in sent}
    # Secret and header values are write-only (reads show ""), so "" sent back by a
    # read-modify-write keeps what is stored rather than wiping it.
    if changes.get("secret") == "" and base.secret:
        del changes["secret"]
    if "Events" in sent:
        changes["events"] = tuple(v.Events)
    if "Headers" in sent:
        stored = {k.lower(): val for k, val in base.headers.items()}
        changes["headers"] = {
            k: (val if val != "" else stored.get(k.lower(), "")) for k, val in v.Headers.items()
        }
    if "Properties" in sent:
        changes["properties"] = dict(v.Properties)
    if "ErrorEmails" in sent:
        changes["error_emails"] = tuple(v.ErrorEmails)
    if "ErrorAssociates" in sent:
        changes["error_associate_ids"] = tuple(dict.fromkeys(a.Id for a in v.ErrorAssociates if a.Id > 0))
    if "State" in sent:
        changes["state"] = parse_enum(WebhookState, v.State)
    if "NotifyVia" in sent:
        changes["notify_via"] = WEBHOOK_NOTIFY_VIA.parse(v.NotifyVia)
    if "NotifyWhen" in sent:
        changes["notify_when"] = WEBHOOK_NOTIFY_WHEN.parse(v.NotifyWhen)
    return replace(hook, **changes)


def present(ctx: RequestContext, view: WebhookView) -> c.Webhook:
    p = Presenter(ctx)
    h = view.hook
    return c.Webhook(
        WebhookId=h.webhook_id,
        Name=h.name,
        Events=list(h.events),
        TargetUrl=h.target_url,
        # Write-only: a secret or an Authorization header value is never read back.
        Secret="",
        State=enum_name(h.state),
        Type=h.type,
        Headers=dict.fromkeys(h.headers, ""),
        Properties=dict(h.properties),
        Registered=p.date(h.registered_at),
        RegisteredAssociate=p.associate(view.registered_by),
        Updated=p.date(h.updated_at),
        UpdatedAssociate=p.associate(view.updated_by),
        ErrorsEmail=h.errors_email,
        ErrorEmails=list(h.error_emails),
        ErrorAssociates=[p.mdo_item(a) for a in view.error_associates],
        Description=h.description,
        NotifyVia=WEBHOOK_NOTIFY_VIA.format(h.notify_via),
        NotifyWhen=WEBHOOK_NOTIFY_WHEN.format(h.notify_when),
        TotalCalls=min(h.total_calls, INT32_MAX),
        TotalErrors=min(h.total_errors, INT32_MAX),
        ConsecutiveErrors=min(h.consecutive_errors, INT32_MAX),
        LastError=h.last_error,
    )


def present_result(ctx: RequestContext, result: TestResult) -> c.WebhookResult:
    return c.WebhookResult(
        Success=result.success,
        Message=result.message,
        TableRight=table_right(RESULT_RIGHT, ctx.tr),
        FieldProperties=field_properties(c.WebhookResult, RESULT_RIGHT, new_row=False, tr=ctx.tr),
    )


def _merge_dict(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396 on one dictionary's members (null removes a member)."""
    out = dict(current)
    for key, value in patch.items():
        found = next((k for k in out if k.lower() == str(key).lower()), str(key))
        if value is None:
            out.pop(found, None)
        else:
            out[found] = value
    return out


def patch_webhook(current: c.Webhook, body: object) -> Bound[c.Webhook]:
    """A JSON Patch / Merge Patch applied to the presented webhook; only the properties the
    patch changed count as sent."""
    if body is None:
        raise MissingParameter("SR_MISSING_PARAMETER", name="changes")
    before: dict[str, Any] = msgspec.to_builtins(current)
    document = before
    if isinstance(body, dict):
        # Merge patch: Headers and Properties take new members (the shared engine only lets
        # ExtraFields/CustomFields do that); everything else goes through apply_patch.
        rest: dict[str, Any] = {}
        document = dict(before)
        for key, value in body.items():
            wire = _FREE_DICTS.get(str(key).lower())
            if wire is not None and isinstance(value, dict):
                document[wire] = _merge_dict(document[wire], value)
            else:
                rest[key] = value
        body = rest
    after = apply_patch(document, body) if body else document
    bound = bind_webhook(after)
    changed = {k for k in after if k not in before or not json_equal(after[k], before[k])}
    return Bound(bound.value, frozenset(n for n in bound.provided if n in changed))


def _state_filter(raw: object) -> WebhookState:
    if raw is None or raw == "":
        return WebhookState.Unknown
    try:
        return parse_enum(WebhookState, raw)
    except ValueError:
        names = ", ".join(enum_name(s) for s in WebhookState)
        raise InvalidInput(
            "SR_INVALID_VALUE", field="statusFilter", detail=f"expected one of {names}"
        ) from None


def _text(raw: object, name: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected a string")
    return raw


def _data(raw: object) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("SR_INVALID_VALUE", field="data", detail="expected a JSON object")
    return raw


# ---------------------------------------------------------------------------
# Endpoints

ID = Param("id", "path", int, description="WebhookId")
SELECT = Param("$select", "query", str, required=False, description="Comma-separated properties to return")
FILTERS = (
    Param("nameFilter", "query", str, required=False, description="Only webhooks whose name contains this"),
    Param("eventFilter", "query", str, required=False, description="Only webhooks that receive this event"),
    Param(
        "statusFilter",
        "query",
        str,
        required=False,
        description="Only webhooks in this WebhookState (Unknown = all)",
    ),
)


def endpoints(services: Services, hooks: WebhookService) -> list[Endpoint]:
    """The Webhook resource and the Webhook agent, for the app's endpoint table."""

    def me(ctx: RequestContext) -> Any:
        return ctx.principal.associate

    def admin_first(handler: Any) -> Any:
        """Rights before input: a caller who may not manage webhooks learns nothing about the
        body they sent."""

        async def run(request: Request, ctx: RequestContext) -> Any:
            hooks.authorize(me(ctx))
            return await handler(request, ctx)

        return run

    def stamp(view: WebhookView) -> Any:
        return view.hook.updated_at or view.hook.registered_at

    async def save_new(ctx: RequestContext, body: object) -> c.Webhook:
        if body is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="webhook")
        hook = webhook_from(bind_webhook(body), default_webhook(), webhook_id=0)
        return present(ctx, await hooks.save(me(ctx), hook))

    # -- REST ------------------------------------------------------------------

    async def list_all(request: Request, ctx: RequestContext) -> list[c.Webhook]:
        views = await hooks.list(
            me(ctx),
            name_filter=query(request, "nameFilter") or "",
            event_filter=query(request, "eventFilter") or "",
            state_filter=_state_filter(query(request, "statusFilter")),
        )
        return [present(ctx, v) for v in views]

    async def create(request: Request, ctx: RequestContext) -> Any:
        return select(request, await save_new(ctx, await read_body(request)))

    async def default(request: Request, ctx: RequestContext) -> c.Webhook:
        return present(ctx, await hooks.default(me(ctx)))

    async def test(request: Request, ctx: RequestContext) -> c.WebhookResult:
        body = await read_body(request)
        if body is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="webhook")
        bound = bind_webhook(body)
        hook = webhook_from(bound, default_webhook(), webhook_id=bound.value.WebhookId)
        return present_result(ctx, await hooks.test(me(ctx), hook))

    async def get(request: Request, ctx: RequestContext) -> Any:
        view = await hooks.get(me(ctx), path_int(request, "id"))
        return check_modified(request, stamp(view)) or select(request, present(ctx, view))

    async def put(request: Request, ctx: RequestContext) -> Any:
        webhook_id = path_int(request, "id")
        body = await read_body(request)
        current = await hooks.get(me(ctx), webhook_id)
        check_unmodified(request, stamp(current))
        if body is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="webhook")
        hook = webhook_from(bind_webhook(body), current.hook, webhook_id=webhook_id)
        return select(request, present(ctx, await hooks.save(me(ctx), hook)))

    async def patch(request: Request, ctx: RequestContext) -> Any:
        webhook_id = path_int(request, "id")
        current = await hooks.get(me(ctx), webhook_id)
        check_unmodified(request, stamp(current))
        bound = patch_webhook(present(ctx, current), await read_body(request))
        hook = webhook_from(bound, current.hook, webhook_id=webhook_id)
        return select(request, present(ctx, await hooks.save(me(ctx), hook)))

    async def delete(request: Request, ctx: RequestContext) -> Any:
        await hooks.delete(me(ctx), path_int(request, "id"))
        return NO_CONTENT

    async def last_error(request: Request, ctx: RequestContext) -> str:
        return await hooks.last_error(me(ctx), path_int(request, "id"))

    async def signal(request: Request, ctx: RequestContext) -> Any:
        data = _data(await read_body(request))
        await hooks.signal(me(ctx), path_str(request, "eventName"), path_int(request, "primaryKey"), data)
        return NO_CONTENT

    def rest(verb: str, path: str, handler: Any, summary: str, **kw: Any) -> Endpoint:
        return Endpoint(verb, REST + path, admin_first(handler), summary, tag="Webhook", **kw)

    webhook = c.Webhook
    rest_table = [
        rest(
            "GET",
            "",
            list_all,
            "All webhooks, optionally filtered",
            params=FILTERS,
            response=list[c.Webhook],
            errors=(400, 403),
            xml_root="ArrayOfWebhook",
        ),
        rest(
            "POST",
            "",
            create,
            "Register a webhook",
            params=(SELECT,),
            body=webhook,
            response=webhook,
            errors=(400, 403),
            xml_root="Webhook",
        ),
        rest(
            "GET",
            "/default",
            default,
            "A new Webhook with default values",
            response=webhook,
            errors=(403,),
            xml_root="Webhook",
        ),
        rest(
            "POST",
            "/Test",
            test,
            "Send a test event to a webhook's target now",
            body=webhook,
            response=c.WebhookResult,
            errors=(400, 403),
            xml_root="WebhookResult",
        ),
        rest(
            "GET",
            "/{id}",
            get,
            "Get a webhook",
            params=(ID, SELECT),
            response=webhook,
            errors=(304, 403, 404),
            xml_root="Webhook",
        ),
        rest(
            "PUT",
            "/{id}",
            put,
            "Update a webhook",
            params=(ID, SELECT),
            body=webhook,
            response=webhook,
            errors=(400, 403, 404, 412),
            xml_root="Webhook",
        ),
        rest(
            "PATCH",
            "/{id}",
            patch,
            "Change a webhook with JSON Patch or JSON Merge Patch",
            params=(ID, SELECT),
            body=list[dict[str, Any]],
            response=webhook,
            errors=(400, 403, 404, 409, 412),
            xml_root="Webhook",
        ),
        rest(
            "DELETE",
            "/{id}",
            delete,
            "Delete a webhook and its pending deliveries",
            params=(ID,),
            status=204,
            errors=(403, 404),
        ),
        rest(
            "GET",
            "/{id}/LastError",
            last_error,
            "What the target answered to the last failed delivery",
            params=(ID,),
            response=str,
            errors=(403, 404),
        ),
        rest(
            "POST",
            "/{eventName}/{primaryKey}",
            signal,
            "Signal an event: queue a delivery to every webhook that receives it",
            params=(
                Param("eventName", "path", str, description="Event name, e.g. myapp.order.shipped"),
                Param("primaryKey", "path", int, description="Id of the entity the event is about"),
            ),
            body=dict[str, Any],
            status=204,
            errors=(400, 403),
        ),
    ]

    # -- Agent -------------------------------------------------------------------

    async def args(request: Request) -> Mapping[str, Any]:
        return as_object(await read_body(request))

    async def create_default(request: Request, ctx: RequestContext) -> c.Webhook:
        await read_body(request)  # the client posts a literal `null`
        return present(ctx, await hooks.default(me(ctx)))

    async def save(request: Request, ctx: RequestContext) -> c.Webhook:
        body = await read_body(request)
        if body is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="webhook")
        bound = bind_webhook(body)
        webhook_id = bound.value.WebhookId
        if webhook_id < 0:
            raise InvalidInput("SR_INVALID_VALUE", field="WebhookId", detail="must not be negative")
        base = (await hooks.get(me(ctx), webhook_id)).hook if webhook_id else default_webhook()
        hook = webhook_from(bound, base, webhook_id=webhook_id)
        return present(ctx, await hooks.save(me(ctx), hook))

    async def get_one(request: Request, ctx: RequestContext) -> c.Webhook:
        return present(ctx, await hooks.get(me(ctx), query_int(request, "webhookId")))

    async def delete_one(request: Request, ctx: RequestContext) -> Any:
        with contextlib.suppress(NotFound):
            await hooks.delete(me(ctx), query_int(request, "WebhookId"))
        return NO_CONTENT

    async def get_all(request: Request, ctx: RequestContext) -> list[c.Webhook]:
        a = await args(request)
        views = await hooks.list(
            me(ctx),
            name_filter=_text(member(a, "nameFilter"), "nameFilter"),
            event_filter=_text(member(a, "eventFilter"), "eventFilter"),
            state_filter=_state_filter(member(a, "statusFilter")),
        )
        return [present(ctx, v) for v in views]

    async def test_one(request: Request, ctx: RequestContext) -> c.WebhookResult:
        raw = member(await args(request), "webhook")
        if raw is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="webhook")
        bound = bind_webhook(raw)
        hook = webhook_from(bound, default_webhook(), webhook_id=bound.value.WebhookId)
        return present_result(ctx, await hooks.test(me(ctx), hook))

    async def signal_event(request: Request, ctx: RequestContext) -> Any:
        a = await args(request)
        await hooks.signal(
            me(ctx), member_str(a, "eventName"), member_int(a, "primaryKey", 0), _data(member(a, "data"))
        )
        return NO_CONTENT

    async def get_last_error(request: Request, ctx: RequestContext) -> str:
        a = await args(request)
        return await hooks.last_error(me(ctx), member_int(a, "webhookId"))

    agent_table: list[tuple[str, Any, str, dict[str, Any]]] = [
        (
            "CreateDefaultWebhook",
            create_default,
            "A new Webhook with default values",
            {"response": webhook, "errors": (403,)},
        ),
        (
            "SaveWebhook",
            save,
            "Register (WebhookId 0) or update a webhook",
            {"body": webhook, "response": webhook, "nullable": True, "errors": (400, 403)},
        ),
        (
            "GetWebhook",
            get_one,
            "Get a webhook (null when not found)",
            {
                "params": (Param("webhookId", "query", int),),
                "response": webhook,
                "nullable": True,
                "errors": (403,),
            },
        ),
        (
            "DeleteWebhook",
            delete_one,
            "Delete a webhook",
            {"params": (Param("WebhookId", "query", int),), "status": 204, "errors": (400, 403)},
        ),
        (
            "GetAllWebhooks",
            get_all,
            "All webhooks, optionally filtered by name, event and state",
            {
                "body_members": {"nameFilter": str, "eventFilter": str, "statusFilter": str},
                "response": list[c.Webhook],
                "errors": (400, 403),
            },
        ),
        (
            "TestWebhook",
            test_one,
            "Send a test event to a webhook's target now",
            {"body_members": {"webhook": webhook}, "response": c.WebhookResult, "errors": (400, 403)},
        ),
        (
            "SignalEvent",
            signal_event,
            "Queue an event for every webhook that receives it",
            {
                "body_members": {"eventName": str, "primaryKey": int, "data": dict[str, Any]},
                "status": 204,
                "errors": (400, 403),
            },
        ),
        (
            "GetLastError",
            get_last_error,
            "What the target answered to the last failed delivery",
            {"body_members": {"webhookId": int}, "response": str, "nullable": True, "errors": (403,)},
        ),
    ]
    return [
        *rest_table,
        *(
            Endpoint(
                "POST", AGENT + name, admin_first(handler), summary, style="agent", tag="Agents/Webhook", **kw
            )
            for name, handler, summary, kw in agent_table
        ),
    ]
