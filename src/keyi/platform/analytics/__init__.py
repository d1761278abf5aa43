"""Analytics: reports over the query compiler (so a report never shows a row or field its
reader may not see), and what is built on them (dashboards, targets, alerts)."""
