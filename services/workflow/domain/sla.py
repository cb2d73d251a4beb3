"""SLA clocks of a case: one for its current state, one for the whole case.

Each clock has a budget in working seconds fixed when it starts (from the state's SLA
or the item's promised time limit, see `calendar`), and due times derived from it. The
case clock pauses while the case waits for the citizen (补正) and resumes with what was
left; due times are re-derived from the stored budgets, so a changed holiday calendar
moves them. Timers fire a warning at 80 % of a budget and a breach at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.workflow.domain.calendar import WorkingCalendar

WARNING_AT = 0.8
STATE, CASE = "state", "case"
WARNING, BREACHED = "warning", "breached"


@dataclass(frozen=True)
class TimerPlan:
    scope: str  # state | case
    kind: str  # warning | breached
    instance: int  # the timeline seq that entered the state (scope state), 0 (scope case)
    state: str
    fire_at: datetime
    due_at: datetime


@dataclass
class SlaClocks:
    state_entered_at: datetime
    state_seq: int = 1
    state_budget_s: float | None = None
    state_due_at: datetime | None = None
    case_budget_s: float | None = None
    case_used_s: float = 0.0
    case_segment_start: datetime | None = None
    case_due_at: datetime | None = None
    paused_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def start_case(self, cal: WorkingCalendar, now: datetime, limit_days: int) -> None:
        if limit_days > 0:
            due = cal.due_after(now, limit_days)
            self.case_budget_s = cal.working_seconds(now, due)
            self.case_segment_start, self.case_due_at = now, due

    def enter_state(self, cal: WorkingCalendar, now: datetime, seq: int, sla_days: int) -> None:
        self.state_entered_at, self.state_seq = now, seq
        if sla_days > 0:
            due = cal.due_after(now, sla_days)
            self.state_budget_s, self.state_due_at = cal.working_seconds(now, due), due
        else:
            self.state_budget_s = self.state_due_at = None

    def pause(self, cal: WorkingCalendar, now: datetime) -> None:
        if self.paused:
            return
        if self.case_segment_start is not None:
            self.case_used_s += cal.working_seconds(self.case_segment_start, now)
        self.case_segment_start, self.case_due_at, self.paused_at = None, None, now

    def resume(self, cal: WorkingCalendar, now: datetime) -> None:
        if not self.paused:
            return
        self.paused_at = None
        if self.case_budget_s is not None:
            self.case_segment_start = now
            self.case_due_at = cal.advance(now, max(0.0, self.case_budget_s - self.case_used_s))

    def stop(self, cal: WorkingCalendar, now: datetime) -> None:
        """The case reached a terminal state: no clock runs any more."""
        if self.case_segment_start is not None:
            self.case_used_s += cal.working_seconds(self.case_segment_start, now)
        self.case_segment_start = self.paused_at = None
        self.state_budget_s = self.state_due_at = None

    def restart_case(self, cal: WorkingCalendar, now: datetime) -> None:
        """A stopped case runs again (a reopened report) with what its budget had left."""
        self.paused_at = None
        if self.case_budget_s is not None:
            self.case_segment_start = now
            self.case_due_at = cal.advance(now, max(0.0, self.case_budget_s - self.case_used_s))

    def rederive(self, cal: WorkingCalendar) -> None:
        """Due times from the stored budgets under (a possibly changed) `cal`."""
        if self.state_budget_s is not None:
            self.state_due_at = cal.advance(self.state_entered_at, self.state_budget_s)
        if self.case_budget_s is not None and self.case_segment_start is not None:
            self.case_due_at = cal.advance(self.case_segment_start, max(0.0, self.case_budget_s - self.case_used_s))

    def remaining_case_s(self, cal: WorkingCalendar, now: datetime) -> float | None:
        if self.case_budget_s is None:
            return None
        used = self.case_used_s
        if self.case_segment_start is not None:
            used += cal.working_seconds(self.case_segment_start, now)
        return self.case_budget_s - used

    def timers(self, cal: WorkingCalendar, state: str, terminal: bool) -> list[TimerPlan]:
        """The timers that should be pending now; fired ones with the same key never fire again."""
        if terminal:
            return []
        plans: list[TimerPlan] = []
        if self.state_budget_s is not None and self.state_due_at is not None:
            warn = cal.advance(self.state_entered_at, WARNING_AT * self.state_budget_s)
            plans += [TimerPlan(STATE, WARNING, self.state_seq, state, warn, self.state_due_at),
                      TimerPlan(STATE, BREACHED, self.state_seq, state, self.state_due_at, self.state_due_at)]
        if self.case_budget_s is not None and self.case_segment_start is not None and self.case_due_at is not None:
            warn = cal.advance(self.case_segment_start, max(0.0, WARNING_AT * self.case_budget_s - self.case_used_s))
            plans += [TimerPlan(CASE, WARNING, 0, state, warn, self.case_due_at),
                      TimerPlan(CASE, BREACHED, 0, state, self.case_due_at, self.case_due_at)]
        return plans
