"""`make browser`: Debian's chromium and CJK fonts for the browser tests (tests/e2e), and Pango with
the CJK fonts for the PDFs WeasyPrint lays out (common.pdf).

Playwright (a Python package from pyproject.toml) drives the system's chromium through
`executable_path`; no browser is ever downloaded. Installs with apt-get when something is missing
and we are root (CI, containers); otherwise says what to install and leaves it, and the browser
tests skip with that reason.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from ctypes.util import find_library
from pathlib import Path

PACKAGES = {
    "chromium": lambda: Path("/usr/bin/chromium").exists(),
    "fonts-noto-cjk": lambda: Path("/usr/share/fonts/opentype/noto").exists(),
    "libpango-1.0-0": lambda: find_library("pango-1.0") is not None,
    "libpangoft2-1.0-0": lambda: find_library("pangoft2-1.0") is not None,
}


def missing() -> list[str]:
    return [name for name, present in PACKAGES.items() if not present()]


def main() -> int:
    wanted = missing()
    if not wanted:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"[infra] browser tests need Debian packages: {' '.join(wanted)} "
              f"(sudo apt-get install {' '.join(wanted)}); they skip until then", file=sys.stderr)
        return 0
    print(f"[infra] installing {' '.join(wanted)} ...", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *wanted], check=True, env=env,
                   stdin=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
