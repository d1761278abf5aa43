"""Per-recipient deliveries of bulk messages (an email campaign, an SMS send): see :mod:`.table`."""

from keyi.platform.deliveries.table import DELIVERY_TABLE_NAME, delivery_table

__all__ = ["DELIVERY_TABLE_NAME", "delivery_table"]
