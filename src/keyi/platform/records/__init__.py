"""The records service: the only way record data is written."""

from keyi.platform.records.service import RecordsService

__all__ = ["RecordsService"]
