#!/usr/bin/env bash
# Cloud Scheduler triggers for the Cloud Run jobs (created or updated):
#   elt-linnworks     daily at 05:30  (orders and the other Linnworks resources)
#   elt-daily         daily at 06:00  (supplier feeds and store files, then dbt build of every layer)
#   elt-stock-levels  every 15 minutes but 05:00-06:59 (Linnworks stock levels only)
#   elt-badapi        every 5 minutes but 05:00-06:59 (the bad API's products and availability, then its models),
#                     unless BADAPI_BASE_URL is empty
# One job writes at a time (the lease in raw_elt.lease): the frequent jobs pause while the Linnworks sync and the
# daily build hold the warehouse (the sync loads stock levels itself), instead of queueing behind them and failing.
#   export GOOGLE_CLOUD_PROJECT=my-project; bash deploy/schedule.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/settings.sh

schedule() {  # JOB CRON
    local job="$1" cron="$2"
    local uri="https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/${job}:run"
    # The scheduler's service account may run this job and nothing else.
    gcloud run jobs add-iam-policy-binding "$job" --project "$PROJECT_ID" --region "$REGION" --quiet \
        --member "serviceAccount:${SCHEDULER_SERVICE_ACCOUNT}" --role roles/run.invoker >/dev/null
    local verb=create
    if gcloud scheduler jobs describe "$job" --project "$PROJECT_ID" --location "$REGION" >/dev/null 2>&1; then
        verb=update
    fi
    gcloud scheduler jobs "$verb" http "$job" --project "$PROJECT_ID" --location "$REGION" \
        --schedule "$cron" --time-zone "$TIME_ZONE" --uri "$uri" --http-method POST \
        --oauth-service-account-email "$SCHEDULER_SERVICE_ACCOUNT"
}

schedule elt-linnworks "30 5 * * *"
schedule elt-daily "0 6 * * *"
schedule elt-stock-levels "*/15 0-4,7-23 * * *"
if [[ -n "$BADAPI_BASE_URL" ]]; then
    schedule elt-badapi "*/5 0-4,7-23 * * *"
fi
