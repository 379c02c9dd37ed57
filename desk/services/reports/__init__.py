"""Reports: SQL aggregates over stored columns, one module per report."""
