"""Safety: the emergency plan as a checklist linked to live status, inspections on schedule, drills.

`SafetyService` loads the plan (`safety.plan`), evaluates live items from the store, the status board
and the alert engine (`safety.live`), keeps sign-offs, inspection records and drill timelines in an
append-only journal in the site file (`safety.journal`); `Inspections` computes due dates
(`safety.schedule`) and raises reminders and overdue alerts through the alert service's checks.
"""

from safety.drills import DrillKind, drill_record
from safety.inspections import Inspections, Result, SafetyError, TaskDue, UnknownError
from safety.journal import Entry, EntryKind, JournalError, SafetyJournal, effective
from safety.live import Finding, ItemStatus, LiveChecker, LiveState, select_bindings, select_sensors
from safety.plan import Every, Plan, load_plan
from safety.schedule import Due, DueState, add_months, due_state, is_underground, next_due
from safety.service import ItemView, SafetyService
from safety.tasks import Limit, Task, build_tasks

__all__ = [
    "DrillKind",
    "Due",
    "DueState",
    "Entry",
    "EntryKind",
    "Every",
    "Finding",
    "Inspections",
    "ItemStatus",
    "ItemView",
    "JournalError",
    "Limit",
    "LiveChecker",
    "LiveState",
    "Plan",
    "Result",
    "SafetyError",
    "SafetyJournal",
    "SafetyService",
    "Task",
    "TaskDue",
    "UnknownError",
    "add_months",
    "build_tasks",
    "drill_record",
    "due_state",
    "effective",
    "is_underground",
    "load_plan",
    "next_due",
    "select_bindings",
    "select_sensors",
]
