# Settings shared by the deploy scripts: `source deploy/settings.sh` after exporting your own values.
# Nothing secret lives here: Linnworks credentials go into Secret Manager (setup.sh prints how).
: "${GOOGLE_CLOUD_PROJECT:?set GOOGLE_CLOUD_PROJECT to the project that holds the warehouse}"
export PROJECT_ID="${GOOGLE_CLOUD_PROJECT}"
export REGION="${REGION:-europe-west2}"                       # Cloud Run, Scheduler, Artifact Registry
export BIGQUERY_LOCATION="${ELT_BIGQUERY_LOCATION:-EU}"      # where the datasets live
export REPOSITORY="${REPOSITORY:-elt}"                        # Artifact Registry (docker) repository
export IMAGE="${IMAGE:-${REGION}-docker.pkg.dev/${PROJECT_ID}/${REPOSITORY}/elt:latest}"
export JOB_SERVICE_ACCOUNT="${JOB_SERVICE_ACCOUNT:-elt-job@${PROJECT_ID}.iam.gserviceaccount.com}"
export SCHEDULER_SERVICE_ACCOUNT="${SCHEDULER_SERVICE_ACCOUNT:-elt-scheduler@${PROJECT_ID}.iam.gserviceaccount.com}"
export TIME_ZONE="${TIME_ZONE:-Europe/London}"
# The seller's files (read by `elt run`): gs:// URLs, `{date}` becomes the feed date.
export FEEDS_URL="${FEEDS_URL:-gs://${PROJECT_ID}-elt-files/feeds/{date}/}"
export PRODUCTS_URL="${PRODUCTS_URL:-gs://${PROJECT_ID}-elt-files/Stock Feed Master.xlsx}"
export STORES_URL="${STORES_URL:-gs://${PROJECT_ID}-elt-files/stores/}"
# The two other APIs. What Drops Now is loaded by `elt run` (elt-daily) when SOURCES__WDN__BASE_URL is set; the
# bad API by its own job every 5 minutes (elt-badapi: `elt load badapi --build`, the load then its models).
# Export either as empty (`export WDN_BASE_URL=`) to leave that source out: no env var, no job, no schedule.
export WDN_BASE_URL="${WDN_BASE_URL-https://www.whatdropsnow.com/api/v1}"
export BADAPI_BASE_URL="${BADAPI_BASE_URL-https://bad-api-assignment.reaktor.com}"
# Datasets the jobs write: dlt's raw datasets (+ the `_staging` datasets dlt merges through), the run history
# (raw_elt, merged on the run's start time) and dbt's layers.
export DATASETS="raw_supplier_stock raw_supplier_stock_staging raw_linnworks raw_linnworks_staging raw_wdn raw_wdn_staging raw_badapi raw_badapi_staging raw_ebay raw_ebay_staging raw_elt raw_elt_staging staging intermediate marts"
# Secret Manager secret name = env var the job sees.
export LINNWORKS_SECRETS="SOURCES__LINNWORKS__APPLICATION_ID SOURCES__LINNWORKS__APPLICATION_SECRET SOURCES__LINNWORKS__TOKEN"
# eBay: the stores (each its own seller account) that elt-daily reads and pushes to, e.g. `export EBAY_STORES="AMS
# CPO RTG"`; empty (the default) leaves eBay out. Each store's refresh token is a secret of its own; the push
# runs after a passing build unless ELT_PUSH_EBAY=false (then elt-daily only reads eBay).
export EBAY_STORES="${EBAY_STORES-}"
export ELT_PUSH_EBAY="${ELT_PUSH_EBAY:-true}"
EBAY_SECRETS=""
if [[ -n "$EBAY_STORES" ]]; then
    EBAY_SECRETS="SOURCES__EBAY__CLIENT_ID SOURCES__EBAY__CLIENT_SECRET"
    for store in $EBAY_STORES; do
        EBAY_SECRETS="${EBAY_SECRETS} SOURCES__EBAY__${store^^}__REFRESH_TOKEN"
    done
fi
export EBAY_SECRETS
