"""The dashboard's pages: each module has a path, a title, the permission it needs, a `render` for its
first view and a `register` for its callbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from dash import Dash
from dash.development.base_component import Component

from api.auth import Permission, Principal
from api.context import ServiceContext
from dashboard.access import ContextGetter
from dashboard.text import Lang

Query = Mapping[str, str]  # the URL's query string: `/trends?sensor=aq-hall-1.co2&range=30d`
Render = Callable[[ServiceContext, Principal, Lang, Query], Awaitable[Component]]
Register = Callable[[Dash, ContextGetter], None]


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    title: str  # a key of dashboard.text
    needs: Permission | None  # None: public (the kiosk)
    render: Render
    register: Register
    in_menu: bool = True
