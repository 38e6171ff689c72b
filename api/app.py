"""The FastAPI application, built by a factory: no import-time globals, the runtime comes from outside."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from api import headers, problems
from api.auth import Permission
from api.context import ServiceContext
from api.deps import require
from api.routes import (
    alerts,
    audit,
    devices,
    health,
    metrics,
    notifications,
    outbox,
    public,
    readings,
    sensors,
    tokens,
    users,
    zones,
)
from api.routes import auth as auth_routes
from api.routes import config as config_routes
from api.routes import export as export_routes
from api.routes import feedback as feedback_routes
from api.routes import lab as lab_routes
from api.routes import reports as report_routes
from api.routes import safety as safety_routes
from api.routes import site as site_routes

ContextFactory = Callable[[], AbstractAsyncContextManager[ServiceContext]]


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (`readings-latest`) for clean generated clients."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(context_factory: ContextFactory) -> FastAPI:
    """An app whose lifespan enters `context_factory()`: the service runs exactly as long as the server."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with context_factory() as context:
            app.state.context = context
            yield

    app = FastAPIOffline(  # the docs' scripts served by us: a county LAN may have no internet
        title="安境 Anjing",
        summary="服务中心环境与安全监测 / building environment and safety monitoring",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    reader = [Depends(require(Permission.READ))]  # routes needing more declare it themselves
    for module in (sensors, readings, devices, outbox, alerts, notifications):
        app.include_router(module.router, dependencies=reader)
    for module in (health, metrics, auth_routes, users, tokens, audit):  # public or guarded per route
        app.include_router(module.router)
    app.include_router(config_routes.router)  # READ and CONFIG guarded per route
    for module in (site_routes, zones, public):  # site and zones guard READ themselves; public: the kiosk
        app.include_router(module.router)
    app.include_router(safety_routes.router)  # READ, SIGN and INSPECT guarded per route
    app.include_router(feedback_routes.router)  # public submission; READ, ACKNOWLEDGE and SIGN per route
    app.include_router(export_routes.router)  # EXPORT guarded per route
    app.include_router(lab_routes.router)  # READ and EXPORT guarded per route
    app.include_router(report_routes.router)  # EXPORT guarded per route
    problems.install(app)  # problem+json for every error, documented in the schema
    app.add_middleware(headers.SecurityHeaders)  # outside the problems' catch-all: a 500 gets them too

    return app
