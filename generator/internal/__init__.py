"""The internal progress dashboard: figures, 台账 rows, charts and pages."""
