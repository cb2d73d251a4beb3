"""`python -m services.enforcement`: run the enforcement gRPC service."""

from mgov_common.runtime import main
from services.enforcement.bootstrap import MIGRATIONS, bootstrap
from services.enforcement.settings import EnforcementSettings

if __name__ == "__main__":
    main(EnforcementSettings, bootstrap, MIGRATIONS)
