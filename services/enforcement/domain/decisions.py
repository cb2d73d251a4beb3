"""行政处罚决定公示 (pure): what of a penalty decision the public sees.

A decision of an enterprise is published with its name and unified social credit code.
An individual business (个体工商户, credit codes starting 92) usually trades under its
operator's name, so its name is left out and only the code is shown. Inspectors appear
nowhere. The facts (number, summary, legal basis, penalty) are bounded text.
"""

from __future__ import annotations

from dataclasses import dataclass

from mgov_common.errors import InvalidArgument

LIMITS = {"decision_number": 60, "summary": 2000, "legal_basis": 1000, "penalty": 500}
INDIVIDUAL_BUSINESS = "92"


@dataclass(frozen=True)
class DecisionFacts:
    decision_number: str
    summary: str
    legal_basis: str
    penalty: str

    @classmethod
    def parse(cls, raw: dict[str, str]) -> "DecisionFacts":
        out = {}
        for name, limit in LIMITS.items():
            value = "".join(c for c in str(raw.get(name, "")) if c.isprintable() or c == "\n").strip()
            if len(value) > limit:
                raise InvalidArgument(f"{name} is at most {limit} characters", field=name, code="too_long")
            out[name] = value
        for required in ("summary", "legal_basis", "penalty"):
            if not out[required]:
                raise InvalidArgument(f"{required} is required", field=required, code="required")
        return cls(**out)


def public_subject(name: str, credit_code: str) -> tuple[str, str]:
    """(the name to publish, the code): no name for an individual business."""
    return ("" if credit_code.startswith(INDIVIDUAL_BUSINESS) else name), credit_code
