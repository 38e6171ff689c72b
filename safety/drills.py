"""A drill (or a real event) as a record: its timeline of signed steps, each with the frozen evidence.

The journal holds a drill as entries: `drill.start` (its id is the drill's), one `drill.step` per
signed step or item, `drill.end`. Each entry froze the live status of every item of the section at
its moment; this module puts them together as the record the API returns and exports keep.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from safety.journal import Entry, EntryKind
from safety.plan import Section


class DrillKind(StrEnum):
    DRILL = "drill"  # 演练
    EVENT = "event"  # 实战: a real event handled with the plan


def drill_record(entries: list[Entry], section: Section, tz: ZoneInfo) -> dict[str, Any]:
    """The record of one drill from its entries (start first, in the order recorded)."""
    start = entries[0]
    assert start.kind is EntryKind.DRILL_START
    steps = [e for e in entries if e.kind is EntryKind.DRILL_STEP]
    end = next((e for e in entries if e.kind is EntryKind.DRILL_END), None)
    signed = {e.subject for e in steps}
    known = [s.id for s in section.steps]
    final = (end or start).data["evidence"]
    return {
        "id": start.id,
        "section": section.id,
        "section_name": section.name,
        "kind": start.data["kind"],
        "note": start.data.get("note", ""),
        "started": _time(start.ts, tz),
        "started_by": start.actor,
        "ended": _time(end.ts, tz) if end else None,
        "ended_by": end.actor if end else None,
        "end_note": end.data.get("note", "") if end else "",
        "duration_seconds": round(end.ts - start.ts, 3) if end else None,
        "start_evidence": start.data["evidence"],
        "timeline": [
            {
                "entry": e.id,
                "time": _time(e.ts, tz),
                "after_seconds": round(e.ts - start.ts, 3),
                "by": e.actor,
                "step": e.subject,
                "text": e.data["text"],
                "result": e.data.get("result"),
                "note": e.data.get("note", ""),
                "evidence": e.data["evidence"],
            }
            for e in steps
        ],
        "summary": {
            "steps": len(known),
            "steps_signed": len([s for s in known if s in signed]),
            "steps_missed": [s for s in known if s not in signed],
            "items_problem": [s["item"] for s in final if s["status"] == "problem"],
            "items_unknown": [s["item"] for s in final if s["status"] == "unknown"],
        },
    }


def _time(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).isoformat()
