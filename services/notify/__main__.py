"""`python -m services.notify`: run the notify gRPC service."""

from mgov_common.runtime import main
from services.notify.bootstrap import MIGRATIONS, bootstrap
from services.notify.settings import NotifySettings

if __name__ == "__main__":
    main(NotifySettings, bootstrap, MIGRATIONS)
