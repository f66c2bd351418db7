"""Run a Python module in a subprocess with the clock pinned: `python -m tests.pinned MOMENT MODULE ARGS...`.

The test suite pins the product's clock in-process (tests/conftest.py); a real Celery worker is
another process, so the tests start it through this wrapper (`pinned_command`), which starts
time-machine at MOMENT (an ISO 8601 aware datetime; the clock ticks on from there) before the
module runs. A worker's outcome then never depends on the real date either.
"""
from __future__ import annotations

import datetime as dt
import runpy
import sys


def pinned_command(moment: dt.datetime, module: str, *args: str) -> list[str]:
    """The argv that runs `python -m module args...` with the clock pinned at `moment`."""
    assert moment.tzinfo is not None, "pin the clock to an aware moment"
    return [sys.executable, "-m", "tests.pinned", moment.isoformat(), module, *args]


def main() -> None:
    import time_machine

    moment = dt.datetime.fromisoformat(sys.argv[1])
    module = sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    time_machine.travel(moment, tick=True).start()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
