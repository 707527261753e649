"""A corpus of real-looking exports, built by code: platforms, systems and habits (issue 11)."""
