"""User administration (the `users` permission: admins): add, change role, disable, reset a password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from api.auth import Permission, Principal, Role
from api.auth.passwords import WeakPasswordError
from api.auth.users import UnknownUserError, User, UserError, UserExistsError
from api.deps import ContextDep, require
from api.problems import problem_responses

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Admin = Annotated[Principal, Depends(require(Permission.USERS))]


class UserPublic(BaseModel):
    name: str = Field(examples=["wang.li"])
    role: Role
    display: str = Field(examples=["王丽（值班）"])
    disabled: bool
    created: datetime
    password_changed: datetime


class UserIn(BaseModel):
    name: str = Field(examples=["wang.li"])
    role: Role = Field(examples=["duty"])
    password: str = Field(
        min_length=1, max_length=1024, description="at least 10 characters, not a common one"
    )
    display: str = Field(default="", max_length=100, examples=["王丽（值班）"])


class UserPatch(BaseModel):
    role: Role | None = None
    disabled: bool | None = Field(default=None, description="a disabled user is signed out at once")
    display: str | None = Field(default=None, max_length=100)


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


def _public(user: User) -> UserPublic:
    return UserPublic(
        name=user.name,
        role=user.role,
        display=user.display,
        disabled=user.disabled,
        created=datetime.fromtimestamp(user.created, UTC),
        password_changed=datetime.fromtimestamp(user.password_changed, UTC),
    )


def _refused(exc: Exception) -> HTTPException:
    if isinstance(exc, UnknownUserError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, UserExistsError):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.get("", response_model=list[UserPublic], summary="用户列表 / users")
async def list_users(context: ContextDep, actor: Admin) -> list[UserPublic]:
    return [_public(u) for u in await context.auth.users.list()]


@router.post(
    "",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    summary="添加用户 / add a user",
    responses=problem_responses(409, 422),
)
async def add_user(body: UserIn, context: ContextDep, actor: Admin) -> UserPublic:
    try:
        user = await context.auth.users.add(body.name, body.role, body.password, body.display)
    except (UserError, WeakPasswordError) as exc:
        raise _refused(exc) from None
    await context.audit.record(actor, "user.add", user.name, after=user.public())
    return _public(user)


@router.patch(
    "/{name}",
    response_model=UserPublic,
    summary="修改用户 / change role, name or disable",
    responses=problem_responses(404, 409),
)
async def update_user(name: str, body: UserPatch, context: ContextDep, actor: Admin) -> UserPublic:
    if name == actor.name and (body.disabled or (body.role not in (None, Role.ADMIN))):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "不能停用自己或降低自己的角色 / you cannot disable or demote yourself: ask another admin",
        )
    try:
        before, after = await context.auth.users.update(
            name, role=body.role, disabled=body.disabled, display=body.display
        )
    except UserError as exc:
        raise _refused(exc) from None
    await context.audit.record(actor, "user.update", name, before=before.public(), after=after.public())
    return _public(after)


@router.put(
    "/{name}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="重设密码 / reset a password",
    responses=problem_responses(404, 422),
)
async def reset_password(name: str, body: PasswordReset, context: ContextDep, actor: Admin) -> None:
    """The user's sessions end; hand the new password over in person and have them change it."""
    try:
        await context.auth.users.set_password(name, body.password)
    except (UserError, WeakPasswordError) as exc:
        raise _refused(exc) from None
    await context.audit.record(actor, "user.password", name)
