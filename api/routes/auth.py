"""Signing in and out with a session cookie, who am I, and changing one's own password.

The cookie is HttpOnly and SameSite=Strict, Secure when the request came over HTTPS; changes made
with it also need the CSRF token returned at login in the `X-CSRF-Token` header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from api.auth import Permission, Principal, Role, Via
from api.auth.passwords import WeakPasswordError, verify_password
from api.auth.service import LoginRefused
from api.auth.sessions import COOKIE
from api.deps import ContextDep, client_address, current_principal, require
from api.problems import problem_responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
Account = Annotated[Principal, Depends(require(Permission.ACCOUNT))]


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, examples=["wang.li"])
    password: str = Field(min_length=1, max_length=1024, examples=["correct horse battery"])


class Me(BaseModel):
    name: str = Field(examples=["wang.li"])
    role: Role | None = Field(description="none for the anonymous public")
    via: Via
    permissions: list[Permission]
    csrf_token: str | None = Field(
        default=None, description="send back as X-CSRF-Token on every change made with the session cookie"
    )
    expires: datetime | None = Field(default=None, description="when the session ends at the latest")


class PasswordIn(BaseModel):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024, description="at least 10 characters, not a common one")


def _me(principal: Principal, csrf: str | None = None, expires: datetime | None = None) -> Me:
    return Me(
        name=principal.name,
        role=principal.role,
        via=principal.via,
        permissions=sorted(principal.permissions),
        csrf_token=csrf,
        expires=expires,
    )


@router.post(
    "/login",
    response_model=Me,
    summary="登录 / sign in",
    responses=problem_responses(401, 429),
)
async def login(body: LoginIn, request: Request, response: Response, context: ContextDep) -> Me:
    """Open a session; after too many failures the account and the address are locked for a while."""
    address = client_address(request)
    anonymous = context.auth.anonymous(address)
    try:
        cookie, session, user = await context.auth.login(body.username, body.password, address)
    except LoginRefused as exc:
        await context.audit.record(anonymous, "auth.login", body.username, outcome=f"refused: {exc}")
        if exc.retry_after > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                str(exc),
                headers={"Retry-After": str(int(exc.retry_after) + 1)},
            ) from None
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    principal = Principal(user.name, user.role, Via.SESSION, address, user.role.permissions)
    await context.audit.record(principal, "auth.login", user.name)
    maximum = context.auth.sessions.policy.maximum
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(maximum),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return _me(principal, session.csrf, datetime.fromtimestamp(session.created + maximum, UTC))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="退出登录 / sign out")
async def logout(request: Request, response: Response, context: ContextDep, actor: Account) -> None:
    cookie = request.cookies.get(COOKIE)
    if cookie is not None:
        await context.auth.sessions.end(cookie)
    response.delete_cookie(COOKIE, path="/")
    await context.audit.record(actor, "auth.logout", actor.name)


@router.get("/me", response_model=Me, summary="当前用户 / who am I")
async def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    """Also answers the anonymous public (with the permissions it has), so a page can decide what to show."""
    return _me(principal)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="修改密码 / change my password",
    responses=problem_responses(403, 422),
)
async def change_password(body: PasswordIn, context: ContextDep, actor: Account) -> None:
    """Needs the current password; every session of the user ends, including this one."""
    encoded = await context.auth.users.password_hash(actor.name)
    if encoded is None or not verify_password(encoded, body.current):
        await context.audit.record(
            actor, "user.password", actor.name, outcome="refused: wrong current password"
        )
        raise HTTPException(status.HTTP_403_FORBIDDEN, "当前密码错误 / the current password is wrong")
    try:
        await context.auth.users.set_password(actor.name, body.new)
    except WeakPasswordError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await context.audit.record(actor, "user.password", actor.name)
