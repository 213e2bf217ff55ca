#!/usr/bin/env bash
# Build the image with Cloud Build and create or update the Cloud Run jobs (the same image, different args):
#   elt-daily         `elt --target bigquery run`: every configured loader (supplier files, Linnworks, What Drops
#                     Now when WDN_BASE_URL is set), then dbt build (the image's default)
#   elt-linnworks     `elt load linnworks`: all Linnworks resources, processed orders included
#   elt-stock-levels  `elt load linnworks --resources stock_levels`
#   elt-badapi        `elt load badapi --build`: load, then rebuild the bad-API models (unless BADAPI_BASE_URL is empty)
#   export GOOGLE_CLOUD_PROJECT=my-project; bash deploy/deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/settings.sh

gcloud builds submit --project "$PROJECT_ID" --region "$REGION" --tag "$IMAGE" .

secrets=""
for secret in $LINNWORKS_SECRETS; do
    secrets="${secrets:+${secrets},}${secret}=${secret}:latest"
done
env_vars="^|^GOOGLE_CLOUD_PROJECT=${PROJECT_ID}|ELT_BIGQUERY_LOCATION=${BIGQUERY_LOCATION}|LOG_FORMAT=json"
env_vars="${env_vars}|SOURCES__SUPPLIER_STOCK__FEEDS_URL=${FEEDS_URL}"
env_vars="${env_vars}|SOURCES__SUPPLIER_STOCK__PRODUCTS_URL=${PRODUCTS_URL}"
env_vars="${env_vars}|SOURCES__SUPPLIER_STOCK__STORES_URL=${STORES_URL}"
if [[ -n "$WDN_BASE_URL" ]]; then
    env_vars="${env_vars}|SOURCES__WDN__BASE_URL=${WDN_BASE_URL}"
fi
# Only the bad API's own jobs load it: were elt-daily to load it too, two runs could meet on its dlt state.
badapi_env_vars="${env_vars}|SOURCES__BADAPI__BASE_URL=${BADAPI_BASE_URL}"

deploy_job() {  # NAME TIMEOUT ARGS [ENV [SECRETS]] (ARGS comma-separated, empty: the image's default command)
    local name="$1" timeout="$2" args="$3" env="${4:-$env_vars}" job_secrets="${5-$secrets}"
    local command=(gcloud run jobs deploy "$name" --project "$PROJECT_ID" --region "$REGION" --image "$IMAGE"
        --service-account "$JOB_SERVICE_ACCOUNT" --set-env-vars "$env"
        --tasks 1 --parallelism 1 --max-retries 1 --task-timeout "$timeout" --cpu 2 --memory 2Gi)
    if [[ -n "$job_secrets" ]]; then
        command+=(--set-secrets "$job_secrets")
    else
        command+=(--clear-secrets)
    fi
    if [[ -n "$args" ]]; then
        command+=(--args "$args")
    fi
    "${command[@]}"
}

# Every job holds the warehouse lease (raw_elt.lease) while it writes; ELT_LOCK_WAIT_SECONDS is how long it waits
# for another job's lease before it gives up, always shorter than its own timeout and its schedule's period.
# elt-daily (06:00) may wait out the whole Linnworks sync (05:30, up to an hour), so it gets two hours.
deploy_job elt-daily 7200s "" "${env_vars}|ELT_LOCK_WAIT_SECONDS=3600"
deploy_job elt-linnworks 3600s "load,linnworks" "${env_vars}|ELT_LOCK_WAIT_SECONDS=600"
deploy_job elt-stock-levels 840s "load,linnworks,--resources,stock_levels" "${env_vars}|ELT_LOCK_WAIT_SECONDS=480"
if [[ -n "$BADAPI_BASE_URL" ]]; then
    # Shorter than the 5-minute cadence, so one run ends before the next starts; no Linnworks secrets needed.
    deploy_job elt-badapi 240s "load,badapi,--build" "${badapi_env_vars}|ELT_LOCK_WAIT_SECONDS=120" ""
fi

echo "Run one now: gcloud run jobs execute elt-daily --project $PROJECT_ID --region $REGION --wait"
