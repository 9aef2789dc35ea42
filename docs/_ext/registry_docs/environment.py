"""The environment-variable reference, generated from config/settings.py so the table cannot drift.

`variables()` reads settings.py with `ast` (nothing is imported or run) and finds every lookup of the
environment: the `env_str`, `env_bool`, `env_int` and `env_list` helpers and `os.environ.get`, with
the name and the default as written in the code. `MEANINGS` below says what each one does, in words
for an operator; `table()` joins the two. A variable the code reads and this file does not explain
(or one explained here that the code no longer reads) fails the docs build and the tests.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ROOT / "config" / "settings.py"

HELPERS = {"env_str": "text", "env_bool": "true/false", "env_int": "integer", "env_list": "comma-separated list"}

# name -> (the default in words, or None to show the code's default; what it means)
MEANINGS: dict[str, tuple[str | None, str]] = {
    "REGISTRY_MODE": (
        "`development`",
        "`production` turns on the deployment guards (see `SECRET_KEY` and below), secure cookies, HSTS and "
        "SSL redirect",
    ),
    "DJANGO_DEBUG": ("on in development, off in production", "cannot be on in production"),
    "SECRET_KEY": (
        "a development key",
        "required in production: at least 50 characters, not `django-insecure…`; the process refuses to start "
        "otherwise and says why",
    ),
    "REGISTRY_KEY_ENCRYPTION_KEY": (
        "derived from `SECRET_KEY` (development)",
        "Fernet key(s) encrypting the token-signing keys at rest; comma-separated to rotate (the first encrypts); "
        "required in production, where a key Fernet refuses stops start-up; `manage.py check` (and `check --deploy`) "
        "report one in any mode (`encryption.E001`, naming the key's place in the list, never its value)",
    ),
    "ALLOWED_HOSTS": (
        "`*` (development)",
        "comma-separated host names (`.example.org` for subdomains); required in production, where `*` is refused",
    ),
    "CSRF_TRUSTED_ORIGINS": ("none", "comma-separated origins, when served behind a proxy on another origin"),
    "TRUSTED_PROXY_COUNT": (
        "0",
        "how many proxies of yours stand in front of the registry, each appending to `X-Forwarded-For`; the "
        "client's address (signatures, every per-address limit) is the entry that many places from the right. "
        "0: the socket's peer. See [Security](security.md)",
    ),
    "TRUST_X_FORWARDED_FOR": (
        "",
        "removed: it trusted the leftmost `X-Forwarded-For` entry, which the client writes. Set to true, the "
        "registry refuses to start and says to set `TRUSTED_PROXY_COUNT` instead",
    ),
    "REGISTRY_BASE_URL": (
        "`http://127.0.0.1:8000` (`./run`: `http://127.0.0.1:$PORT`)",
        "public address, used in problem types, token `iss`, new status lists' URIs (each list keeps the one it "
        "was created with), every link in an email (password reset included) and the API's `next`/`previous` "
        "links: never the request's Host header; must be `https://` in production",
    ),
    "REGISTRY_VAR_DIR": ("`./var`", "where the embedded SQLite database lives (and the development C2PA files)"),
    "DATABASE_URL": ("SQLite in `var/`", "e.g. `postgres://user:pass@host:5432/registry`"),
    "DATABASE_REPLICA_URL": (
        "none",
        "a streaming replica of that PostgreSQL: consent checks, token fetches, status lists and API lists read "
        "from it while it is within the bound (see [Scaling](scaling.md))",
    ),
    "REPLICA_MAX_LAG_SECONDS": (
        "2",
        "how far behind the primary a replica may be and still answer; a caller who changed something reads the "
        "primary for this long",
    ),
    "CHECK_LOG_REDIS_URL": (
        "`REDIS_URL`",
        "where consent checks wait to be kept as evidence (rule 2.14) until beat writes them to their table in "
        "bulk; empty: each check is written at once",
    ),
    "CHECK_LOG_KEY": ("`registry:consent:check-log`", "the Redis list that buffer is kept in"),
    "CHECK_LOG_PROCESS_BATCH": (
        "50",
        "checks a web process gathers before one push to that list (pushed within a second anyway)",
    ),
    "CELERY_BROKER_URL": ("none: tasks run in process", "the broker, e.g. `redis://127.0.0.1:6379/0`"),
    "REDIS_URL": (
        "none",
        "read when `CELERY_BROKER_URL` is not set (the broker) and when `THROTTLE_REDIS_URL` is not set "
        "(the throttle counters); the shared cache every web process agrees on (the replica's pins)",
    ),
    "CELERY_VISIBILITY_TIMEOUT": (
        "3600",
        "seconds before Redis redelivers a task whose worker died without acknowledging it; keep it above the "
        "longest task",
    ),
    "WORKER_WATCHDOG_INTERVAL": (
        "15",
        "seconds between a worker's heartbeats to its own queue; 0 turns the watchdog off (see "
        "[Monitoring](monitoring.md))",
    ),
    "WORKER_WATCHDOG_TIMEOUT": (
        "90",
        "seconds of unanswered heartbeats (at least 3) after which an idle worker whose consumer stalled exits "
        "with code 70, for its supervisor to restart it",
    ),
    "WORKER_WATCHDOG_GRACE": (
        "30",
        "seconds a stalled worker's warm shutdown may take; past them the watchdog ends its pool and the "
        "process itself (exit 70)",
    ),
    "TLOG_ORIGIN": (
        "`REGISTRY_BASE_URL`'s host and path + `/log`",
        "the transparency log's origin (and key name); fixed by the first log key",
    ),
    "TLOG_SEQUENCE_INTERVAL": ("2", "seconds between beat's sequencer runs"),
    "TLOG_BATCH_SIZE": ("5000", "leaves per sequencer batch (one signed checkpoint each)"),
    "TLOG_SEQUENCE_ON_DEMAND": (
        "on without a broker",
        "readers of the log (checkpoint, proofs, token endpoint) sequence pending leaves first",
    ),
    "TLOG_KEY_OVERLAP_DAYS": ("30", "days a rotated-out log key keeps co-signing checkpoints"),
    "TLOG_WITNESS_TIMEOUT": ("10", "seconds a witness may take to cosign"),
    "STAFF_OTP_REQUIRED": (
        "off in development; always on in production",
        "staff must verify a TOTP code after their password (see [Two-factor sign-in](../staff/console.md))",
    ),
    "OTP_TOTP_ISSUER": (
        "`Performer Consent Registry`",
        "the name authenticator apps show beside a staff member's TOTP code",
    ),
    "STATIC_ROOT": ("`./staticfiles`", "where `collectstatic` writes"),
    "EMAIL_BACKEND": ("console (development), SMTP (production)", "Django email backend"),
    "EMAIL_HOST": ("`localhost`", "SMTP server"),
    "EMAIL_PORT": ("25", "SMTP port"),
    "EMAIL_HOST_USER": ("", "SMTP user name"),
    "EMAIL_HOST_PASSWORD": ("", "SMTP password"),
    "EMAIL_USE_TLS": ("off", "SMTP with STARTTLS"),
    "DEFAULT_FROM_EMAIL": ("`registry@localhost`", "the sender of every email"),
    "EMAIL_FILE_PATH": (
        "`var/mail`",
        "where Django's file-based email backend writes, when `EMAIL_BACKEND` names it",
    ),
    "SECURE_SSL_REDIRECT": ("on in production", "turn off only when the proxy already redirects"),
    "SECURE_HSTS_SECONDS": ("31536000", "HSTS max-age in production"),
    "STATUS_LIST_TTL": ("300", "status list cache time (seconds)"),
    "STATUS_LIST_LIFETIME": ("86400", "status list validity (seconds)"),
    "STATUS_LIST_SIZE": ("131072", "slots per status list"),
    "PRESENTATION_LINK_DAYS": (
        "30",
        "how long a presentation link a performer shares answers (at most until the consent's term ends)",
    ),
    "C2PA_CERT_CHAIN_FILE": (
        "`var/c2pa/chain.pem`",
        "the registry's C2PA signing certificate chain (PEM, leaf first); media signing answers 503 without it",
    ),
    "C2PA_PRIVATE_KEY_FILE": ("`var/c2pa/key.pem`", "the private key of that certificate"),
    "C2PA_TRUST_ANCHORS_FILE": (
        "the root of the registry's own chain",
        "PEM certificates a file's manifest must chain to, to be believed (add studios' roots to believe their "
        "own signatures)",
    ),
    "API_KEY_CACHE_SECONDS": (
        "5",
        "how long a process trusts an API key it authenticated without reading it again (0: never)",
    ),
    "THROTTLE_REDIS_URL": (
        "`REDIS_URL`",
        "where throttle counters live (Redis); without either, each process counts in memory",
    ),
    "API_THROTTLE_RATE": (
        "`6000/min`",
        "requests per API key per window (`<n>/<second, minute, hour or day>`); over it, 429 with `Retry-After`",
    ),
    "EXPORT_STREAM_MAX_ROWS": (
        "100000",
        "staff console exports reading more records than this are written to a file by a worker instead of streamed",
    ),
    "REGISTRY_EXPORT_DIR": (
        "`./var/exports` (`/var/lib/registry/exports` in the image)",
        "where export files are written: must be writable by the workers and readable by the web processes (the "
        "same volume for both); created on first use",
    ),
    "EXPORT_KEEP_DAYS": ("7", "export files are deleted this many days after they were written"),
    "WEBHOOK_TIMEOUT_SECONDS": ("10", "how long one delivery attempt may take"),
    "WEBHOOK_DISABLE_AFTER_SECONDS": (
        "259200 (3 days)",
        "an endpoint failing every attempt this long is disabled and its studio's contacts emailed",
    ),
    "WEBHOOK_ALLOWED_NETWORKS": (
        "none",
        "CIDR networks webhooks may reach although private (e.g. a receiver on the same private network); "
        "loopback, private and link-local addresses are refused otherwise",
    ),
    "WEBHOOK_REQUIRE_HTTPS": ("on in production", "refuse `http://` endpoint URLs"),
    "LOG_LEVEL": ("`INFO`", "root log level"),
}


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    default: str  # as written in settings.py ("" when none)
    line: int


def variables(path: Path = SETTINGS) -> list[Variable]:
    """Every environment variable settings.py reads, in the order it first reads them."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    helpers = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)} & set(HELPERS)
    found: dict[str, Variable] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func, kind = node.func, None
        if isinstance(func, ast.Name) and func.id in helpers:
            kind = HELPERS[func.id]
        elif isinstance(func, ast.Attribute) and ast.unparse(func) in {"os.environ.get", "os.getenv"}:
            kind = "text"
        first = node.args[0]
        if kind is None or not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        default_node = node.args[1] if len(node.args) > 1 else None
        for keyword in node.keywords:
            if keyword.arg == "default":
                default_node = keyword.value
        default = ast.get_source_segment(source, default_node) if default_node is not None else ""
        variable = Variable(first.value, kind, " ".join((default or "").split()), node.lineno)
        if variable.name not in found or variable.line < found[variable.name].line:
            found[variable.name] = variable
    return sorted(found.values(), key=lambda v: v.line)


def drift() -> tuple[list[str], list[str]]:
    """(read by the code but not explained here, explained here but not read by the code)."""
    names = [v.name for v in variables()]
    return [n for n in names if n not in MEANINGS], [n for n in MEANINGS if n not in names]


def label(name: str) -> str:
    return "env-" + name.lower().replace("_", "-")


def table() -> str:
    """A short index, then a section per variable (anchored `env-<name>`, readable on a phone)."""
    from .text import plain

    found = variables()
    lines = [" · ".join(f"{{ref}}`{v.name} <{label(v.name)}>`" for v in found), ""]
    for variable in found:
        words, meaning = MEANINGS.get(variable.name, (None, "**not documented**"))
        default = words if words is not None else (f"`{variable.default}`" if variable.default else "")
        lines += [
            f"({label(variable.name)})=",
            f"## `{variable.name}`",
            "",
            plain(meaning[0].upper() + meaning[1:]) + ".",
            "",
            f"*Kind*: {variable.kind}. *Default*: {plain(default) or 'none'}. "
            f"*Read at*: `config/settings.py:{variable.line}`.",
            "",
        ]
    return "\n".join(lines)
