"""``stop()``: end the page here, in every way a page runs.

In a script run (``streamlit run``, AppTest) ``st.stop()`` raises and Streamlit ends the run
quietly. Outside one (``python dashboard.py``, Streamlit's bare mode, as a child process or a
notebook runs a page) it only logs a warning and returns, so the code after it ran on: the
frame crashed with ``UnboundLocalError: 'user'`` after showing a database error, and a page
drew its charts on an empty database. ``stop()`` raises ``SystemExit`` there instead.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st


def stop() -> NoReturn:
    """``st.stop()``, and ``SystemExit`` when that returned (no script run to stop)."""
    st.stop()
    raise SystemExit(0)
