"""Records -> JSON-ready dicts (English keys, ISO dates), as documented in the README."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from taskforce_tui.domain import practice as workflow
from taskforce_tui.domain.records import Comune, Practice, Request, TimeLog


def _iso(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    return value


def comune_dict(comune: Comune, **extra: Any) -> dict[str, Any]:
    return {**asdict(comune), **extra}


def practice_dict(practice: Practice, today: date, **extra: Any) -> dict[str, Any]:
    derived = workflow.derive(practice, today)
    data = asdict(practice)
    data["suspensions"] = [
        {"id": s.id, "start_on": s.start_on, "end_on": s.end_on, "reason": s.reason}
        for s in practice.suspensions
    ]
    data["derived"] = {
        "gross_duration_days": derived.gross_duration,
        "net_duration_days": derived.net_duration,
        "suspended_days": derived.suspended_days,
        "elapsed_days": derived.elapsed_days,
        "due_on": derived.due_on,
        "overdue": derived.overdue,
        "days_left": derived.days_left,
    }
    data.update(extra)
    return _iso(data)


def request_dict(request: Request, **extra: Any) -> dict[str, Any]:
    return _iso({**asdict(request), **extra})


def timelog_dict(log: TimeLog, **extra: Any) -> dict[str, Any]:
    data = asdict(log)
    data["hours"] = round(log.minutes / 60, 4)
    return _iso({**data, **extra})
