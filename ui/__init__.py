"""Streamlit-only helpers of the dashboard: ``frame()`` (first line of every page), cached
queries (``store``), shared components and the upload flow. ``analytics`` never imports this."""

from ui.frame import Frame, frame
from ui.halt import stop

__all__ = ["Frame", "frame", "stop"]
