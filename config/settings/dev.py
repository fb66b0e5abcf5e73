"""Development: the `run` command. Insecure defaults are allowed only here."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"  # noqa: F405
PERSON_KEY_PEPPER = PERSON_KEY_PEPPER or "dev-only-pepper"  # noqa: F405
