"""`python -m services.workflow`: run the workflow gRPC service."""

from mgov_common.runtime import main
from services.workflow.bootstrap import MIGRATIONS, bootstrap
from services.workflow.settings import WorkflowSettings

if __name__ == "__main__":
    main(WorkflowSettings, bootstrap, MIGRATIONS)
