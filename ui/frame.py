"""``frame(page)``: the first line of every page.

It sets the page config, picks the language (``?lang=`` in the URL, else the browser's
locale: Chinese for ``zh-*``, English otherwise), opens the database (creating the demo
database on a fresh machine), draws the sidebar (translated navigation grouped
Overview · Outcomes · Program · Cooperation · Data, the language switch and the global filters) and
returns a ``Frame`` with the current ``Filters``.

The URL query string is the single source of truth for the filters and the language:
each run reads them from ``st.query_params``, puts them into the widgets, and a widget's
``on_change`` callback writes the new value back to the URL before the rerun. Navigation
links carry the query string, so filters survive page changes and a copied link opens
the same view, also when it is the first page opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from analytics import auth, i18n, schema
from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filter_options import FilterOptions
from analytics.filters import DUAL_VALUES, Filters
from ui import access, browser_text, store
from ui.halt import stop

# (page key, script path relative to dashboard.py, navigation group, material icon)
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("overview", "dashboard.py", "overview", ":material/dashboard:"),
    ("actions", "pages/9_actions.py", "overview", ":material/task_alt:"),
    ("certificates", "pages/1_certificates.py", "outcomes", ":material/workspace_premium:"),
    ("employment", "pages/2_employment.py", "outcomes", ":material/work:"),
    ("satisfaction", "pages/3_satisfaction.py", "outcomes", ":material/sentiment_satisfied:"),
    ("students", "pages/4_students.py", "program", ":material/school:"),
    ("stages", "pages/10_stages.py", "program", ":material/stairs:"),
    ("mentors", "pages/5_mentors.py", "program", ":material/groups:"),
    ("enterprises", "pages/6_enterprises.py", "program", ":material/factory:"),
    ("agreements", "pages/11_agreements.py", "cooperation", ":material/handshake:"),
    ("training", "pages/12_training.py", "cooperation", ":material/model_training:"),
    ("recognition", "pages/13_recognition.py", "cooperation", ":material/military_tech:"),
    ("reporting", "pages/15_reporting.py", "bureau", ":material/fact_check:"),
    ("schools", "pages/14_schools.py", "bureau", ":material/leaderboard:"),
    ("data", "pages/7_data.py", "data", ":material/database:"),
    ("methods", "pages/8_methods.py", "data", ":material/menu_book:"),
)
GROUPS = ("overview", "outcomes", "program", "cooperation", "bureau", "data")
FILTER_KEYS = ("from", "to", "school", "major", "cohort", "model", "gender", "dual", "enterprise")
ALL = ""  # the "all" choice of a select filter

_MEETING_CSS = """
<style>
[data-testid="stElementContainer"]:has(.dm-browser-text) {display: none;}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {display: none;}
.block-container {max-width: 1600px; padding-top: 3rem;}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {font-size: 1.4rem; line-height: 1.6;}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {font-size: 3.4rem !important; font-weight: 600;
  line-height: 1.2 !important;}
[data-testid="stMetricLabel"] p {font-size: 1.2rem !important;}
[data-testid="stMetricDelta"] div {font-size: 1.2rem !important;}
[data-testid="stCaptionContainer"] {font-size: 1.1rem;}
h1 {font-size: 3rem !important;}
h2, h3 {font-size: 2rem !important;}
</style>
"""
_CSS = """
<style>
[data-testid="stElementContainer"]:has(.dm-browser-text) {display: none;}
[data-testid="stMetricValue"] {font-weight: 600;}
[data-testid="stSidebarNav"] {display: none;}
.nav-group {font-size: 0.78rem; letter-spacing: .06em; text-transform: uppercase;
            color: #5b6b7d; margin: 0.6rem 0 0.1rem 0.2rem;}
</style>
"""


@dataclass(frozen=True)
class Frame:
    """What a page needs: language, filters, filter choices, settings."""

    page: str
    lang: str
    filters: Filters  # the URL's filters limited to the user's scope
    options: FilterOptions
    settings: Settings
    user: auth.User = auth.LOCAL_USER
    meeting: bool = False

    def t(self, key: str, **params: Any) -> str:
        """``i18n.t`` in the page's language."""
        return i18n.t(key, self.lang, **params)

    @property
    def caption(self) -> str:
        """The filter caption ("2023–2025 · 数控技术应用 · 双导师学生") for charts and tables, as
        Markdown: the names in it (a major from the URL, a stored school) are escaped (``i18n.md``)."""
        return i18n.md(self.plain_caption)

    @property
    def plain_caption(self) -> str:
        """The filter caption as plain text (file names, chart titles)."""
        return self.filters.caption(self.lang, self.options.names)


def language() -> str:
    """``zh`` or ``en``: from ``?lang=``, else the browser locale (Chinese for zh-*)."""
    given = st.query_params.get("lang")
    if given in i18n.LANGS:
        return given
    locale = st.context.locale
    return i18n.normalize_lang(locale) if locale else i18n.DEFAULT_LANG


def link_params(lang: str, filters: Filters) -> dict[str, str]:
    """Query parameters a navigation link carries: the filters and the language."""
    return {**filters.to_query(), "lang": lang}


def frame(page: str) -> Frame:
    """Set up the page ``page`` (a key of ``PAGES``) and return its ``Frame``.

    On an empty database every page except Data shows the start screen and stops.
    """
    lang = language()
    meeting = page == "overview" and st.query_params.get("view") == "meeting"
    st.set_page_config(
        page_title=f"{i18n.t('nav.' + page, lang)} · {i18n.t('app.title', lang)}",
        page_icon=":material/handshake:",
        layout="wide",
        # "auto": open on a desktop, closed on a phone (forced open, it covered the whole 390 px screen)
        initial_sidebar_state="collapsed" if meeting else "auto",
    )
    st.html(_MEETING_CSS if meeting else _CSS)
    browser_text.apply(lang)
    try:
        store.ensure_database(i18n.t("start.creating_demo", lang))
        settings = store.settings()
        user = store.query_store(auth.resolve, access.current_user(settings, lang))  # counties → schools
        options = store.options(user.scope)
    except AnalyticsError as err:
        st.error(err.message(lang))
        stop()
    filters = auth.scoped(Filters.from_query(st.query_params.to_dict()), user)
    f = Frame(page, lang, filters, options, settings, user, meeting)
    if not meeting:
        _sidebar(f)
    if page != "data" and store.is_empty():
        from ui.importer import start_screen

        start_screen(f)
        stop()
    return f


def _sidebar(f: Frame) -> None:
    with st.sidebar:
        st.markdown(f"### {f.t('app.title')}")
        params = link_params(f.lang, f.filters)
        for group in GROUPS:
            st.html(f'<div class="nav-group">{f.t("nav.group." + group)}</div>')
            for key, path, page_group, icon in PAGES:
                if page_group == group:
                    st.page_link(path, label=f.t("nav." + key), icon=icon, query_params=params)
        if st.button(f.t("nav.meeting"), key="meeting_view", icon=":material/co_present:", type="tertiary"):
            st.switch_page("dashboard.py", query_params={**params, "view": "meeting"})
        st.divider()
        st.session_state["lang_switch"] = f.lang
        st.segmented_control(
            f.t("sidebar.language"), options=list(i18n.LANGS), key="lang_switch", required=True,
            format_func=lambda code: i18n.t("lang." + code, code), on_change=_language_changed,
        )
        access.user_box(f.user, f.lang)
        if not store.is_empty():
            _filter_widgets(f)


def _language_changed() -> None:
    st.query_params["lang"] = st.session_state["lang_switch"]


def _with_current(options: tuple, current: Any) -> list:
    """The choices plus the current value when a deep link names one not in the data."""
    values = list(options)
    if current is not None and current not in values:
        values.append(current)
    return values


def _filter_widgets(f: Frame) -> None:
    """The global filters; their values come from the URL, changes go back to it."""
    opts, flt = f.options, f.filters
    st.markdown(f"**{f.t('sidebar.title')}**")
    years = sorted(set(opts.years) | {y for y in (flt.year_from, flt.year_to) if y is not None})
    st.session_state["_year_bounds"] = (opts.years[0], opts.years[-1]) if opts.years else None
    if len(years) > 1:
        # Options as text: a range select slider round-trips text values exactly (also in AppTest).
        # ``value`` (a pair, the whole span) is what makes it a range slider on the server too:
        # without it the widget deserialises the browser's two values as one, and a key press
        # wrote ``?from=2&to=0`` (the characters of "2020"). The URL's years go in through state.
        st.session_state["f_years"] = (str(flt.year_from or years[0]), str(flt.year_to or years[-1]))
        st.select_slider(f.t("sidebar.years"), options=[str(y) for y in years], key="f_years",
                         value=(str(years[0]), str(years[-1])), on_change=_filters_changed)
    names = opts.names
    selects = (
        ("f_school", "sidebar.school", [s for s, _ in opts.schools], flt.school),
        ("f_major", "sidebar.major", list(opts.majors), flt.major),
        ("f_cohort", "sidebar.cohort_year", list(opts.cohorts), flt.cohort),
        ("f_model", "sidebar.model_label", list(opts.models), flt.model),
        ("f_gender", "sidebar.gender", list(opts.genders), flt.gender),
        ("f_enterprise", "sidebar.enterprise", [e for e, _ in opts.enterprises], flt.enterprise),
    )
    for key, label, values, current in selects:
        choices = [ALL, *_with_current(tuple(values), current)]
        st.session_state[key] = ALL if current is None else current
        fmt = _formatter(f, key, names)
        st.selectbox(f.t(label), options=choices, key=key, format_func=fmt, on_change=_filters_changed)
    st.session_state["f_dual"] = flt.dual
    st.segmented_control(
        f.t("sidebar.dual_label"), options=list(DUAL_VALUES), key="f_dual", required=True,
        format_func=lambda v: f.t("sidebar.dual_choice.all") if v == "all" else schema.label("dual", v, f.lang),
        on_change=_filters_changed,
    )
    if flt != Filters():
        st.button(f.t("sidebar.reset"), key="f_reset", on_click=_reset_filters, icon=":material/filter_alt_off:")
    st.caption(f.caption)


def _formatter(f: Frame, key: str, names: dict[str, str]):
    def fmt(value: Any) -> str:
        if value == ALL:
            return f.t("sidebar.all")
        if key == "f_model":
            return schema.label("training_model", value, f.lang)
        if key == "f_gender":
            return schema.label("gender", value, f.lang)
        if key == "f_cohort":
            return f.t("filters.cohort", year=value)
        return names.get(value, str(value))

    return fmt


def _filters_from_widgets() -> Filters:
    state = st.session_state
    years = state.get("f_years")
    bounds = state.get("_year_bounds")  # the data's first and last year, as shown
    year_from = year_to = None
    if isinstance(years, (tuple, list)) and len(years) == 2 and bounds and tuple(int(y) for y in years) != tuple(bounds):
        year_from, year_to = int(years[0]), int(years[1])

    def pick(key: str) -> Any:
        value = state.get(key, ALL)
        return None if value in (ALL, None) else value

    return Filters(
        year_from=year_from,
        year_to=year_to,
        school=pick("f_school"),
        major=pick("f_major"),
        cohort=pick("f_cohort"),
        model=pick("f_model"),
        gender=pick("f_gender"),
        dual=state.get("f_dual") or "all",
        enterprise=pick("f_enterprise"),
    )


def _write_filters(filters: Filters) -> None:
    for key in FILTER_KEYS:
        if key in st.query_params:
            del st.query_params[key]
    st.query_params.update(filters.to_query())


def _filters_changed() -> None:
    _write_filters(_filters_from_widgets())


def _reset_filters() -> None:
    _write_filters(Filters())
