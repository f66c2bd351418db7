"""Create `.venv` and install the project's dependencies (runtime + dev) from pyproject.toml.

Run with any Python >= 3.11 (it needs `tomllib`): `python3.11 infra/bootstrap.py`. The project is
an application, not an installable package, so we install its dependency list rather than the
project itself. Make calls this only when pyproject.toml is newer than `.venv/.installed`.
"""
from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"


def requirements() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project.get("optional-dependencies", {}).get("dev", [])]


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on whatever Python the machine has
        print("Python 3.11 or 3.12 is needed to create the virtual environment", file=sys.stderr)
        return 1
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with Python {sys.version.split()[0]}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements()]
    print("installing dependencies from pyproject.toml ...", flush=True)
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    STAMP.touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
