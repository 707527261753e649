"""The dashboard's server: ``streamlit run app.py`` (the README's quick start, SECURITY.md).

It serves ``dashboard.py`` and its ``pages/`` as Streamlit does, as an ASGI app
(``streamlit.starlette.App``), with ``ui.guard.BrowserGuard`` in front: every browser gets an
HttpOnly cookie that the sign-in is bound to, and a file a download button makes is served only to
the browser that pressed it. ``streamlit run dashboard.py`` still shows the dashboard in local mode
(no users file, loopback only) but, with a users file, refuses to sign anyone in without the guard.
Streamlit's own options (``--server.port``, ``--server.address``, ``.streamlit/config.toml``) apply.
Its lifespan hook starts ``ui.warm``: the headline queries are computed in the background from the
server's start, before the first browser connects.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui import warm
from ui.guard import BrowserGuard

# lifespan: the headline queries are computed in the background from the server's start (ui/warm.py)
app = st.App("dashboard.py", middleware=[Middleware(BrowserGuard)], lifespan=warm.lifespan)
