"""`python -m services.catalog`: run the catalog gRPC service."""

from mgov_common.runtime import main
from services.catalog.bootstrap import MIGRATIONS, bootstrap
from services.catalog.settings import CatalogSettings

if __name__ == "__main__":
    main(CatalogSettings, bootstrap, MIGRATIONS)
