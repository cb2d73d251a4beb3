"""`python -m services.identity`: run the identity gRPC service."""

from mgov_common.runtime import main
from services.identity.bootstrap import MIGRATIONS, bootstrap
from services.identity.settings import IdentitySettings

if __name__ == "__main__":
    main(IdentitySettings, bootstrap, MIGRATIONS)
