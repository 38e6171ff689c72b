"""API tokens for machines: create (the secret is shown once), list, revoke.

Anyone signed in manages their own tokens, whose scopes cannot exceed their role; admins (the
`users` permission) see and revoke everyone's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from api.auth import Permission, Principal
from api.auth.tokens import Token
from api.deps import ContextDep, require
from api.problems import problem_responses

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])
Account = Annotated[Principal, Depends(require(Permission.ACCOUNT))]
MAX_DAYS = 3650


class TokenPublic(BaseModel):
    id: str = Field(examples=["3fa2c9d1"])
    owner: str
    name: str = Field(examples=["prometheus"])
    scopes: list[Permission]
    created: datetime
    expires: datetime | None
    revoked: datetime | None
    last_used: datetime | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["prometheus"])
    scopes: list[Permission] = Field(min_length=1, examples=[["metrics"]])
    expires_days: int | None = Field(
        default=90, ge=1, le=MAX_DAYS, description="days until it stops working; null for never (not advised)"
    )


class TokenCreated(TokenPublic):
    secret: str = Field(description="shown only now: store it in the client's secret store")


def _when(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _public(token: Token) -> dict[str, object]:
    return {
        "id": token.id,
        "owner": token.owner,
        "name": token.name,
        "scopes": sorted(token.scopes),
        "created": _when(token.created),
        "expires": _when(token.expires),
        "revoked": _when(token.revoked),
        "last_used": _when(token.last_used),
    }


@router.get(
    "", response_model=list[TokenPublic], summary="令牌列表 / API tokens", responses=problem_responses(403)
)
async def list_tokens(context: ContextDep, actor: Account, *, all_users: bool = False) -> list[TokenPublic]:
    """One's own tokens; `all_users=true` lists everyone's (admins)."""
    if all_users and not actor.can(Permission.USERS):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "只有管理员能查看他人的令牌 / only admins see others' tokens"
        )
    tokens = await context.auth.tokens.list(None if all_users else actor.name)
    return [TokenPublic.model_validate(_public(t)) for t in tokens]


@router.post(
    "",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="创建令牌 / create",
    responses=problem_responses(403),
)
async def create_token(body: TokenIn, context: ContextDep, actor: Account) -> TokenCreated:
    scopes = frozenset(body.scopes)
    beyond = scopes - actor.permissions
    if beyond:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"令牌权限不能超过自己的角色 / a token cannot do more than you: {', '.join(sorted(beyond))}",
        )
    expires = None if body.expires_days is None else time.time() + body.expires_days * 86400
    token, secret = await context.auth.tokens.create(actor.name, body.name, scopes, expires)
    await context.audit.record(actor, "token.create", token.id, after=token.public())
    return TokenCreated.model_validate({**_public(token), "secret": secret})


@router.delete(
    "/{ident}", response_model=TokenPublic, summary="撤销令牌 / revoke", responses=problem_responses(404)
)
async def revoke_token(ident: str, context: ContextDep, actor: Account) -> TokenPublic:
    token = await context.auth.tokens.get(ident)
    if token is None or (token.owner != actor.name and not actor.can(Permission.USERS)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有令牌 {ident} / no token {ident}")
    await context.auth.tokens.revoke(ident)
    after = await context.auth.tokens.get(ident)
    assert after is not None
    await context.audit.record(actor, "token.revoke", ident, before=token.public(), after=after.public())
    return TokenPublic.model_validate(_public(after))
