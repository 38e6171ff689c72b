"""Route dependencies as named `Annotated` types: the service context, and who is acting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.auth.principal import Principal, Via
from api.auth.roles import Permission
from api.auth.sessions import COOKIE, CSRF_HEADER, Session
from api.context import ServiceContext

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="anjing"'}
# declared for OpenAPI (the "Authorize" button and each operation's security); `_identify` reads them
_BEARER = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer anj_…`")
_COOKIE = APIKeyCookie(name=COOKIE, auto_error=False, description="session cookie from /api/v1/auth/login")
Documented = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
DocumentedCookie = Annotated[str | None, Depends(_COOKIE)]


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


def client_address(request: Request) -> str | None:
    """The client's address as uvicorn saw it (after the trusted proxies' X-Forwarded-For)."""
    return request.client.host if request.client else None


async def _identify(request: Request, context: ServiceContext) -> tuple[Principal, Session | None]:
    """Bearer token first, then the session cookie, else the anonymous public; cached per request."""
    cached: tuple[Principal, Session | None] | None = getattr(request.state, "identity", None)
    if cached is not None:
        return cached
    auth, address = context.auth, client_address(request)
    identity: tuple[Principal, Session | None] = (auth.anonymous(address), None)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        principal = await auth.from_token(secret.strip(), address) if scheme.lower() == "bearer" else None
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "令牌无效、已过期或已撤销 / the token is invalid, expired or revoked",
                headers={"WWW-Authenticate": 'Bearer realm="anjing", error="invalid_token"'},
            )
        identity = (principal, None)
    elif (cookie := request.cookies.get(COOKIE)) is not None:
        identity = await auth.from_session(cookie, address) or identity
    request.state.identity = identity
    return identity


async def current_principal(request: Request, context: ContextDep) -> Principal:
    principal, _ = await _identify(request, context)
    return principal


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency that returns the acting principal if they hold `permission`.

    401 when nobody is signed in, 403 when the user lacks the permission (a refused change is
    audited) or when a cookie-authenticated change lacks the session's CSRF header.
    """

    async def acting(
        request: Request, context: ContextDep, _token: Documented, _cookie: DocumentedCookie
    ) -> Principal:
        principal, session = await _identify(request, context)
        if not principal.can(permission):
            if principal.via is Via.ANONYMOUS:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED, "请先登录 / sign in first", headers=_CHALLENGE
                )
            if request.method not in SAFE_METHODS:
                await context.audit.record(
                    principal,
                    f"{request.method} {request.url.path}",
                    "",
                    outcome=f"refused: needs {permission}",
                )
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"权限不足：需要 {permission.value} / not allowed: needs the {permission.value} permission",
            )
        unsafe = request.method not in SAFE_METHODS
        if session is not None and unsafe and request.headers.get(CSRF_HEADER) != session.csrf:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"缺少或错误的 {CSRF_HEADER} 头 / missing or wrong {CSRF_HEADER} header",
            )
        return principal

    acting.__name__ = f"require_{permission.value}"
    return acting


Reader = Depends(require(Permission.READ))
