# syntax=docker/dockerfile:1
# Build stage: wheels for the pinned requirements, compiled once.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install -r requirements.txt
# The guide (docs/), built with its own virtualenv that stays in this stage; warnings are errors.
# Its generators read config/settings.py and the schema file as text and import only the pure
# registry/core modules (the problem catalogue), so no database or settings are needed.
COPY requirements-docs.txt .
RUN python -m venv /opt/docs-venv && /opt/docs-venv/bin/pip install -r requirements-docs.txt
COPY docs ./docs
COPY config ./config
COPY registry ./registry
RUN /opt/docs-venv/bin/python -m sphinx -b html -W --keep-going -q -d /build/doctrees docs /build/guide

# Runtime stage: the virtualenv, the code, collected static files; runs as a non-root user.
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    REGISTRY_MODE=production \
    REGISTRY_VAR_DIR=/tmp/registry \
    REGISTRY_EXPORT_DIR=/var/lib/registry/exports \
    STATIC_ROOT=/app/staticfiles
RUN groupadd --system --gid 10001 registry \
 && useradd --system --uid 10001 --gid registry --home-dir /app --shell /usr/sbin/nologin registry \
 && mkdir -p /var/lib/registry/exports && chown -R registry:registry /var/lib/registry
# Export files (staff console): the one writable path besides /tmp. Mount a volume here, shared by
# the web and worker containers (a new named volume takes this directory's owner).
VOLUME /var/lib/registry/exports
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=registry:registry manage.py ./
COPY --chown=registry:registry config ./config
COPY --chown=registry:registry registry ./registry
# The integration guide and its example, served at /integration-guide.
COPY --chown=registry:registry docs/integration-guide.md ./docs/integration-guide.md
COPY --chown=registry:registry docs/examples/studio_client.py ./docs/examples/studio_client.py
# The guide for every reader, served at /docs/.
COPY --from=build --chown=registry:registry /build/guide ./docs/_build/html
# collectstatic needs settings to import; build-time placeholders satisfy the production guard
# and are not baked into the image's environment.
RUN SECRET_KEY=build-only-placeholder-secret-key-0123456789abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=build.invalid REGISTRY_BASE_URL=https://build.invalid \
    REGISTRY_KEY_ENCRYPTION_KEY=YnVpbGQtb25seS1wbGFjZWhvbGRlci0zMmJ5dGVzISE= \
    python manage.py collectstatic --noinput \
 && chown -R registry:registry /app/staticfiles
USER registry:registry
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
# gunicorn writes its worker heartbeat files to /tmp, so the root filesystem can be read-only.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/tmp", "--access-logfile", "-", "--forwarded-allow-ips", "*"]
