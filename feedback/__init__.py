"""Visitor feedback (specification 6.1): complaints from the lobby kiosk and phones become cases with
the zone's readings as evidence, raised as alerts until answered within the set time.

`FeedbackService` runs inside the service; `feedback.report.summary` gives the compliance report's
figures over `FeedbackService.cases(start, end, zones)`.
"""

from feedback.cases import Case, CaseStore, State
from feedback.kinds import KINDS, Kind, KindInfo, label
from feedback.limiter import Limiter, RateLimited
from feedback.phone import PhoneError, masked, mobile
from feedback.report import Summary, record, summary
from feedback.service import FeedbackError, FeedbackService, UnknownCase

__all__ = [
    "KINDS",
    "Case",
    "CaseStore",
    "FeedbackError",
    "FeedbackService",
    "Kind",
    "KindInfo",
    "Limiter",
    "PhoneError",
    "RateLimited",
    "State",
    "Summary",
    "UnknownCase",
    "label",
    "masked",
    "mobile",
    "record",
    "summary",
]
