# The hall app under gunicorn. Used by docker-compose.yml (PostgreSQL next to it); see README, "Docker".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Import the project from /app (templates, static and locale live next to it), not the installed copy.
    PYTHONPATH=/app

# gettext only for compilemessages at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN pip install .

# Static files and translations are baked into the image. The server refuses to start without SECRET_KEY when
# DEBUG is off; the build signs nothing, and the real key comes from the environment at run time.
RUN DEBUG=0 SECRET_KEY=build-only-dummy-key python manage.py collectstatic --noinput \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
         DEBUG=0 SECRET_KEY=build-only-dummy-key python manage.py compilemessages; \
       fi

RUN useradd --system --uid 10001 --home-dir /app hall
USER hall

EXPOSE 8000
# Workers: gunicorn reads WEB_CONCURRENCY (set in docker-compose.yml).
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py createcachetable && exec gunicorn jinjie.wsgi --bind 0.0.0.0:8000 --access-logfile - --error-logfile -"]
