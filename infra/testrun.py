"""`make test`: lint, migration check and the test suite against a real PostgreSQL and Redis.

Uses PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 when they answer (CI and the
development machines run both), or DATABASE_URL / REDIS_URL when set; otherwise (or with
USE_EMBEDDED=1) starts throw-away ones from the Python wheels for the duration of the run.

Runs `ruff check .`, `manage.py makemigrations --check --dry-run`, then pytest with any extra
arguments (`make test ARGS="-k seed -x"`). All three always run. The exit code is pytest's;
if pytest passed but ruff or the migration check failed, it is 1.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from embedded import (  # noqa: E402
    IS_ROOT,
    ROOT,
    EmbeddedPostgres,
    EmbeddedRedis,
    ensure_database,
    free_tcp_port,
    log,
    private_dir,
    tcp_answers,
)

BIN = Path(sys.executable).parent


def _on_signal(signum, _frame):
    raise KeyboardInterrupt


def step(name: str, cmd: list[str], env: dict[str, str]) -> int:
    started = time.monotonic()
    print(f"\n=== {name}", flush=True)
    code = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode
    print(f"=== {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - started:.1f} s", flush=True)
    return code


@contextlib.contextmanager
def services():
    """Environment for a run against PostgreSQL and Redis: the local ones if they answer (or the
    URLs given), else throw-away servers that are stopped and deleted afterwards."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    env.setdefault("DEBUG", "0")
    postgres = redis = scratch = None
    started = time.monotonic()
    try:
        embedded = env.get("USE_EMBEDDED") == "1"  # ignore local servers, e.g. to check this path
        if not env.get("DATABASE_URL") and (embedded or not tcp_answers("127.0.0.1", 5432)):
            scratch = private_dir(Path(tempfile.mkdtemp(prefix="djt-")), 0o711 if IS_ROOT else 0o700)
            postgres = EmbeddedPostgres(data_dir=scratch / "data", socket_dir=scratch / "pg", fast_unsafe=True,
                                        tcp_port=free_tcp_port())
            log("no PostgreSQL on 127.0.0.1:5432; starting a throw-away one ...")
            postgres.start()
            env["DATABASE_URL"] = postgres.url("dangjian")
        env.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dangjian")
        ensure_database(env["DATABASE_URL"])  # makemigrations checks the history against it
        if not env.get("REDIS_URL"):
            if not embedded and tcp_answers("127.0.0.1", 6379):
                env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
            else:
                scratch = scratch or private_dir(Path(tempfile.mkdtemp(prefix="djt-")), 0o711 if IS_ROOT else 0o700)
                redis = EmbeddedRedis(folder=scratch, tcp_port=free_tcp_port())
                log("no Redis on 127.0.0.1:6379; starting a throw-away one ...")
                redis.start()
                # A plain redis:// URL on TCP serves Celery too. CELERY_BROKER_URL is deliberately not
                # exported: Celery prefers that environment variable over its configuration, which
                # would defeat tests that point the app at a Redis of their own.
                env["REDIS_URL"] = redis.url
        log(f"database: {env['DATABASE_URL']}  redis: {env['REDIS_URL']}  ({time.monotonic() - started:.1f} s)")
        yield env
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def main(args: list[str]) -> int:
    signal.signal(signal.SIGTERM, _on_signal)
    started = time.monotonic()
    try:
        with services() as env:
            lint = step("ruff check .", [str(BIN / "ruff"), "check", "."], env)
            migrations = step("makemigrations --check",
                              [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], env)
            tests = step("pytest", [sys.executable, "-m", "pytest", *args], env)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    print(f"\nruff: {'ok' if lint == 0 else 'FAILED'}, migrations: {'ok' if migrations == 0 else 'FAILED'}, "
          f"pytest: {'ok' if tests == 0 else f'FAILED ({tests})'}; total {time.monotonic() - started:.1f} s",
          flush=True)
    if tests != 0:
        return tests
    return 1 if lint or migrations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
