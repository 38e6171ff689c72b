"""The FastAPI application, built by a factory: no import-time globals, the runtime comes from outside."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from api.context import ServiceContext
from api.routes import alerts, devices, health, metrics, notifications, outbox, readings, sensors

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
    for module in (health, sensors, readings, devices, outbox, metrics, alerts, notifications):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
