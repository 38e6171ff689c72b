"""The REST API (FastAPI): routes over the store, the catalog and device status."""

from api.app import ContextFactory, create_app
from api.context import ServiceContext

__all__ = ["ContextFactory", "ServiceContext", "create_app"]
