"""Data: upload and check files before writing, import history with undo, rejected rows,
and the data quality of each table."""

import streamlit as st

import ui
from ui import components as c
from ui.importer import data_quality, history, upload_flow

f = ui.frame("data")
c.header(f)

upload_tab, history_tab, quality_tab = st.tabs(
    [f.t("data.tab.upload"), f.t("data.tab.history"), f.t("data.tab.quality")]
)
with upload_tab:
    upload_flow(f, "data", detailed=True)
# history and quality describe the whole store: only for users who see every school
for tab, show in ((history_tab, history), (quality_tab, data_quality)):
    with tab:
        if f.filters.scope is None:
            show(f)
        else:
            st.info(f.t("data.all_schools_only"), icon=":material/lock:")
