# The hall app under gunicorn. Used by docker-compose.yml (PostgreSQL next to it); see README, "Docker".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Import the project from /app (templates, static and locale live next to it), not the installed copy.
    PYTHONPATH=/app

# gettext only for compilemessages at build time. pg_dump/pg_restore for `manage.py backup` and `restore`: the
# client must be at least the server's major version (postgres:16 in docker-compose.yml), and Debian ships 15, so
# postgresql-client-16 comes from the PostgreSQL project's apt repository (key shipped in postgresql-common).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates gettext postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Exactly the locked, hashed runtime dependencies (README, "依赖锁定"), then the project without dependencies.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt
COPY . .
RUN pip install --no-deps --no-build-isolation . && pip check

# Static files and translations are baked into the image. The server refuses to start without SECRET_KEY when
# DEBUG is off; the build signs nothing, and the real key comes from the environment at run time.
RUN DEBUG=0 SECRET_KEY=build-only-dummy-key python manage.py collectstatic --noinput \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
         DEBUG=0 SECRET_KEY=build-only-dummy-key python manage.py compilemessages; \
       fi

RUN useradd --system --uid 10001 --home-dir /app hall \
    # `manage.py backup` writes here; docker-compose.yml mounts the volume `backups` on it.
    && install -d -o hall -g hall /app/var/backups
USER hall

EXPOSE 8000
# Workers: gunicorn reads WEB_CONCURRENCY (set in docker-compose.yml).
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn jinjie.wsgi --bind 0.0.0.0:8000 --access-logfile - --error-logfile -"]
