#!/usr/bin/env bash
# One-time setup of a Google Cloud project for the elt Cloud Run jobs (idempotent: safe to run again).
#   export GOOGLE_CLOUD_PROJECT=my-project; bash deploy/setup.sh
# Creates: the APIs, an Artifact Registry repository, two service accounts (the job's, the scheduler's),
# the BigQuery datasets in $BIGQUERY_LOCATION with the job's access, and empty Linnworks secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/settings.sh

gcloud services enable --project "$PROJECT_ID" \
    run.googleapis.com cloudscheduler.googleapis.com cloudbuild.googleapis.com \
    artifactregistry.googleapis.com bigquery.googleapis.com secretmanager.googleapis.com

gcloud artifacts repositories describe "$REPOSITORY" --project "$PROJECT_ID" --location "$REGION" >/dev/null 2>&1 ||
    gcloud artifacts repositories create "$REPOSITORY" --project "$PROJECT_ID" --location "$REGION" \
        --repository-format docker --description "elt Cloud Run job images"

for account in "$JOB_SERVICE_ACCOUNT" "$SCHEDULER_SERVICE_ACCOUNT"; do
    name="${account%%@*}"
    gcloud iam service-accounts describe "$account" --project "$PROJECT_ID" >/dev/null 2>&1 ||
        gcloud iam service-accounts create "$name" --project "$PROJECT_ID" --display-name "$name"
done

# The job runs BigQuery jobs (queries, loads) in the project ...
gcloud projects add-iam-policy-binding "$PROJECT_ID" --condition None --quiet \
    --member "serviceAccount:${JOB_SERVICE_ACCOUNT}" --role roles/bigquery.jobUser >/dev/null
# ... and edits the tables of its own datasets only (BigQuery Data Editor on each dataset).
for dataset in $DATASETS; do
    bq --project_id "$PROJECT_ID" show "${PROJECT_ID}:${dataset}" >/dev/null 2>&1 ||
        bq --project_id "$PROJECT_ID" --location "$BIGQUERY_LOCATION" mk --dataset "${PROJECT_ID}:${dataset}"
    bq --project_id "$PROJECT_ID" --location "$BIGQUERY_LOCATION" query --nouse_legacy_sql --quiet \
        "GRANT \`roles/bigquery.dataEditor\` ON SCHEMA \`${PROJECT_ID}\`.${dataset} TO \"serviceAccount:${JOB_SERVICE_ACCOUNT}\""
done

# Linnworks and eBay credentials: one secret per setting, mounted into the job as the env var of the same name.
for secret in $LINNWORKS_SECRETS $EBAY_SECRETS; do
    gcloud secrets describe "$secret" --project "$PROJECT_ID" >/dev/null 2>&1 ||
        gcloud secrets create "$secret" --project "$PROJECT_ID" --replication-policy automatic
    gcloud secrets add-iam-policy-binding "$secret" --project "$PROJECT_ID" --quiet \
        --member "serviceAccount:${JOB_SERVICE_ACCOUNT}" --role roles/secretmanager.secretAccessor >/dev/null
done

cat <<MESSAGE
Done. Next:
  1. Store the Linnworks credentials (once, and whenever they change):
       printf %s "\$VALUE" | gcloud secrets versions add SOURCES__LINNWORKS__APPLICATION_ID --data-file=-
     (likewise SOURCES__LINNWORKS__APPLICATION_SECRET and SOURCES__LINNWORKS__TOKEN, and with EBAY_STORES set
     SOURCES__EBAY__CLIENT_ID, SOURCES__EBAY__CLIENT_SECRET and SOURCES__EBAY__<STORE>__REFRESH_TOKEN per store)
  2. Let the job read the seller's files, e.g.:
       gcloud storage buckets add-iam-policy-binding gs://${PROJECT_ID}-elt-files \\
         --member serviceAccount:${JOB_SERVICE_ACCOUNT} --role roles/storage.objectViewer
  3. bash deploy/deploy.sh     (build the image, create the Cloud Run jobs)
  4. bash deploy/schedule.sh   (Cloud Scheduler triggers)
MESSAGE
