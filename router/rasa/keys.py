"""Typed application keys for the Rasa side: the client and the diversion during a model deploy."""
from __future__ import annotations

from aiohttp import web

from router.rasa.client import RasaClient
from router.rasa.diversion import Diversion

RASA_KEY = web.AppKey("rasa", RasaClient)
DIVERSION_KEY = web.AppKey("diversion", Diversion)
