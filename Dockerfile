# syntax=docker/dockerfile:1
# Kith's one image: the web server by default; docker-compose.yml runs the migration, the Celery worker and
# Celery beat from the same image with other commands.
FROM python:3.12-slim

# No .pyc files in the read-only code tree, logs straight to `docker logs`, no pip cache in the layers and
# no warning about pip running as root, which is right while building.
# gunicorn takes its worker count from WEB_CONCURRENCY; three sync workers suit a personal CRM on a small
# host, and `docker run -e WEB_CONCURRENCY=...` changes it without touching the command.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    KITH_DATA_DIR=/data \
    WEB_CONCURRENCY=3

# The app runs as an unprivileged user. Its home is writable because gunicorn keeps its control socket in
# ~/.gunicorn; the code in /app stays owned by root, so the running app cannot change it.
RUN groupadd --system --gid 1000 kith \
    && useradd --system --uid 1000 --gid kith --create-home --home-dir /home/kith --shell /usr/sbin/nologin kith

WORKDIR /app

# Dependencies first, in their own layer, so editing the code does not reinstall them. pyproject.toml
# declares no packages (the code runs from /app), so this installs only the runtime dependencies, at the
# exact versions CI tested; the dev extra (pytest, playwright, ...) stays out of the image. The build leaves
# setuptools' scratch folders next to pyproject.toml; they have no place in /app.
COPY pyproject.toml constraints.txt ./
RUN pip install -c constraints.txt . \
    && rm -rf build kith.egg-info

COPY . .

# Static files are collected into the image, where WhiteNoise serves them with hashed names. Settings need
# a SECRET_KEY to import: this throwaway one exists only for this command (it is not an ENV, so it is not in
# the image), and the data folder settings create is a temporary one, removed again.
RUN SECRET_KEY=collectstatic-only-not-a-secret KITH_DATA_DIR=/tmp/kith-build \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/kith-build

# /data holds what Kith writes: the beat schedule, the generated secret key when SECRET_KEY is unset, and
# with the embedded defaults the SQLite database and the mail folder. A new named volume copies this
# ownership, so the kith user can write to it.
RUN mkdir -p /data && chown kith:kith /data
VOLUME ["/data"]

USER kith

EXPOSE 8000

# Plain python, since the slim image has no curl. urlopen raises on a 503, so the probe fails exactly when
# /health/ reports the database or the broker down. Worker and beat containers from this image serve no
# HTTP; docker-compose.yml disables this check for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4)"]

# /dev/shm for the worker heartbeat files: on a container's overlay filesystem they can stall workers.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
