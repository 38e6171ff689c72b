"""Rules: the catalog bound to a site's sensors and zones, and the sliding windows they are judged on."""

from alerts.rules.bind import BUS_RULE, OFFLINE_RULE, Binding, Kind, bind
from alerts.rules.survey import Survey, load_survey
from alerts.rules.window import SlidingMean, WindowValue

__all__ = [
    "BUS_RULE",
    "OFFLINE_RULE",
    "Binding",
    "Kind",
    "SlidingMean",
    "Survey",
    "WindowValue",
    "bind",
    "load_survey",
]
