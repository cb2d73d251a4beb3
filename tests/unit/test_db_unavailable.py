"""Which failures mean "the database is away, retry shortly" (UNAVAILABLE, 503) rather than
a bug in a query (INTERNAL)."""

import asyncpg

from mgov_common.db import is_unavailable


def test_a_refused_or_dropped_connection_and_a_starting_server_mean_the_database_is_away() -> None:
    assert is_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert is_unavailable(asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"))
    assert is_unavailable(asyncpg.CannotConnectNowError("the database system is starting up"))
    assert is_unavailable(asyncpg.AdminShutdownError("terminating connection due to administrator command"))
    assert is_unavailable(asyncpg.InterfaceError("cannot call Transaction.rollback(): the underlying connection is closed"))


def test_an_error_raised_while_handling_a_lost_connection_is_the_lost_connection() -> None:
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        except asyncpg.ConnectionDoesNotExistError:
            raise asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress")  # noqa: B904
    except asyncpg.InternalClientError as exc:
        assert is_unavailable(exc)


def test_a_failing_query_is_not_an_unavailable_database() -> None:
    assert not is_unavailable(asyncpg.UniqueViolationError("duplicate key"))
    assert not is_unavailable(asyncpg.QueryCanceledError("canceling statement due to statement timeout"))
    assert not is_unavailable(asyncpg.InterfaceError("cannot perform operation: another operation is in progress"))
    assert not is_unavailable(ValueError("bad input"))
