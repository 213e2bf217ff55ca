#!/usr/bin/env bash
# Build the image with Cloud Build and create or update the Cloud Run jobs (the same image, different args):
#   elt-daily         `elt --target bigquery run`: every configured loader, then dbt build (the image's default)
#   elt-linnworks     `elt load linnworks`: all Linnworks resources, processed orders included
#   elt-stock-levels  `elt load linnworks --resources stock_levels`
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

deploy_job() {  # NAME TIMEOUT [ARGS (comma-separated; empty: the image's default command)]
    local name="$1" timeout="$2" args="${3:-}"
    local command=(gcloud run jobs deploy "$name" --project "$PROJECT_ID" --region "$REGION" --image "$IMAGE"
        --service-account "$JOB_SERVICE_ACCOUNT" --set-env-vars "$env_vars" --set-secrets "$secrets"
        --tasks 1 --parallelism 1 --max-retries 1 --task-timeout "$timeout" --cpu 2 --memory 2Gi)
    if [[ -n "$args" ]]; then
        command+=(--args "$args")
    fi
    "${command[@]}"
}

deploy_job elt-daily 3600s
deploy_job elt-linnworks 3600s "load,linnworks"
deploy_job elt-stock-levels 600s "load,linnworks,--resources,stock_levels"

echo "Run one now: gcloud run jobs execute elt-daily --project $PROJECT_ID --region $REGION --wait"
