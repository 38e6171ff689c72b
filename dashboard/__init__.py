"""The facility manager's dashboard and the lobby kiosk (Plotly Dash), mounted in the API's server."""

from dashboard.server import mount_dashboard

__all__ = ["mount_dashboard"]
