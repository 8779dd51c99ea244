"""sochat extensions the agent console needs: ``/api/v1/QuickReply`` (an agent's own
snippets) and ``/api/v1/CrmSearch`` (find a person or company to link a chat to).

Neither exists in SuperOffice's chat WebAPI; both use its conventions (PascalCase
carriers, SuperOffice error bodies, JSON and XML).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.context import RequestContext
from sochat.api.http import NO_CONTENT, Services, read_body
from sochat.api.presenters import Presenter
from sochat.api.routes.args import as_object, member, path_int, query, query_int
from sochat.api.routes.spec import Endpoint, Param
from sochat.domain.quick_reply import QuickReply
from sochat.errors import InvalidInput, MissingParameter
from sochat.services import crm_search, quick_replies

QUICK = "/api/v1/QuickReply"
SEARCH = "/api/v1/CrmSearch"
ID = Param("id", "path", int, description="QuickReplyId")


def _present(ctx: RequestContext, reply: QuickReply) -> c.QuickReply:
    return c.QuickReply(
        QuickReplyId=reply.reply_id,
        Name=reply.name,
        Content=reply.content,
        Updated=Presenter(ctx).date(reply.updated_at),
    )


def _text(body: Any, name: str) -> str:
    value = member(body, name)
    if value is None:
        raise MissingParameter("SR_MISSING_PARAMETER", name=name)
    if not isinstance(value, str):
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="must be a string")
    if "\x00" in value:
        # PostgreSQL cannot store NUL (a 500 there otherwise); as binding.py refuses it elsewhere.
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="contains a NUL character")
    return value


def endpoints(services: Services) -> list[Endpoint]:
    db, clock = services.db, services.clock

    def me(ctx: RequestContext) -> Any:
        return ctx.principal.associate

    async def list_all(request: Request, ctx: RequestContext) -> list[c.QuickReply]:
        return [_present(ctx, r) for r in await quick_replies.list_own(db, me(ctx))]

    async def create(request: Request, ctx: RequestContext) -> c.QuickReply:
        body = as_object(await read_body(request))
        reply = await quick_replies.create(db, clock, me(ctx), _text(body, "Name"), _text(body, "Content"))
        return _present(ctx, reply)

    async def get(request: Request, ctx: RequestContext) -> c.QuickReply:
        return _present(ctx, await quick_replies.get(db, me(ctx), path_int(request, "id")))

    async def put(request: Request, ctx: RequestContext) -> c.QuickReply:
        reply_id = path_int(request, "id")
        body = as_object(await read_body(request))
        reply = await quick_replies.update(
            db, clock, me(ctx), reply_id, _text(body, "Name"), _text(body, "Content")
        )
        return _present(ctx, reply)

    async def delete(request: Request, ctx: RequestContext) -> Any:
        await quick_replies.delete(db, me(ctx), path_int(request, "id"))
        return NO_CONTENT

    async def search(request: Request, ctx: RequestContext) -> list[c.CrmMatch]:
        found = await crm_search.search(
            db, me(ctx), query(request, "term") or "", query_int(request, "top", 20)
        )
        hits = [
            c.CrmMatch(
                PersonId=p.person_id,
                ContactId=p.contact_id,
                FullName=" ".join(x for x in (p.firstname, p.middle_name, p.lastname) if x),
                Email=p.email,
                ContactName=found.contacts[p.contact_id].name if p.contact_id in found.contacts else "",
            )
            for p in found.persons
        ]
        hits.extend(
            c.CrmMatch(ContactId=k.contact_id, Email=k.email_address, ContactName=k.name)
            for k in found.matching_contacts
        )
        return hits

    def ext(verb: str, path: str, handler: Any, summary: str, tag: str, **kw: Any) -> Endpoint:
        return Endpoint(verb, path, handler, summary + " (sochat extension)", tag=tag, **kw)

    reply = c.QuickReply
    return [
        ext("GET", QUICK, list_all, "The caller's quick replies", "QuickReply", response=list[c.QuickReply]),
        ext(
            "POST",
            QUICK,
            create,
            "Save a new quick reply (Name, Content)",
            "QuickReply",
            body=reply,
            response=reply,
            errors=(400, 403),
        ),
        ext(
            "GET",
            QUICK + "/{id}",
            get,
            "One of the caller's quick replies",
            "QuickReply",
            params=(ID,),
            response=reply,
            errors=(403, 404),
        ),
        ext(
            "PUT",
            QUICK + "/{id}",
            put,
            "Change one of the caller's quick replies",
            "QuickReply",
            params=(ID,),
            body=reply,
            response=reply,
            errors=(400, 403, 404),
        ),
        ext(
            "DELETE",
            QUICK + "/{id}",
            delete,
            "Delete one of the caller's quick replies",
            "QuickReply",
            params=(ID,),
            status=204,
            errors=(403, 404),
        ),
        ext(
            "GET",
            SEARCH,
            search,
            "Persons (by name or e-mail) and companies (by name or e-mail) to link a chat to",
            "CrmSearch",
            params=(
                Param("term", "query", str, description="2 to 100 characters"),
                Param("top", "query", int, required=False, description="At most this many of each (≤ 50)"),
            ),
            response=list[c.CrmMatch],
            errors=(400, 403),
        ),
    ]
