"""Cooperation agreements (校企合作协议): agreements expiring soon, partners hosting students or
mentors without an agreement in force, and each agreement's obligations against the data."""

import streamlit as st

import ui
from analytics import schema
from analytics.metrics import agreements as deals
from ui import components as c
from ui import decide, store

f = ui.frame("agreements")
c.header(f)
decide.notice(f)

day = decide.today()
every = store.query(deals.agreements, f.filters, day)
if not len(every):
    c.no_data(f, f.t("nav.agreements"))
    st.caption(f.t("agreements.import_hint"))
    ui.stop()
expiring = store.query(deals.expiring, f.filters, day)
unsecured = store.query(deals.unsecured, f.filters, day)
coverage = store.query(deals.coverage, f.filters, day)
current = every[every["current"]]
tiles = st.columns(4)
tiles[0].metric(f.t("agreements.in_force"), int(current["state"].isin(["in_force", "expiring"]).sum()), border=True)
tiles[1].metric(f.t("agreements.expiring", days=f.settings.agreement_expiry_days), len(expiring), border=True)
tiles[2].metric(f.t("agreements.unsecured"), len(unsecured), border=True)
tiles[3].metric(f.t("agreements.coverage"), c.pct(coverage.value), border=True, help=c.rate_text(f, coverage))
st.caption(f.t("agreements.as_of", day=day.isoformat()))
decide.button(f, "agreements", "agreement_coverage")

DATES = {"signed_on": c.date_column(), "expires_on": c.date_column()}
labels = c.column_labels(f, "agreements") | {k: f.t(f"agreements.col.{k}") for k in (
    "enterprise_name", "state", "days_left", "students", "interns", "mentors", "overall", "funding_year",
    "funding_spent", "mentors_state", "places_state", "funding_state")}


def words(df, kinds):
    """Codes as words of the page language."""
    return df.assign(**{col: [schema.label(kind, v, f.lang) if isinstance(v, str) else "" for v in df[col]]
                        for col, kind in kinds.items() if col in df})


st.subheader(f.t("agreements.expiring_title", days=f.settings.agreement_expiry_days), anchor=False)
c.table(f, words(expiring, {"state": "agreement_state", "cooperation_form": "cooperation_form"})[
    ["enterprise_name", "agreement_no", "signed_on", "expires_on", "days_left", "cooperation_form"]],
    name="agreements_expiring", labels=labels, formats=DATES)
st.subheader(f.t("agreements.unsecured_title"), anchor=False)
c.table(f, words(unsecured, {"state": "agreement_state"})[
    ["enterprise_name", "students", "interns", "mentors", "expires_on", "state"]], name="agreements_unsecured",
    labels=labels, note=f.t("agreements.unsecured_note"), formats=DATES)
st.subheader(f.t("agreements.obligations_title"), anchor=False)
duties = store.query(deals.obligations, f.filters, day)
state_cols = {k: "obligation_state" for k in ("mentors_state", "places_state", "funding_state", "overall")}
c.table(f, words(duties, state_cols)[
    ["enterprise_name", "mentors_promised", "mentors", "mentors_state", "places_promised", "interns", "places_state",
     "funding_promised", "funding_year", "funding_spent", "funding_state", "training_base", "overall"]],
    name="agreements_obligations", labels=labels, note=f.t("agreements.obligations_note"),
    formats={"funding_promised": c.decimal_column(0), "funding_spent": c.decimal_column(0)})
with st.expander(f.t("agreements.all_title", n=len(every))):
    c.table(f, words(every, {"state": "agreement_state", "cooperation_form": "cooperation_form"})[
        ["enterprise_name", "agreement_no", "signed_on", "expires_on", "state", "cooperation_form", "mentors_promised",
         "places_promised", "training_base", "funding_promised"]], name="agreements_all", labels=labels, height=320,
        formats=DATES | {"funding_promised": c.decimal_column(0)})
