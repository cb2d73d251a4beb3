"""If-Match parsing for case actions: the version of the case's ETag, or the right problem."""

from __future__ import annotations

import pytest

from gateway.problems import Problem
from gateway.workflow_json import etag, expected_version


def test_if_match_names_the_version_in_any_common_spelling() -> None:
    assert [expected_version(v) for v in ('"3"', 'W/"3"', "3", ' "3" , "4"')] == [3, 3, 3, 3]
    assert etag(3) == '"3"'


def test_no_if_match_is_version_0_which_the_service_answers_with_428() -> None:
    assert expected_version(None) == 0 and expected_version("  ") == 0


@pytest.mark.parametrize(("header", "status"), [("*", 428), ('"abc"', 412), ('"0"', 412)])
def test_a_wildcard_or_garbage_if_match_is_a_problem(header: str, status: int) -> None:
    with pytest.raises(Problem) as info:
        expected_version(header)
    assert info.value.status == status
