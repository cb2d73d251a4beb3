"""`python -m services.payment`: run the payment gRPC service."""

from mgov_common.runtime import main
from services.payment.bootstrap import MIGRATIONS, bootstrap
from services.payment.settings import PaymentSettings

if __name__ == "__main__":
    main(PaymentSettings, bootstrap, MIGRATIONS)
