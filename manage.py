#!/usr/bin/env python
"""Django's command-line utility, with `platform/` put on the import path.

`platform/` is a source root (no `__init__.py`): it holds the configuration package and the
public-schema apps under their own names, so it never shadows the standard-library `platform`.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main() -> None:
    sys.path.insert(0, str(ROOT / "platform"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
