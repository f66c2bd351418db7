"""`make bench`: run every benchmark script under bench/ (see bench/README.md).

Each `bench/*.py` runs as its own process from the repository root, with the same PostgreSQL
and Redis as `make test` (local ones if they answer, else throw-away ones), and prints its own
figures. The exit code is 1 if any benchmark failed.

`infra/bench.py NAME [ARGS...]` runs only `bench/NAME.py` with ARGS (`make scale TOWNSHIPS=100`
runs `bench/scale.py --townships 100`).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from embedded import ROOT  # noqa: E402
from testrun import services  # noqa: E402


def main(argv: list[str]) -> int:
    scripts = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
    args: list[str] = []
    if argv:
        chosen = ROOT / "bench" / f"{argv[0].removesuffix('.py')}.py"
        if chosen not in scripts:
            print(f"bench: no bench/{chosen.name}; there are {[p.stem for p in scripts]}")
            return 2
        scripts, args = [chosen], argv[1:]
    if not scripts:
        print("bench: no benchmarks yet (add bench/<name>.py; see bench/README.md). Nothing to run.")
        return 0
    failed = []
    with services() as env:
        for script in scripts:
            print(f"\n=== {script.relative_to(ROOT)}", flush=True)
            started = time.monotonic()
            code = subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode
            print(f"=== {script.name}: {'ok' if code == 0 else f'FAILED ({code})'} in "
                  f"{time.monotonic() - started:.1f} s", flush=True)
            if code:
                failed.append(script.name)
    print(f"\nbench: {len(scripts) - len(failed)} of {len(scripts)} ran cleanly" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
