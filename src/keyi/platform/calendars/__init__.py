"""Business-hours calendars: pure time arithmetic over working hours, days off and make-up
working days (no objects, no database), for SLAs and anything else that counts working time.

See keyi.platform.calendars.engine for the rules; keyi.platform.calendars.china for China's
public holidays and make-up working days (调休).
"""

from keyi.platform.calendars.engine import (
    BusinessCalendar,
    NoWorkingTime,
    parse_hhmm,
)

__all__ = ["BusinessCalendar", "NoWorkingTime", "parse_hhmm"]
