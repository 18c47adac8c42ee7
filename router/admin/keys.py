"""The application key of the administration's services."""
from __future__ import annotations

from aiohttp import web

from router.admin.services import AdminServices

ADMIN_KEY = web.AppKey("admin", AdminServices)
