"""What an inspection's outcome and a plan's results become for other services.

- 立案: the penalty case's id is derived from the inspection's (uuid5), so the workflow
  service opening it twice for one event opens it once, and the inspection names its
  case before the case exists.
- 一公开: the results notice of a plan lists each subject (name, credit code), the
  outcome and the inspectors' certificate numbers — never their names or accounts.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

CASE_NS = uuid.UUID("6b1f4f3e-0d8e-5b0f-9a57-2a3d1c1f0e11")
OUTCOME_ZH = {"pass": "合格", "rectify": "责令限期整改", "case": "立案查处", "": "未完成"}
FOLLOW_UP_DAYS = 5  # a follow-up inspection is due within five working days of the date to correct by


MAX_ORDER_ATTEMPTS = 10  # an order to correct is tried this often before it is marked failed


def correction_items(checklist: list[dict[str, str]], answers: dict[str, dict[str, str]]) -> list[str]:
    """What an order to correct names: each failed checklist item with the inspector's note."""
    out = []
    for item in checklist:
        answer = answers.get(item["id"], {})
        if answer.get("result") == "fail":
            note = answer.get("note", "")
            out.append(f"{item['text']}（{note}）" if note else item["text"])
    return out


def order_retry_delay(attempts: int) -> timedelta:
    """After `attempts` failed sends: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def case_id_of(inspection_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(CASE_NS, str(inspection_id))


def results_notice(plan_name: str, category: str, start: date, end: date, rows: list[dict[str, Any]]) -> tuple[str, str]:
    """(title, body) of a plan's results notice. `rows`: subject name, credit code,
    outcome, certificate numbers."""
    title = f"{plan_name}结果公示"
    lines = [f"根据“双随机、一公开”监管要求，现将{start.isoformat()}至{end.isoformat()}{plan_name}（{category}）抽查结果公示如下：", ""]
    for n, r in enumerate(rows, start=1):
        certs = "、".join(r["certificates"])
        lines.append(f"{n}. {r['name']}（统一社会信用代码 {r['credit_code']}）：{OUTCOME_ZH.get(r['outcome'], r['outcome'])}；"
                     f"执法证号 {certs}")
    lines += ["", f"共抽查 {len(rows)} 户。"]
    return title, "\n".join(lines)
