"""Small pure pieces: the service registry, the status mapping, migration discovery."""

from pathlib import Path

import grpc
import pytest

from gateway.grpc_errors import http_status
from launcher.cli import main as mgov
from launcher.topology import SERVICES, UnknownService, service
from mgov_common.migrations import MigrationError, discover


def test_an_unknown_service_name_is_a_clear_error() -> None:
    with pytest.raises(UnknownService, match="unknown service 'billing'; the services are: identity, catalog, workflow, notify"):
        service("billing")


def test_the_cli_refuses_an_unknown_service_name(caplog: pytest.LogCaptureFixture) -> None:
    assert mgov(["health", "billing"]) == 2
    assert "unknown service 'billing'" in caplog.text


def test_every_service_has_its_migrations_folder() -> None:
    for info in SERVICES.values():
        assert info.migrations.is_dir(), info.name


@pytest.mark.parametrize(
    ("code", "detail", "status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, "", 422),
        (grpc.StatusCode.UNAUTHENTICATED, "", 401),
        (grpc.StatusCode.PERMISSION_DENIED, "", 403),
        (grpc.StatusCode.NOT_FOUND, "", 404),
        (grpc.StatusCode.ALREADY_EXISTS, "", 409),
        (grpc.StatusCode.FAILED_PRECONDITION, "", 409),
        (grpc.StatusCode.FAILED_PRECONDITION, "precondition_required", 428),
        (grpc.StatusCode.ABORTED, "", 412),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "", 429),
        (grpc.StatusCode.UNAVAILABLE, "", 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, "", 504),
        (grpc.StatusCode.INTERNAL, "", 500),
    ],
)
def test_grpc_status_maps_to_http_in_one_place(code: grpc.StatusCode, detail: str, status: int) -> None:
    assert http_status(code, detail) == status


def test_migration_files_must_be_numbered(tmp_path: Path) -> None:
    (tmp_path / "init.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_lower_snake.sql"):
        discover(tmp_path)


def test_two_migrations_may_not_share_a_number(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="share the number 0001"):
        discover(tmp_path)


def test_migrations_are_applied_in_number_order(tmp_path: Path) -> None:
    for name in ("0002_b.sql", "0010_c.sql", "0001_a.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    assert [m.version for m in discover(tmp_path)] == ["0001_a", "0002_b", "0010_c"]
