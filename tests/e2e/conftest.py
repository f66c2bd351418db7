"""Browser tests: the product served by gunicorn from a database seeded with the demo county,
driven by Playwright in Debian's chromium (`/usr/bin/chromium`; no browser is ever downloaded).

The demo county is loaded with the clock pinned (tests/pinned.py) at SEED_MOMENT and the server
runs in its own process pinned at SERVE_MOMENT, ticking on from there, so what the pages show
never depends on the real date. Its database is
`E2E_DATABASE_NAME` (default: the suite's test database name + `_e2e`) on the suite's PostgreSQL, dropped and re-made
for every session; Celery tasks run in-process (CELERY_TASK_ALWAYS_EAGER), as they would with a
worker, only sooner.

Every page a test visits is watched: a console error, an uncaught exception, a 4xx/5xx answer to
one of the page's own requests, or (on the phone) a page wider than the screen fails the test.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SHANGHAI
from tests.pinned import pinned_command

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))

from embedded import free_tcp_port  # noqa: E402

# The demo county is loaded on 28 November (the third quarter's notice opens for objections that
# day) and served from 1 December, so November has ended but is still open for the office to close.
SEED_MOMENT = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
SERVE_MOMENT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
PASSWORD = "demo12345"  # every demo user's (README "Demo logins")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def chromium_path() -> str | None:
    """Debian's chromium (installed by `make browser` / .ci/run), or CHROMIUM from the environment."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _database_url(name: str) -> str:
    """The suite's DATABASE_URL with another database name."""
    from urllib.parse import urlsplit, urlunsplit

    base = urlsplit(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dangjian"))
    return urlunsplit(base._replace(path=f"/{name}"))


def _recreate_database(url: str) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    name = params["dbname"]
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"e2e: {what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    print(f"[e2e] {what}: {time.monotonic() - started:.1f} s", file=sys.stderr)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


# Package scope: the server and the browser end when the e2e tests do. Playwright's sync API keeps an
# event loop running while it is open, and Django refuses database calls from what then looks like
# an async context (SynchronousOnlyOperation) in any test that would run after.
@pytest.fixture(scope="package")
def e2e_server(tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("no chromium: run `make browser` (Debian's chromium and CJK fonts; needs root)")
    suite_db = os.environ.get("TEST_DATABASE_NAME", "test_dangjian")
    url = _database_url(os.environ.get("E2E_DATABASE_NAME", f"{suite_db}_e2e"))
    _recreate_database(url)
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "DEBUG": "0",
        "SECURE_COOKIES": "0",  # served over plain http on loopback
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        # Every browser test signs in from 127.0.0.1: the per-address login throttle (10/min) would
        # refuse the suite, not an attacker.
        "LOGIN_THROTTLE_RATE": "10000/min",
        "DB_CONN_MAX_AGE": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATE_DIR": str(tmp_path_factory.mktemp("e2e-state")),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_NAME", None)
    _run(pinned_command(SEED_MOMENT, "infra.migrate"), env, "migrate")
    _run(pinned_command(SEED_MOMENT, "manage", "seed_demo", "--small"), env, "seed_demo --small")
    port = free_tcp_port()
    log = tmp_path_factory.mktemp("e2e-log") / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            pinned_command(SERVE_MOMENT, "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                           "--workers", "2", "--threads", "4", "--timeout", "120", "--access-logfile", "-"),
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(f"{base}/health/", timeout=2) as response:  # noqa: S310 - loopback
            if response.status == 200:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"e2e: the server did not start:\n{log.read_text()[-5000:]}")
        time.sleep(0.3)
    yield Server(url=base, process=process, log=log)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="package")
def browser(e2e_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong on the pages of one browser context."""
    base: str
    problems: list[str] = field(default_factory=list)

    def console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def page_error(self, error) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def response(self, response) -> None:
        if response.url.startswith(self.base) and response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")


class UI:
    """A signed-in (or not) browser tab with the checks applied after every page it lands on."""

    def __init__(self, page, watch: Watch, *, phone: bool):
        self.page = page
        self.watch = watch
        self.phone = phone

    def url(self, path: str) -> str:
        return self.watch.base + path

    def check(self) -> None:
        """Fail on anything the watch saw, and on horizontal overflow on the phone."""
        self.page.wait_for_load_state("load")
        if self.phone:
            widths = self.page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth, location.pathname]")
            if widths[0] > widths[1]:
                self.watch.problems.append(f"page wider than the phone ({widths[0]} > {widths[1]} px): {widths[2]}")
        assert self.watch.problems == [], "\n".join(self.watch.problems)

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.check()

    def submit(self, locator) -> None:
        """Click something that loads a new page (a form's submit button, a link) and check it."""
        with self.page.expect_navigation():
            locator.click()
        self.check()

    def menu(self, text: str) -> None:
        """Follow a link of the top menu (opened first on a phone, where it folds away)."""
        if self.phone:
            self.page.locator("label.navbutton").click()
        self.submit(self.page.locator("nav a", has_text=text).first)

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(password)
        self.submit(self.page.locator("form button[type=submit], form input[type=submit]").first)
        assert "/accounts/login/" not in self.page.url, f"{username} could not sign in"


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def new_ui(browser, e2e_server, viewport):
    """`new_ui()` opens a fresh browser context (its own cookies) on the test's viewport."""
    contexts = []

    def make() -> UI:
        context = browser.new_context(**VIEWPORTS[viewport], locale="zh-CN", timezone_id="Asia/Shanghai")
        contexts.append(context)
        watch = Watch(base=e2e_server.url)
        page = context.new_page()
        page.on("console", watch.console)
        page.on("pageerror", watch.page_error)
        page.on("response", watch.response)
        page.set_default_timeout(15_000)
        return UI(page, watch, phone=viewport == "phone")

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def ui(new_ui):
    return new_ui()
