"""The OpenAPI schema is the contract: schemathesis calls every operation of a running server.

No answer may be a 5xx, break its documented schema, status code or content type. The server is
real (uvicorn on a free port, its lifespan running the site's Runtime over simulated devices); the
one place that says who calls is the `auth_headers` fixture.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import ServiceContext, create_app
from api.auth import Role
from api.auth.service import AuthService
from config import Site, load_site
from tests.api_client import bearer, served_in_thread
from tests.helpers import lamp_fault_site

EXAMPLES = 8  # per operation: the whole run stays well under a minute
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    folder = tmp_path_factory.mktemp("contract")
    path = lamp_fault_site(folder, extra="feedback: {}\n")  # the feedback routes past their 404
    return load_site(path)


@pytest.fixture(scope="module")
def auth_headers(site: Site) -> dict[str, str]:
    """Who calls: an admin's bearer token, so that every operation is reached past its guard."""

    async def admin_token() -> dict[str, str]:
        auth = await AuthService.open(site.resolve(site.config.storage.sqlite.path), site.config.api.auth)
        try:
            return await bearer(auth, Role.ADMIN)
        finally:
            await auth.close()

    return asyncio.run(admin_token())


@pytest.fixture(scope="module")
def server(site: Site, auth_headers: dict[str, str]) -> Iterator[str]:
    """The app served by uvicorn in a thread; its lifespan starts and stops the site's Runtime."""
    with served_in_thread(site, "contract-server") as url:
        time.sleep(1.0)  # a few polls: readings, device states and the lamp's alert exist
        yield url


@pytest.fixture(scope="module")
def api_schema(server: str) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{server}/openapi.json")


def _operations() -> list[Any]:
    """Every operation of the app's schema as a test parameter (the schema needs no running site)."""
    paths = create_app(_never).openapi()["paths"]
    labels = [f"{method.upper()} {path}" for path, operations in paths.items() for method in operations]
    return [pytest.param(label, id=label) for label in labels]


def _never() -> AbstractAsyncContextManager[ServiceContext]:
    raise AssertionError("the schema is built without running the app")


@pytest.mark.parametrize("label", _operations())
def test_operation_keeps_the_contract(
    api_schema: BaseSchema, auth_headers: dict[str, str], label: str
) -> None:
    """Valid and invalid requests (Hypothesis strategies from the schema, both generation modes).

    schemathesis' own pytest loader (`from_fixture`) reaches into pytest internals that pytest 9 no
    longer has, so the operations are parametrized here.
    """
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    cases = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def keeps_contract(case: Case[Any]) -> None:
        case.call_and_validate(headers=auth_headers, checks=CHECKS)

    keeps_contract()
