"""The deployment the city runs, on loopback: nginx with TLS in front of two router processes on
PostgreSQL and Redis, and the city's page on a second origin (also behind nginx's TLS).

nginx is Debian's (`make nginx` installs it), run as a child process with its own configuration, pid,
logs and temporary folders in a temporary directory, never as the system service. The certificate is
self-signed, made here with openssl. Rasa is the router tests' FakeRasa (it echoes "Du skrev: …"):
this deployment test is about the web in front of the router, not about the assistant.
"""
from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.demo_site import create_app as create_city_site
from router.handoff.accounts import create_agent
from router.core.config import PROJECT_ROOT
from router.core.db import create_engine, create_session_maker, migrate
from tests.e2e.shared_services import drop_shared_database, shared_postgres_database, shared_redis_url
from tests.router.fake_rasa import FakeRasa
from tests.router.redis_fixtures import free_port
from tests.e2e.processes import stop_group

OPEN_MONDAY = "2026-11-30T10:00:00+01:00"
PASSWORD = "deployment-test-password"
INTERNAL_SECRET = "deployment-internal-secret"
RASA_TOKEN = "deployment-rasa-token"
# The routers' limit per client address (a minute): 200 residents at one request each pass, one address
# sending more is refused, whatever nginx's own address is.
ADDRESS_PER_MINUTE = 20
AGENTS = ("anna", "bertil", "cecilia")


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        pytest.fail("Debian nginx is not installed: run `make nginx` (apt-get install -y nginx)")
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return certificate, key


NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1000; }}
http {{
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server_tokens off;
    # As docs/deploy.md: the path without its query string, so that no token reaches the log.
    log_format noquery '$remote_addr [$time_local] "$request_method $uri $server_protocol" $status';
    access_log {dir}/access.log noquery;
    # login attempts (POST only; the form itself is not limited) per client address
    map $request_method $login_attempt {{ POST $binary_remote_addr; default ""; }}
    limit_req_zone $login_attempt zone=login:10m rate=10r/m;
    limit_req_status 429;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream routers {{
        server 127.0.0.1:{router_a};
        server 127.0.0.1:{router_b};
    }}
    server {{
        listen 127.0.0.1:{router_port} ssl;
        server_name localhost;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 1h;
        location /internal/ {{ return 404; }}
        location = /agent/login {{
            limit_req zone=login burst=5 nodelay;
            proxy_pass http://routers;
        }}
        location / {{ proxy_pass http://routers; }}
    }}
    server {{
        listen 127.0.0.1:{city_port} ssl;
        listen 127.0.0.1:{stranger_port} ssl;
        server_name localhost;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        location / {{ proxy_pass http://127.0.0.1:{city_site}; }}
    }}
}}
"""


class Nginx:
    def __init__(self, folder: Path, config: str) -> None:
        self.folder = folder
        self.config = folder / "nginx.conf"
        self.config.write_text(config)
        self.process: subprocess.Popen | None = None

    def _argv(self, *extra: str) -> list[str]:
        argv = [nginx_binary(), "-p", str(self.folder), "-c", str(self.config), "-e", str(self.folder / "error.log")]
        # as root, the whole nginx runs as nobody: the test needs no privilege (its ports are high)
        prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        return prefix + argv + list(extra)

    def start(self) -> None:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in [self.folder, *self.folder.iterdir()]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        subprocess.run(self._argv("-t", "-q"), check=True)
        self.process = subprocess.Popen(
            self._argv("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        stop_group(self.process, 10)

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class RouterProcess:
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env, "ROUTER_HOST": "127.0.0.1", "ROUTER_PORT": str(self.port)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "router"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        stop_group(self.process, 15)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class ThreadedSites:
    """The stand-in Rasa and the city's web server, served on their own event loop in a thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.runners: list[web.AppRunner] = []
        self._thread = threading.Thread(target=self.loop.run_forever, name="deployment-sites", daemon=True)
        self._thread.start()

    def serve(self, app: web.Application, port: int) -> None:
        async def start() -> None:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.runners.append(runner)

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(30)

    def close(self) -> None:
        async def stop() -> None:
            for runner in self.runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@dataclass
class Deployment:
    router_origin: str  # https://localhost:<port>: nginx in front of both routers
    city_origin: str  # https://localhost:<port>: the city's page, listed in ALLOWED_ORIGINS
    stranger_origin: str  # the same page on an origin that is not listed
    routers: list[RouterProcess]
    rasa: FakeRasa
    nginx: Nginx
    database_url: str

    @property
    def direct_router(self) -> str:
        """One router without nginx: only for what the action server does (/internal/*)."""
        return f"http://127.0.0.1:{self.routers[0].port}"


async def _create_accounts(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    async with create_session_maker(engine)() as session:
        for name in AGENTS:
            await create_agent(session, name, PASSWORD, name.title(), "agent")
    await engine.dispose()


def _wait_until_answers(url: str, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} did not answer at {url}")


def start_deployment(folder: Path):
    """Start everything; a generator for a fixture (stops everything after the `yield`)."""
    database_url = asyncio.run(shared_postgres_database())
    redis_url = asyncio.run(shared_redis_url())
    asyncio.run(_create_accounts(database_url))
    sites = ThreadedSites()
    # not under pytest's tmp_path: nginx runs as nobody and must reach its folder
    nginx_dir = Path(tempfile.mkdtemp(prefix="deployment-nginx-"))
    router_port, city_port, stranger_port, city_site, rasa_port = (free_port() for _ in range(5))
    router_origin = f"https://localhost:{router_port}"
    city_origin = f"https://localhost:{city_port}"
    rasa = FakeRasa(token=RASA_TOKEN)
    rasa.url = f"http://127.0.0.1:{rasa_port}"
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RASA_URL": rasa.url,
        "ACTIONS_URL": rasa.url,
        "RASA_TOKEN": RASA_TOKEN,
        "INTERNAL_SECRET": INTERNAL_SECRET,
        "ROUTER_FIXED_NOW": OPEN_MONDAY,
        "ALLOWED_ORIGINS": city_origin,
        "TRUSTED_PROXIES": "127.0.0.1",
        "RATE_LIMIT_ADDRESS": str(ADDRESS_PER_MINUTE),
        "RATE_LIMIT_LOGIN_ADDRESS": "5",
        "RATE_LIMIT_LOGIN_USERNAME": "5",
        "COOKIE_SECURE": "true",
    }
    routers = [RouterProcess(env, folder / f"router-{name}.log") for name in "ab"]
    certificate, key = self_signed_certificate(nginx_dir)
    nginx = Nginx(nginx_dir, NGINX_CONF.format(
        dir=nginx_dir, router_a=routers[0].port, router_b=routers[1].port, router_port=router_port,
        city_port=city_port, stranger_port=stranger_port, city_site=city_site, certificate=certificate, key=key,
    ))
    try:
        sites.serve(rasa.app(), rasa_port)
        sites.serve(create_city_site(router_origin), city_site)
        for router in routers:
            router.start()
        for router in routers:
            try:
                _wait_until_answers(f"http://127.0.0.1:{router.port}/healthz", "a router")
            except AssertionError:
                raise AssertionError(router.log()) from None
        nginx.start()
        yield Deployment(
            router_origin=router_origin, city_origin=city_origin,
            stranger_origin=f"https://localhost:{stranger_port}", routers=routers, rasa=rasa, nginx=nginx,
            database_url=database_url,
        )
    finally:
        nginx.stop()
        for router in routers:
            router.stop()
        sites.close()
        asyncio.run(drop_shared_database(database_url))
        shutil.rmtree(nginx_dir, ignore_errors=True)


