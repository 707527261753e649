"""Methods: how every figure is computed (docs/METHODS.md or its Chinese twin, the same
text as the meeting pack's appendix), with the settings in force. ``?section=`` opens
one section first (the headline tiles link here)."""

import pandas as pd
import streamlit as st

import ui
from analytics.report import methods
from ui import components as c

f = ui.frame("methods")
c.header(f)
chosen = st.query_params.get("section")
sections = methods.sections(f.lang)
for sec in sections:
    if sec.key == "intro":
        st.markdown(sec.markdown)
        continue
    with st.expander(sec.title, expanded=sec.key == chosen or chosen is None, key=f"method_{sec.key}"):
        st.markdown(sec.markdown)
st.subheader(f.t("report.meth.settings"), anchor=False)
rows = pd.DataFrame(methods.settings_rows(f.settings, f.lang), columns=["setting", "value"])
c.table(f, rows, name="settings", labels={"setting": f.t("report.col.setting"), "value": f.t("report.col.value")})
