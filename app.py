"""The dashboard's server: ``streamlit run app.py`` (the README's quick start, SECURITY.md).

It serves ``dashboard.py`` and its ``pages/`` as Streamlit does, as an ASGI app
(``streamlit.starlette.App``), with ``ui.guard.BrowserGuard`` in front: every browser gets an
HttpOnly cookie that the sign-in is bound to, and a file a download button makes is served only to
the browser that pressed it. ``streamlit run dashboard.py`` still shows the dashboard in local mode
(no users file, loopback only) but, with a users file, refuses to sign anyone in without the guard.
Streamlit's own options (``--server.port``, ``--server.address``, ``.streamlit/config.toml``) apply.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.guard import BrowserGuard

app = st.App("dashboard.py", middleware=[Middleware(BrowserGuard)])
