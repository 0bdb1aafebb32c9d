"""Development settings: DEBUG on, a development secret key, console email, eager Celery."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-do-not-use-in-production")
# WhiteNoise serves straight from the finders in development (no collectstatic needed).
STATIC_ROOT = env("STATIC_ROOT", default=None)
