"""Create `.venv` and install the project's dependencies from pyproject.toml: the runtime ones
(`.venv/.installed`, all `make run` needs), and with `--dev` the dev ones too (`.venv/.installed-dev`,
for `make test`, `make lint`, `make bench`).

Run with any Python >= 3.11 (it needs `tomllib`): `python3.11 infra/bootstrap.py [--dev]`. The
project is an application, not an installable package, so we install its dependency list rather
than the project itself. Make calls this only when pyproject.toml is newer than the stamp.
Modules are not byte-compiled at install (`--no-compile`): Python compiles what it imports on
first use, and most of the ~600 MB (browser driver, test tools) is never imported by `make run`.
"""
from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def requirements(*, dev: bool) -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *(project.get("optional-dependencies", {}).get("dev", []) if dev else [])]


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on whatever Python the machine has
        print("Python 3.11 or 3.12 is needed to create the virtual environment", file=sys.stderr)
        return 1
    dev = "--dev" in sys.argv[1:]
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with Python {sys.version.split()[0]}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
               *requirements(dev=dev)]
    print(f"installing {'dev' if dev else 'runtime'} dependencies from pyproject.toml ...", flush=True)
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    (VENV / (".installed-dev" if dev else ".installed")).touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
