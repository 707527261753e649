"""The meeting pack and the exports from the screen (issue 13): on the overview and the meeting
view, "download the meeting pack" as HTML or Excel and a print view, built through the
dashboard's own connection with the page's filters and language; the research and aggregate
zips for the roles allowed to take them.

Everything goes through ``analytics.actions`` (role check, the file, the audit record). A
download is built when it is clicked (a deferred download), so a page run never pays for a pack
nobody asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import streamlit as st

from analytics import actions
from ui import access, store
from ui.components import download
from ui.frame import Frame

MIME = {
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
PRINT_KEY = "_pack_print"
PRINT_HEIGHT = 900  # px of the print view's frame
_PRINT_BAR = ('<div class="no-print" style="position:sticky;top:0;z-index:9;background:#fff;padding:6px 0;'
              'border-bottom:1px solid #ccc"><button type="button" onclick="window.print()" '
              'style="font-size:14px;padding:4px 14px">{label}</button></div>'
              '<style>@media print {{ .no-print {{ display: none !important; }} }}</style>')


def _file_name(f: Frame, stem: str, ext: str) -> str:
    return f"{f.t(stem)}_{dt.date.today().isoformat()}.{ext}"


def _deferred(f: Frame, fn: Callable[..., bytes], *args: object, **kwargs: object) -> Callable[[], bytes]:
    """The bytes of ``fn(con, user, *args)`` when the button is clicked (on Streamlit's download
    thread: the client's address is read now, in the script run)."""
    user, address = f.user, access.address()

    def build() -> bytes:
        return store.write(fn, user, *args, address=address, **kwargs)

    return build


def downloads(f: Frame) -> None:
    """The meeting pack (HTML, Excel), its print view, and the exports the role allows."""
    can_pack = f.user.can("export_report")
    kinds = [k for k in ("research", "aggregate") if f.user.can(f"export_{k}")]
    if not can_pack and not kinds:
        return
    with st.container(key="pack_downloads"):
        st.markdown(f"**{f.t('pack.title')}**")
        cols = st.columns(4 if can_pack else len(kinds))
        i = 0
        if can_pack:
            for fmt, icon in (("html", ":material/description:"), ("xlsx", ":material/table_view:")):
                with cols[i]:
                    download(f.t(f"pack.{fmt}"), _deferred(f, actions.report, f.filters, f.settings, fmt, f.lang),
                             file_name=_file_name(f, "pack.file", fmt), mime=MIME[fmt], key=f"pack_{fmt}", icon=icon,
                             width="stretch")
                i += 1
            if cols[i].button(f.t("pack.print"), key="pack_print", icon=":material/print:", width="stretch"):
                st.session_state[PRINT_KEY] = not st.session_state.get(PRINT_KEY, False)
            i += 1
        for kind in kinds:
            with cols[i % len(cols)]:
                download(f.t(f"pack.export_{kind}"),
                         _deferred(f, actions.export, kind, "csv", f.filters, f.settings, f.lang),
                         file_name=_file_name(f, f"pack.export_{kind}_file", "zip"), mime=MIME["zip"],
                         key=f"export_{kind}", icon=":material/folder_zip:", width="stretch")
            i += 1
        st.caption(f.t("pack.note", caption=f.caption))
        if "aggregate" in kinds:
            st.caption(f.t("pack.aggregate_note"))
    if can_pack and st.session_state.get(PRINT_KEY):
        print_view(f)


def print_view(f: Frame) -> None:
    """The HTML pack inside the page with a print button (the pack's own print layout: A4,
    one section a page). Built once per filters, language and data version (audited once)."""
    ident = hashlib.sha256(repr((f.filters, f.lang, store.data_version())).encode()).hexdigest()
    kept = st.session_state.get(f"{PRINT_KEY}_html")
    if kept is None or kept[0] != ident:
        with st.spinner(f.t("pack.building")):
            data = access.act(actions.report, f.user, f.filters, f.settings, "html", f.lang)
        kept = (ident, data.decode("utf-8"))
        st.session_state[f"{PRINT_KEY}_html"] = kept
    page = kept[1].replace("<body>", "<body>" + _PRINT_BAR.format(label=f.t("pack.print_now")), 1)
    st.iframe(page, height=PRINT_HEIGHT)
