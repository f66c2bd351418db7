"""`make run`: the whole product on one machine, with demo data.

Starts PostgreSQL and Redis from the Python wheels unless DATABASE_URL / REDIS_URL are set,
migrates, loads the demo county (`seed_demo`, idempotent), then runs the web server, a Celery
worker and Celery beat as child processes with their output prefixed. Ctrl-C (SIGINT) or SIGTERM
stops the children first, then Redis, then PostgreSQL, and waits for each.

Environment: HOST (default 0.0.0.0), PORT (8000), STATE_DIR (.state/), DATABASE_URL, REDIS_URL,
SEED=0 to skip the demo data, SEED=force to run it even when this database is already seeded.

A second start is quick: the migrate step skips every schema that has nothing to do, and the
seed is skipped when `STATE_DIR/seeded.json` says this very database (its cluster's system
identifier and its own oid, so a new or re-created database is seeded again) was seeded today by
the same demo code (a hash of every `demo.py` and the seed command); the logins it printed then
are printed again.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from embedded import (  # noqa: E402
    ROOT,
    EmbeddedPostgres,
    EmbeddedRedis,
    die_with_parent,
    ensure_database,
    log,
    pg_data_dir,
    runtime_dir,
)

PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop(Exception):
    """Raised by the signal handler to leave whatever step is running."""


def _on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    # runserver starts a thread per request; a connection kept per thread would pile up idle
    # connections under load, so close each one after its request.
    env.setdefault("DB_CONN_MAX_AGE", "0")
    env.setdefault("ALLOWED_HOSTS", "*")
    env.setdefault("STATE_DIR", str(ROOT / ".state"))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    env["PYTHONUNBUFFERED"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


def run_step(name: str, cmd: list[str], env: dict[str, str], capture: bool = False) -> str:
    """Run one setup command to completion; a stop signal terminates it."""
    log(f"{name} ...")
    started = time.monotonic()
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=die_with_parent, stdout=subprocess.PIPE if capture else None, text=True)
    try:
        out, _ = process.communicate()
    except Stop:
        process.terminate()
        process.wait()
        raise
    if process.returncode != 0:
        raise SystemExit(f"{name} failed with exit code {process.returncode}")
    if out:
        sys.stdout.write(out)
    log(f"{name} done in {time.monotonic() - started:.1f} s")
    return out or ""


def seed_key(url: str) -> str:
    """What a finished seed depends on: this database's identity, the demo code, the day."""
    import psycopg

    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        oid = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
        try:  # not granted to every role
            cluster = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()[0]
        except psycopg.Error:
            cluster = "?"
    code = hashlib.sha256()
    sources = [*(path for top in ("platform", "tenants", "scoring", "staffing", "notifications")
                 for path in (ROOT / top).glob("**/demo.py")), ROOT / "platform" / "config" / "settings.py",
               *ROOT.glob("tenants/townships/management/commands/seed_demo.py")]
    for path in sorted(p for p in sources if ".venv" not in p.parts):
        code.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    # The seed builds the year up to today (Asia/Shanghai, the demo's zone): a new day re-runs it.
    day = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()  # noqa: TID251 - the launcher, not the product
    return f"{cluster}:{oid}:{code.hexdigest()}:{day}"


def seed_if_needed(manage: list[str], env: dict[str, str], state_dir: Path) -> str:
    """Run `seed_demo` unless this database was seeded today by the same code; its output."""
    stamp = state_dir / "seeded.json"
    key = seed_key(env["DATABASE_URL"])
    if env.get("SEED") != "force" and stamp.exists():
        with contextlib.suppress(ValueError, KeyError):
            saved = json.loads(stamp.read_text())
            if saved["key"] == key:
                log("seed_demo: this database is seeded already (SEED=force to run it again)")
                return saved["output"]
    output = run_step("seed_demo", [*manage, "seed_demo"], env, capture=True)
    stamp.write_text(json.dumps({"key": key, "output": output}))
    return output


class Children:
    """Long-running children, each in its own session so a terminal Ctrl-C reaches only us."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[str, str] = {}

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)
        os.set_blocking(process.stdout.fileno(), False)
        self.procs[name] = process
        self.buffers[name] = ""
        self.selector.register(process.stdout, selectors.EVENT_READ, name)

    def pump(self, timeout: float) -> None:
        """Copy children's output to ours, each line prefixed with the child's name."""
        for key, _ in self.selector.select(timeout):
            name = key.data
            chunk = key.fileobj.read()
            if not chunk:
                self.selector.unregister(key.fileobj)
                continue
            lines = (self.buffers[name] + chunk.decode(errors="replace")).split("\n")
            self.buffers[name] = lines.pop()
            for line in lines:
                sys.stdout.write(f"{name:<7}| {line}\n")
        sys.stdout.flush()

    def exited(self) -> str | None:
        for name, process in self.procs.items():
            if process.poll() is not None:
                return f"{name} exited with code {process.returncode}"
        return None

    def stop(self, timeout: float = 20) -> None:
        for process in self.procs.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(p.poll() is None for p in self.procs.values()):
            self.pump(0.2)
        for name, process in self.procs.items():
            if process.poll() is None:
                log(f"{name} did not stop in {timeout:.0f} s; killing it")
            # Kill what is left of the child's session too (e.g. Celery pool processes).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.pump(0)


def wait_healthy(url: str, children: Children, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.pump(0.3)
        problem = children.exited()
        if problem:
            raise SystemExit(problem)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URL
                if response.status == 200:
                    return
        except OSError:
            pass
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def main() -> int:
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    env = base_env()
    state_dir = Path(env["STATE_DIR"])
    state_dir.mkdir(parents=True, exist_ok=True)
    host, port = env.get("HOST", "0.0.0.0"), env.get("PORT", "8000")  # noqa: S104 - a dev server on purpose

    lock = open(state_dir / "devserver.lock", "w")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another `make run` of this checkout is running; stop it first")
        return 1

    postgres = redis = None
    children = Children()
    started = time.monotonic()
    try:
        if not env.get("DATABASE_URL"):
            runtime = runtime_dir()
            postgres = EmbeddedPostgres(data_dir=pg_data_dir(state_dir), socket_dir=runtime / "pg")
            log(f"starting PostgreSQL (data in {postgres.data_dir}) ...")
            postgres.start()
            env["DATABASE_URL"] = postgres.url("dangjian")
        ensure_database(env["DATABASE_URL"])
        if not env.get("REDIS_URL"):
            redis = EmbeddedRedis(folder=runtime_dir())
            log("starting Redis ...")
            redis.start()
            env["REDIS_URL"] = redis.url
            env["CELERY_BROKER_URL"] = env["CELERY_RESULT_BACKEND"] = redis.celery_url
        log(f"PostgreSQL and Redis ready in {time.monotonic() - started:.1f} s")

        manage = [PYTHON, str(ROOT / "manage.py")]
        run_step("migrate", [PYTHON, str(ROOT / "infra" / "migrate.py")], env)
        seeded = ""
        if env.get("SEED", "1") != "0":
            seeded = seed_if_needed(manage, env, state_dir)

        # The web server first, alone on the CPU (system checks already ran in `make test`; the
        # migrate step does not need them), then the worker and beat, which nothing waits for.
        children.start("web", [*manage, "runserver", f"{host}:{port}", "--noreload", "--skip-checks"], env)
        local = f"http://127.0.0.1:{port}"
        wait_healthy(f"{local}/health/", children)
        children.start("worker", [CELERY, "-A", "config", "worker", "-l", "info", "--concurrency", "2"], env)
        children.start("beat", [CELERY, "-A", "config", "beat", "-l", "info"], env)

        logins = seeded[seeded.find("Demo logins"):] if "Demo logins" in seeded else ""
        banner = [
            "",
            "=" * 72,
            f"  农村党员积分管理 is running at {local}/   (ready in {time.monotonic() - started:.1f} s)",
            f"  health: {local}/health/    API docs: {local}/api/v1/docs/",
            "  townships are served under /t/<code>/, e.g. " + f"{local}/t/qingshi/",
            "",
            *("  " + line for line in logins.strip().splitlines()),
            "",
            "  Press Ctrl-C to stop everything.",
            "=" * 72,
            "",
        ]
        print("\n".join(banner), flush=True)
        while True:
            children.pump(0.5)
            problem = children.exited()
            if problem:
                log(problem)
                return 1
    except Stop as stop:
        log(f"{stop} received, stopping ...")
        return 0
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        children.stop()
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
