"""Typed application key for the contact center's details."""
from __future__ import annotations

from aiohttp import web

from facts.contact import ContactFacts

CONTACT_KEY = web.AppKey("contact", ContactFacts)
