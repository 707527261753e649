"""Overview: the headline metrics against their targets with trends, the story in full
sentences, what needs attention most, and the data status (tables, latest imports, upload).

Served by ``streamlit run app.py`` (the guard in front, SECURITY.md); ``?view=meeting`` shows
the overview in large type without the sidebar, for a projector.
"""

import streamlit as st

import ui
from analytics.metrics.headlines import KEYS
from ui import components as c
from ui import decide, pack, warm
from ui.frame import link_params
from ui.importer import data_status, upload_flow
from ui.overview import attention, sentences, tiles

f = ui.frame("overview")
warm.start()  # the headline queries are computed in the background from now on, after every import too
c.header(f, intro=not f.meeting)
decide.notice(f)
if f.meeting:
    st.caption(f.caption)
    st.page_link("dashboard.py", label=f.t("overview.leave_meeting"), icon=":material/close_fullscreen:",
                 query_params=link_params(f.lang, f.filters))

tiles(f, KEYS, big=f.meeting)
st.caption(f"{f.caption} · {f.t('overview.tiles_note')}")

story, focus = st.columns([3, 2], gap="large")
with story:
    st.subheader(f.t("overview.story_title"), anchor=False)
    st.markdown("\n".join(f"- {sentence}" for sentence in sentences(f)))
with focus:
    st.subheader(f.t("overview.attention_title"), anchor=False)
    items = attention(f)
    if not items:
        st.markdown(f.t("overview.attention_none"))
    for i, (text, item) in enumerate(items, 1):
        st.markdown(f"{i}. {text}")
        decide.on_attention(f, i, item)  # also in the meeting view: that is where the group decides

st.divider()
pack.downloads(f)  # the pack of what is on screen, in the meeting view too

if not f.meeting and f.filters.scope is None:  # the store as a whole: for users who see every school
    st.divider()
    st.subheader(f.t("overview.data_status"), anchor=False)
    data_status(f)
    if f.user.can("import"):
        with st.expander(f.t("overview.upload_title"), icon=":material/upload_file:"):
            upload_flow(f, "home", detailed=False)
