# The desk in a container: `docker compose up -d` (see compose.yaml and the README).
FROM python:3.11-slim

# The CJK font draws the managers' charts with Chinese labels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY scheduler ./scheduler
COPY locales ./locales
COPY migrations ./migrations
RUN pip install --no-cache-dir ".[postgres]" && rm -rf /src

RUN useradd --create-home --uid 10001 desk && mkdir -p /data && chown desk /data
USER desk
WORKDIR /data
ENV PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/estate-desk.db

# Fails when the configuration is broken: `docker compose run --rm bot doctor`.
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
