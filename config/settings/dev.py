"""Development: the `run` command. Insecure defaults are allowed only here."""

import os

from .base import *  # noqa: F403

# Debug pages are on for development; run.sh's demo sets DEBUG=0 so visitors see the friendly 403/404
# pages instead of Django's technical ones (which list every URL pattern). Static files are then collected
# (run.sh) and served by WhiteNoise from STATIC_ROOT, with the hashed names the templates link to.
DEBUG = os.environ.get("DEBUG", "1").lower() not in ("0", "false", "no", "off")
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"  # noqa: F405
PERSON_KEY_PEPPER = PERSON_KEY_PEPPER or "dev-only-pepper"  # noqa: F405
