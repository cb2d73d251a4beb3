"""`python -m services.appointment`: run the appointment gRPC service."""

from mgov_common.runtime import main
from services.appointment.bootstrap import MIGRATIONS, bootstrap
from services.appointment.settings import AppointmentSettings

if __name__ == "__main__":
    main(AppointmentSettings, bootstrap, MIGRATIONS)
