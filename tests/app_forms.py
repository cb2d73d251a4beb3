"""A form schema with every feature the app's renderer supports (shared by the browser
test that fills it in and the unit test comparing the app's checks with the server's)."""

from typing import Any

RICH_SCHEMA: dict[str, Any] = {
    "type": "object", "title": "家庭信息", "required": ["householder", "members", "agree"],
    "properties": {
        "householder": {"type": "string", "title": "户主姓名", "minLength": 2, "maxLength": 20},
        "household_size": {"type": "integer", "title": "家庭人口", "minimum": 1, "maximum": 20},
        "move_in_date": {"type": "string", "format": "date", "title": "迁入日期"},
        "housing": {"type": "string", "title": "住房类型", "enum": ["自有住房", "租赁住房", "其他"]},
        "agree": {"type": "boolean", "title": "承诺所填信息真实"},
        "members": {"type": "array", "title": "家庭成员", "minItems": 1, "items": {
            "type": "object", "required": ["name", "relation"],
            "properties": {"name": {"type": "string", "title": "成员姓名", "maxLength": 20},
                           "relation": {"type": "string", "title": "与户主关系", "enum": ["配偶", "子女", "父母"]}}}},
    },
    "x-property-order": ["householder", "members", "household_size", "housing", "move_in_date", "agree"],
}
