"""Analytics engine of the dual-mentor dashboard.

Reads school exports into DuckDB and computes the program's measures. This package never
imports streamlit: the dashboard, the CLI, the tests and notebooks all use it the same way.
"""

__version__ = "0.1.0"
