# The `elt` Cloud Run job: dlt loaders and dbt, writing to BigQuery.
#   docker build -t elt .        docker run --rm -e GOOGLE_CLOUD_PROJECT=my-project elt
# Default command: `elt --target bigquery run` (the daily job); other jobs pass other args, e.g.
# `load linnworks --resources stock_levels` (ELT_TARGET=bigquery is set, so the target is BigQuery anyway). Settings and secrets come from the environment (docs/bigquery.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ELT_TARGET=bigquery \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    RUNTIME__DLTHUB_TELEMETRY=false \
    PYTHONPATH=/app

# A user without a login or privileges; its home keeps the local dlt and dbt working files (~/.elt).
RUN groupadd --system --gid 10001 elt \
    && useradd --system --no-log-init --uid 10001 --gid elt --create-home --home-dir /home/elt elt

WORKDIR /app

# Dependencies first, exactly as locked, so code changes reuse this layer: the runtime lock only (no test, lint or
# browser tooling; requirements-dev.lock is for development).
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# The project: the `loaders` and `elt` packages and the dbt project (models, macros, seeds, singular tests,
# profiles.example.yml). .dockerignore keeps out the development-only `sandboxes` package, the pytest suites and
# the benchmarks. PYTHONPATH=/app makes `elt` import the packages from here, beside the dbt project it reads.
COPY . .
RUN pip install --no-cache-dir --no-deps .

USER 10001:10001
ENTRYPOINT ["elt"]
CMD ["run", "--target", "bigquery"]
