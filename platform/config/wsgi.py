import os
import sys
from pathlib import Path

_PLATFORM = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_PLATFORM.parent))
sys.path.insert(0, str(_PLATFORM))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
