"""Typed key under which the opening-hours engine lives on the aiohttp application."""
from __future__ import annotations

from aiohttp import web

from router.hours.schedule import OpeningHours

HOURS_KEY = web.AppKey("hours", OpeningHours)
