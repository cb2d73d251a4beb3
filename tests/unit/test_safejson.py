"""JSON from outside is measured before it is parsed (mgov_common.safejson)."""

from __future__ import annotations

import json

import pytest

from mgov_common import safejson

POISON = "[" * 50000 + "]" * 50000


def test_deep_nesting_is_refused_before_the_parser_recurses() -> None:
    with pytest.raises(safejson.UnsafeJson) as info:
        safejson.loads(POISON)
    assert info.value.code == "too_deep"
    with pytest.raises(safejson.UnsafeJson):
        safejson.loads('{"a":' * 65 + "1" + "}" * 65)


def test_a_document_at_the_depth_limit_parses() -> None:
    doc = "[" * safejson.MAX_DEPTH + "]" * safejson.MAX_DEPTH
    assert safejson.loads(doc) == json.loads(doc)


def test_brackets_inside_strings_are_text_not_depth() -> None:
    doc = json.dumps({"comment": "[" * 5000 + '\\"{' * 100, "n": [1, [2]]})
    assert safejson.loads(doc)["n"] == [1, [2]]


def test_size_is_checked_first() -> None:
    with pytest.raises(safejson.UnsafeJson) as info:
        safejson.loads(b'"' + b"x" * 100 + b'"', max_bytes=50)
    assert info.value.code == "too_large"


def test_not_json_is_an_unsafejson_error_and_try_loads_gives_none() -> None:
    with pytest.raises(safejson.UnsafeJson) as info:
        safejson.loads(b"\xff{")
    assert info.value.code == "not_json"
    assert safejson.try_loads(POISON) is None and safejson.try_loads(b"{}") == {}
