"""Settings shared by every environment, read from the environment with django-environ.

Each environment module (``local``, ``test``, ``production``) imports everything from here and
overrides what differs. Variables are documented in ``.env.example``.
See https://docs.djangoproject.com/en/5.2/ref/settings/ and https://django-environ.readthedocs.io/
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Project apps first, in dependency order: Django merges every translation catalogue of a
    # language into one and the first app in this list wins a msgid two catalogues translate
    # differently (https://docs.djangoproject.com/en/5.2/topics/i18n/translation/#how-django-discovers-translations),
    # so ours must come before the third-party ones (django_celery_beat translates "Name" as 任务名).
    # tests/test_translation_collisions.py guards this.
    "core",
    "accounts",
    "curriculum",
    "progress",
    "quizzes",
    "cohorts",
    "reminders",
    "linkcheck",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # Must stay before django.contrib.staticfiles.
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "django_celery_beat",
    "django_htmx",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "coinportal.urls"
WSGI_APPLICATION = "coinportal.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/coinportal; default: SQLite file beside manage.py.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# The home view sends each role to its own start page (student dashboard, mentor cohorts).
LOGIN_REDIRECT_URL = "core:home"

# --- Internationalisation: zh-hans first, English available. ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files. Everything is served from here: no CDN. ---
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Cache: Redis when REDIS_URL is set (allauth's rate limits need a shared cache). ---
REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Email: EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.org:587; console in development. ---
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="COIN Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html) ---
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)  # seconds
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)  # seconds
# Development runs tasks in-process so nothing else has to be started (overridden in production).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- django-allauth (https://docs.allauth.org/en/latest/account/configuration.html) ---
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# Our sign-up form locks the address of an invitation and enforces SIGNUP_ALLOWED_DOMAINS.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[COIN Portal] "
# Failed logins: at most 10 a minute per IP address and 5 per 5 minutes per email address; the
# login page states the per-address figure (https://docs.allauth.org/en/latest/account/rate_limits.html).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Who may sign up: "invite" (default), "domain" (SIGNUP_ALLOWED_DOMAINS) or "open".
SIGNUP_MODE = env("SIGNUP_MODE", default="invite")
SIGNUP_ALLOWED_DOMAINS = env.list("SIGNUP_ALLOWED_DOMAINS", default=[])
# Days an emailed invitation link stays valid (counted from when it was sent).
INVITATION_EXPIRY_DAYS = env.int("INVITATION_EXPIRY_DAYS", default=14)
# GitHub login is on only when both values are set.
GITHUB_CLIENT_ID = env("GITHUB_CLIENT_ID", default="")
GITHUB_CLIENT_SECRET = env("GITHUB_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = (
    {"github": {"APPS": [{"client_id": GITHUB_CLIENT_ID, "secret": GITHUB_CLIENT_SECRET}]}}
    if GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET
    else {}
)

# Anonymous visitors may browse the curriculum unless this is on.
CURRICULUM_REQUIRE_LOGIN = env.bool("CURRICULUM_REQUIRE_LOGIN", default=False)

# --- Content Security Policy (django-csp 4, https://django-csp.readthedocs.io/) ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Cohorts: a student is "stalled" after this many days without a progress event. ---
COHORT_STALLED_DAYS = env.int("COHORT_STALLED_DAYS", default=7)

# --- Quizzes: answers arriving this many seconds after an attempt's time limit still count
# (network latency, the page's auto-submit); later ones are not counted and the attempt is closed.
QUIZ_TIME_LIMIT_GRACE_SECONDS = env.int("QUIZ_TIME_LIMIT_GRACE_SECONDS", default=30)
# --- Reminders (reminders app; reminders/README.md) ---------------------------------------------
# Days without a progress event before a student gets an inactivity nudge; also the least number
# of days between two nudges to the same student.
REMINDERS_INACTIVITY_DAYS = env.int("REMINDERS_INACTIVITY_DAYS", default=7)
# ISO weekday (1 = Monday … 7 = Sunday) on which mentors get the weekly digest, at their hour.
REMINDERS_DIGEST_WEEKDAY = env.int("REMINDERS_DIGEST_WEEKDAY", default=1)
# Hand-overs to the mail server per message before it is left as failed (one per run).
REMINDERS_MAX_ATTEMPTS = env.int("REMINDERS_MAX_ATTEMPTS", default=4)
# Seconds after which an attempt whose worker vanished mid-send is given up (no resend: the mail
# server may have accepted it). Longer than CELERY_TASK_TIME_LIMIT.
REMINDERS_CLAIM_TIMEOUT = env.int("REMINDERS_CLAIM_TIMEOUT", default=900)
# Days an unsubscribe link stays valid (django.core.signing max_age).
REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS = env.int("REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS", default=180)
# Optional address added to List-Unsubscribe as mailto: (RFC 2369); empty means the https link only.
REMINDERS_UNSUBSCRIBE_MAILTO = env("REMINDERS_UNSUBSCRIBE_MAILTO", default="")
# --- end of Reminders ---------------------------------------------------------------------------

# =====================================================================================================
# Link checking (linkcheck app). Every value can be set from the environment (see .env.example).
# Read at call time through linkcheck.services.checker_config(); nothing reads them at import.
# =====================================================================================================
# Requests in flight at once, all hosts together, and per host; minimum seconds between two requests
# to one host (politeness: no site is hammered).
LINKCHECK_CONCURRENCY = env.int("LINKCHECK_CONCURRENCY", default=16)
LINKCHECK_PER_HOST_CONCURRENCY = env.int("LINKCHECK_PER_HOST_CONCURRENCY", default=2)
LINKCHECK_PER_HOST_DELAY = env.float("LINKCHECK_PER_HOST_DELAY", default=0.5)  # seconds
# Timeouts in seconds: DNS + TCP + TLS connection, and one whole request attempt.
LINKCHECK_CONNECT_TIMEOUT = env.float("LINKCHECK_CONNECT_TIMEOUT", default=10.0)
LINKCHECK_TOTAL_TIMEOUT = env.float("LINKCHECK_TOTAL_TIMEOUT", default=30.0)
LINKCHECK_MAX_REDIRECTS = env.int("LINKCHECK_MAX_REDIRECTS", default=10)
# Retries after a timeout, a 5xx or a 429: first wait LINKCHECK_BACKOFF seconds, doubled each time;
# a Retry-After header (RFC 9110 §10.2.3) is honoured up to LINKCHECK_RETRY_AFTER_MAX seconds.
LINKCHECK_RETRIES = env.int("LINKCHECK_RETRIES", default=2)
LINKCHECK_BACKOFF = env.float("LINKCHECK_BACKOFF", default=2.0)
LINKCHECK_RETRY_AFTER_MAX = env.float("LINKCHECK_RETRY_AFTER_MAX", default=60.0)
# A GET reads at most this many body bytes (streamed), only when a content rule needs the page.
LINKCHECK_MAX_BODY_BYTES = env.int("LINKCHECK_MAX_BODY_BYTES", default=256 * 1024)
# A link is shown as broken only after this many consecutive failed checks ("blocked" is no failure).
LINKCHECK_FAILURES_BEFORE_BROKEN = env.int("LINKCHECK_FAILURES_BEFORE_BROKEN", default=2)
# Check history kept, in days (older rows are pruned at the end of each full run).
LINKCHECK_HISTORY_DAYS = env.int("LINKCHECK_HISTORY_DAYS", default=90)
# SSRF guard: networks the checker may reach although they are loopback/private/reserved. Empty in
# production; tests allow loopback, e.g. LINKCHECK_ALLOWED_NETWORKS=127.0.0.0/8,::1/128
LINKCHECK_ALLOWED_NETWORKS = env.list("LINKCHECK_ALLOWED_NETWORKS", default=[])
# Request headers. Empty User-Agent: "Mozilla/5.0 (compatible; COINPortalLinkChecker/1.0; +SITE_URL)".
LINKCHECK_USER_AGENT = env("LINKCHECK_USER_AGENT", default="")
LINKCHECK_ACCEPT = env("LINKCHECK_ACCEPT", default="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
LINKCHECK_ACCEPT_LANGUAGE = env("LINKCHECK_ACCEPT_LANGUAGE", default="zh-CN,zh;q=0.9,en;q=0.8")
LINKCHECK_VERIFY_TLS = env.bool("LINKCHECK_VERIFY_TLS", default=True)
# Extra soft-404 / bot-block rules: a JSON file holding a list of rules (see linkcheck/rules.py).
LINKCHECK_RULES_FILE = env("LINKCHECK_RULES_FILE", default="")
# A run that has not written a result for this many seconds is taken over by the next run.
LINKCHECK_RUN_STALE_AFTER = env.int("LINKCHECK_RUN_STALE_AFTER", default=900)
# A link checked less than this many seconds ago is not rechecked on a student's report.
LINKCHECK_RECHECK_MIN_INTERVAL = env.int("LINKCHECK_RECHECK_MIN_INTERVAL", default=300)
# Extra digest recipients besides active staff users with an email address (comma-separated).
LINKCHECK_DIGEST_RECIPIENTS = env.list("LINKCHECK_DIGEST_RECIPIENTS", default=[])
# =====================================================================================================
