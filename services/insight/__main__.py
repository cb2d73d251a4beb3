"""`python -m services.insight`: run the insight gRPC service."""

from mgov_common.runtime import main
from services.insight.bootstrap import MIGRATIONS, bootstrap
from services.insight.settings import InsightSettings

if __name__ == "__main__":
    main(InsightSettings, bootstrap, MIGRATIONS)
