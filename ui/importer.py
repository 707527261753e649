"""Getting data in from the dashboard: the start screen, the data status panel and the
upload flow (check every sheet with a dry run, show the validation report, then write
only on confirm) shared by the home page and the Data page."""

from __future__ import annotations

import functools
import hashlib

import pandas as pd
import streamlit as st

from analytics import actions, auth, db, schema
from analytics.errors import AnalyticsError
from analytics.ingest.issues import ERROR, Issue
from analytics.filters import Filters
from analytics.i18n import md
from analytics.ingest.load import batch_rejects, list_batches, rows_to_correct
from analytics.ingest.pipeline import Reads, SheetResult
from analytics.ingest.validate import UNKNOWN_ASKED
from analytics.metrics.employment import initial_employment_rate
from analytics.quality import table_quality
from analytics.safe_export import to_xlsx_bytes
from ui import access, jobs, store
from ui import components as ui
from ui.frame import Frame

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods"]
ROWS_LISTED = 12  # row numbers listed per issue code before "…"
CHECKS_KEPT = 4  # checks of one sheet kept in the session (its latest choices)


def start_screen(f: Frame) -> None:
    """Shown instead of a page while the database is empty: load the demo data, or upload."""
    st.title(f.t("start.title"))
    st.markdown(f.t("start.body"))
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.subheader(f.t("start.demo_title"), anchor=False)
        st.markdown(f.t("start.demo_body"))
        if access.allowed(f.user, "import", f.lang) and st.button(
                f.t("start.demo_button"), key="load_demo", type="primary", icon=":material/play_arrow:"):
            with st.spinner(f.t("start.creating_demo")):
                try:
                    access.act(actions.load_demo, f.user)
                except AnalyticsError as err:
                    ui.show_error(f, err)
                    return
            st.rerun()
    with right, st.container(border=True):
        st.subheader(f.t("start.upload_title"), anchor=False)
        upload_flow(f, "start", detailed=False)


def data_status(f: Frame) -> None:
    """What is loaded: rows per table, years covered and the latest imports."""
    coverage = pd.DataFrame(store.query_store(db.table_coverage))
    rows = pd.DataFrame({
        "table": [schema.table(name).label(f.lang) for name in coverage["table"]],
        "rows": coverage["rows"],
        "years": [_years(a, b) for a, b in zip(coverage["year_from"], coverage["year_to"], strict=True)],
    })
    ui.table(f, rows, name="tables", labels={"table": f.t("data.col.table"), "rows": f.t("data.col.rows"),
                                             "years": f.t("data.col.years")}, n=int(coverage["rows"].sum()))
    recent = store.query_store(list_batches, 5)
    if len(recent):
        st.markdown(f"**{f.t('data.latest_imports')}**")
        history_table(f, recent, name="latest_imports")


def _years(first: object, last: object) -> str:
    if first is None or pd.isna(first):
        return ""
    return str(int(first)) if first == last else f"{int(first)}–{int(last)}"


def data_quality(f: Frame) -> None:
    """Per table: rows, years covered, share of empty cells, orphan references; and how many
    graduates have an employment record (coverage of the initial employment rate)."""
    quality = store.query_store(table_quality)
    shown = pd.DataFrame({
        "table": [schema.table(name).label(f.lang) for name in quality["table"]],
        "rows": quality["rows"],
        "years": [_years(a, b) for a, b in zip(quality["year_min"], quality["year_max"], strict=True)],
        "missing_share": quality["missing_share"],
        "orphans": quality["orphans"],
        "orphan_columns": [", ".join(schema.table(t).column(c).label(f.lang) for c in cols)
                           for t, cols in zip(quality["table"], quality["orphan_columns"], strict=True)],
    })
    ui.table(f, shown, name="data_quality", labels={k: f.t(f"data.col.{k}") for k in shown.columns},
             formats={"missing_share": ui.percent_column()}, n=int(quality["rows"].sum()),
             note=f.t("data.quality_note"))
    jobs = store.query(initial_employment_rate, Filters(scope=f.filters.scope))
    if jobs.coverage.denominator:
        st.markdown(f.t("data.employment_coverage", rate=ui.rate_text(f, jobs.coverage)))


def history_table(f: Frame, batches: pd.DataFrame, name: str) -> None:
    """Import batches as a readable table."""
    shown = batches.assign(
        target_table=batches["target_table"].map(lambda n: schema.table(n).label(f.lang)),
        status=batches["status"].map(lambda s: schema.label("batch_status", s, f.lang)),
    )[["batch_id", "imported_at", "file_name", "sheet", "target_table", "rows_read", "rows_inserted",
       "rows_updated", "rows_rejected", "status"]]
    ui.table(f, shown, name=name, labels={c: f.t(f"data.col.{c}") for c in shown.columns})


# -- upload flow -------------------------------------------------------------------------


def _checked(f: Frame, key: str, data: bytes, file_name: str, sheet: str | None = None, table: str | None = None,
             overrides: dict[str, str] | None = None, constants: dict[str, str] | None = None,
             values: dict[str, dict[str, str]] | None = None) -> list[SheetResult]:
    """Dry-run results, kept in the session so widgets can rerun without re-reading the file: the
    latest :data:`CHECKS_KEPT` of each sheet (each choice of table, columns, constants or values
    is a check of its own, and one of a sheet rejected in every row holds an issue a cell)."""
    cache = st.session_state.setdefault(f"_dry_{key}", {})
    ident = (hashlib.sha256(data).hexdigest(), sheet, table, tuple(sorted((overrides or {}).items())),
             tuple(sorted((constants or {}).items())),
             tuple(sorted((c, tuple(sorted(m.items()))) for c, m in (values or {}).items())))
    if ident in cache:
        cache[ident] = cache.pop(ident)  # the most recent now
        return cache[ident]
    cache[ident] = store.write(actions.import_file, f.user, data, file_name=file_name, sheet=sheet, table=table,
                               overrides=overrides, constants=constants, dry_run=True, values=values,
                               settings=f.settings, reads=_reads(key))
    for older in [k for k in cache if k[:2] == ident[:2]][:-CHECKS_KEPT]:
        del cache[older]
    return cache[ident]


def _reads(key: str) -> Reads:
    """The sheets this upload box has read (``pipeline.Reads``): each check after a choice of
    the user's, and the import on confirm, reuse them instead of reading the file again."""
    return st.session_state.setdefault(f"_reads_{key}", Reads())


def upload_flow(f: Frame, key: str, detailed: bool = True) -> None:
    """Upload files, check each sheet (dry run), show the report, import on confirm.

    ``detailed`` adds the per-sheet preview and the editable table and column mapping.
    """
    if not access.allowed(f.user, "import", f.lang):
        return
    generation = st.session_state.setdefault(f"_upload_gen_{key}", 0)
    files = st.file_uploader(f.t("data.upload_label"), type=UPLOAD_TYPES, accept_multiple_files=True,
                             key=f"upload_{key}_{generation}", help=f.t("data.upload_help"),
                             max_upload_size=f.settings.max_file_mb)
    _import_job(f)
    if not files:
        for kept in ("_reads_", "_dry_"):  # the files were removed: let go of their sheets and checks
            st.session_state.pop(f"{kept}{key}", None)
        return
    plan: list[tuple[bytes, str, SheetResult]] = []
    for file_index, uploaded in enumerate(files):
        data = uploaded.getvalue()
        for sheet_index, result in enumerate(_checked(f, key, data, uploaded.name)):
            wkey = f"{key}_{file_index}_{sheet_index}"
            with st.container(border=True):
                st.markdown(f"**{md(result.file_name)}**" + (f" · {md(result.sheet)}" if result.sheet else ""))
                if detailed and result.preview is not None:
                    table = _table_choice(f, wkey, result)
                    if table and table != result.table:
                        result = _checked(f, key, data, uploaded.name, result.sheet, table)[0]
                    overrides = _mapping_editor(f, f"{wkey}_{result.table}", result)
                    if overrides is not None:
                        result = _checked(f, key, data, uploaded.name, result.sheet, result.table, overrides)[0]
                    constants = _constants_editor(f, f"{wkey}_{result.table}", result)
                    if constants:
                        result = _checked(f, key, data, uploaded.name, result.sheet, result.table,
                                          dict(result.mapping.columns), constants)[0]
                    values = _value_map_editor(f, f"{wkey}_{result.table}", result)
                    if values is not None:
                        result = _checked(f, key, data, uploaded.name, result.sheet, result.table,
                                          dict(result.mapping.columns) if result.mapping else None,
                                          {k: str(v) for k, v in result.constants.items()} or None, values)[0]
                _sheet_report(f, result, wkey, detailed)
            plan.append((data, uploaded.name, result))
    loadable = [p for p in plan if p[2].status == "checked"]
    if not loadable:
        return
    rows = sum(p[2].rows_read - p[2].rejected for p in loadable)
    if st.button(f.t("data.confirm", sheets=len(loadable), rows=f"{rows:,}"), key=f"confirm_{key}",
                 type="primary", icon=":material/upload:"):
        _confirm(f, key, loadable)


def _table_choice(f: Frame, wkey: str, result: SheetResult) -> str | None:
    """The target table of one sheet: detected, or chosen by the user."""
    options = ["", *(t.name for t in schema.TABLES)]
    detected = result.table
    table = st.selectbox(
        f.t("data.table_label", sheet=result.sheet or result.file_name), options,
        index=options.index(detected) if detected in options else 0, key=f"table_{wkey}",
        format_func=lambda n: schema.table(n).label(f.lang) if n else f.t("data.table_none"),
    )
    return table or None


def _mapping_editor(f: Frame, wkey: str, result: SheetResult) -> dict[str, str] | None:
    """Editable column mapping (canonical column → spreadsheet header); None when unchanged."""
    if result.mapping is None or result.preview is None or result.table is None:
        return None
    headers = [str(h) for h in result.preview.columns]
    current = dict(result.mapping.columns)
    spec = schema.table(result.table)
    columns = [c for c in spec.columns if not c.generated]
    required = {c.name for c in spec.required_columns}
    frame = pd.DataFrame({
        "column": [c.label(f.lang) for c in columns],
        "required": [c.name in required for c in columns],
        "header": [current.get(c.name, "") for c in columns],
    })
    with st.expander(f.t("data.mapping_title")):
        edited = st.data_editor(
            frame, key=f"map_{wkey}", hide_index=True, disabled=["column", "required"],
            column_config={
                "column": st.column_config.TextColumn(f.t("data.col.column")),
                "required": st.column_config.CheckboxColumn(f.t("data.col.required")),
                "header": st.column_config.SelectboxColumn(f.t("data.col.header"), options=["", *headers]),
            },
        )
    wanted = {c.name: h for c, h in zip(columns, edited["header"], strict=True) if isinstance(h, str) and h}
    return wanted if wanted != current else None


def _constants_editor(f: Frame, wkey: str, result: SheetResult) -> dict[str, str] | None:
    """When required columns are missing, let the user set each for the whole file
    (e.g. the graduation year a title would have stated); None when nothing is set."""
    if result.refused is None or result.refused.code != "missing-column" or result.mapping is None:
        return None
    spec = schema.table(result.table)
    missing = [c for c in spec.required_columns
               if c.name not in result.mapping.columns and c.name not in result.constants and c.default is None]
    if not missing:
        return None
    st.caption(f.t("data.constants_hint"))
    values = {c.name: st.text_input(f.t("data.constant_label", column=c.label(f.lang)), key=f"const_{wkey}_{c.name}")
              for c in missing}
    given = {k: v.strip() for k, v in values.items() if v and v.strip()}
    return given or None


def _value_choices(column: schema.Column) -> list[str] | None:
    """The codes a user may give an unknown value of ``column`` (None: a number is typed)."""
    if column.vocabulary is not None:
        return list(column.vocabulary.codes)
    return None


def _value_map_editor(f: Frame, wkey: str, result: SheetResult) -> dict[str, dict[str, str]] | None:
    """The value map: each distinct value the importer did not understand, once, with its count,
    the nearest codes and a choice of what it means. Saved with the mapping on confirm and
    reused for the next file with the same headers. None when nothing was asked or chosen."""
    if result.table is None or (not result.unknown_values and not result.value_map):
        return None
    spec = schema.table(result.table)
    asked: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
    for u in result.unknown_values:
        asked.setdefault(u.column, []).append((u.value, u.count, u.nearest))
    for column, pairs in result.value_map.items():  # applied already (saved, or chosen before)
        for value in pairs:
            if value not in [v for v, _, _ in asked.get(column, [])]:
                asked.setdefault(column, []).append((value, 0, ()))
    # Keep the questions of the first check, so that a value stays on screen once answered.
    memory = st.session_state.setdefault(f"_asked_{wkey}", {})
    for column, items in asked.items():
        known = memory.setdefault(column, [])
        known += [i for i in items if i[0] not in {k[0] for k in known}]
    chosen: dict[str, dict[str, str]] = {}
    st.markdown(f"**{f.t('data.values_title')}**")
    st.caption(f.t("data.values_hint"))
    for column_name, items in memory.items():
        column = spec.column(column_name)
        codes = _value_choices(column)
        current = result.value_map.get(column_name, {})
        with st.container(border=True):
            st.markdown(f.t("data.values_column", column=column.label(f.lang), n=len(items)))
            for i, (value, count, nearest) in enumerate(items[:UNKNOWN_ASKED]):
                left, right = st.columns([3, 2])
                rows = f.t("data.values_rows", n=count) if count else f.t("data.values_applied")
                hint = f.t("data.values_nearest", codes="、".join(schema.label(column.vocabulary.kind, c, f.lang)
                                                                  for c in nearest)) if nearest and codes else ""
                left.markdown(f"“{md(value)}” · {rows}" + (f"  \n{hint}" if hint else ""))
                widget = f"value_{wkey}_{column_name}_{i}"
                if codes is None:
                    text = right.text_input(f.t("data.values_number"), value=current.get(value, ""), key=widget,
                                            label_visibility="collapsed", placeholder=f.t("data.values_number"))
                    if text.strip():
                        chosen.setdefault(column_name, {})[value] = text.strip()
                    continue
                options = ["", *[c for c in nearest if c in codes], *[c for c in codes if c not in nearest]]
                picked = current.get(value, "")
                code = right.selectbox(
                    f.t("data.values_pick", value=value), options, index=options.index(picked) if picked in options else 0,
                    key=widget, label_visibility="collapsed",
                    format_func=lambda c, kind=column.vocabulary.kind: (
                        schema.label(kind, c, f.lang) if c else f.t("data.values_unmapped")),
                )
                if code:
                    chosen.setdefault(column_name, {})[value] = code
            if len(items) > UNKNOWN_ASKED:
                st.caption(f.t("data.values_more", n=len(items) - UNKNOWN_ASKED))
    return chosen if chosen != result.value_map else None


def _sheet_report(f: Frame, r: SheetResult, wkey: str, detailed: bool) -> None:
    """Status line, preview and the validation report of one sheet, before anything is written."""
    if not detailed:
        table = schema.table(r.table).label(f.lang) if r.table else f.t("data.table_none")
        st.markdown(f"→ {table}")
    if r.refused is not None:
        (st.info if r.status == "skipped" else st.error)(md(r.refused.message(f.lang)))  # it may quote the file
        return
    errors = sum(1 for i in r.issues if i.severity == ERROR)
    st.markdown(f.t("data.check_summary", read=f"{r.rows_read:,}", new=f"{r.inserted:,}",
                    updated=f"{r.updated:,}", unchanged=f"{r.unchanged:,}", rejected=f"{r.rejected:,}"))
    if detailed and r.preview is not None and len(r.preview):
        with st.expander(f.t("data.preview", n=len(r.preview))):
            st.dataframe(auth.mask_id_cards(r.preview, f.user.role), hide_index=True, placeholder="—")  # not "None"
    if r.mapping is not None and r.mapping.unmapped:
        st.caption(f.t("data.unmapped", headers="、".join(map(md, r.mapping.unmapped))))
    if r.issues:
        report = issue_report(f, r)
        (st.warning if errors else st.caption)(f.t("data.report_title", n=len(r.issues)))
        st.dataframe(report, hide_index=True, key=f"issues_{wkey}", placeholder="—")


def issue_report(f: Frame, r: SheetResult) -> pd.DataFrame:
    """Issues grouped by code (in order of first appearance): severity, count, the row numbers
    and one example. Only each group's example is worded: every rerun of the page draws this,
    and a sheet of a million rejected cells would word a million messages each time."""
    groups: dict[tuple[str, str], list[Issue]] = {}
    for issue in r.issues:
        groups.setdefault((issue.code, issue.severity), []).append(issue)
    out = []
    for (code, severity), part in groups.items():
        rows = sorted({int(i.row) for i in part if i.row is not None})
        listed = ", ".join(map(str, rows[:ROWS_LISTED])) + (" …" if len(rows) > ROWS_LISTED else "")
        out.append({  # the message in the user's language first; the stable code last, for support
            f.t("data.col.severity"): f.t(f"data.severity.{severity}"),
            f.t("data.col.example"): part[0].message(f.lang),
            f.t("data.col.count"): len(part),
            f.t("data.col.rows_at"): listed,
            f.t("data.col.code"): code,
        })
    return pd.DataFrame(out)


def _confirm(f: Frame, key: str, plan: list[tuple[bytes, str, SheetResult]]) -> None:
    """Import the checked sheets, one batch each, as a background job (``ui.jobs``) that runs
    to the end whatever the user clicks next; remember the mappings. This run follows it
    with a progress bar; a later run of the Data page shows its outcome.
    Rosters and directories go first (``schema`` order), so that the sheets referring to them
    resolve names and ID-card numbers whatever order the files were dropped in."""
    plan = sorted(plan, key=lambda p: schema.TABLE_NAMES.index(p[2].table) if p[2].table else len(schema.TABLES))
    write, user, address, reads = store.writer(), f.user, access.address(), _reads(key)

    def step(data: bytes, name: str, checked: SheetResult) -> list[dict]:
        # actions.import_file checks the role, imports and audits (a refusal stops the job)
        results = write(actions.import_file, user, data, file_name=name, sheet=checked.sheet, table=checked.table,
                        overrides=dict(checked.mapping.columns) if checked.mapping else None,
                        constants={k: str(v) for k, v in checked.constants.items()} or None,
                        values=checked.value_map or None, settings=f.settings, address=address, reads=reads)
        return [{"file": name, "sheet": r.sheet, "status": r.status, "batch": r.batch_id, "inserted": r.inserted,
                 "updated": r.updated, "unchanged": r.unchanged, "rejected": r.rejected, "refused": r.refused}
                for r in results]

    job = jobs.start(user.name, "import", [functools.partial(step, *p) for p in plan])
    bar = st.progress(0.0, text=f.t("data.importing"))
    while not jobs.wait(job, 0.25):  # a click elsewhere stops this loop, not the job
        bar.progress(job.done / job.total, text=f.t("job.running", done=job.done, total=job.total))
    st.session_state[f"_upload_gen_{key}"] += 1
    for widget in ("undo_batch", "rejects_batch"):  # offer the new batch first
        st.session_state.pop(widget, None)
    st.session_state.pop(f"_dry_{key}", None)
    st.session_state.pop(f"_reads_{key}", None)  # the job holds them while it runs
    st.rerun()


def _import_job(f: Frame) -> None:
    """The user's latest import job: progress while it runs (refreshed every second, also
    after the page that started it was left), then what each sheet gave."""
    job = jobs.latest(f.user.name, "import")
    if job is None:
        return
    if job.running:
        _job_progress(f, job.id)
        return
    _show_done(f, job.outcomes)
    if job.error is not None:
        ui.show_error(f, job.error)


@st.fragment(run_every=1.0)
def _job_progress(f: Frame, job_id: int) -> None:
    job = jobs.latest(f.user.name, "import")
    if job is None or job.id != job_id or not job.running:
        st.rerun()  # finished: the whole page again, with the new data and the outcome
    st.progress(job.done / job.total, text=f.t("job.running", done=job.done, total=job.total))


def _show_done(f: Frame, done: list[dict]) -> None:
    for d in done:
        where = md(d["file"]) + (f" · {md(d['sheet'])}" if d["sheet"] else "")
        if d["status"] == "loaded":
            st.success(f.t("data.loaded", where=where, batch=d["batch"], inserted=f"{d['inserted']:,}",
                           updated=f"{d['updated']:,}", rejected=f"{d['rejected']:,}"), icon=":material/check_circle:")
        elif d["status"] == "unchanged":
            st.info(f.t("data.unchanged", where=where), icon=":material/info:")
        else:
            st.error(f"{where}: {md(d['refused'].message(f.lang)) if d['refused'] else d['status']}")


# -- history, undo, rejects, quality -------------------------------------------------------


def history(f: Frame) -> None:
    """Import history with undo, and the rejected rows of a batch as an xlsx download."""
    batches = store.query_store(list_batches)
    if not len(batches):
        st.info(f.t("data.no_batches"), icon=":material/info:")
        return
    history_table(f, batches, name="import_history")
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.markdown(f"**{f.t('data.undo_title')}**")
        if access.allowed(f.user, "undo", f.lang):
            undo_redo(f, batches)
    with right, st.container(border=True):
        st.markdown(f"**{f.t('data.rejects_title')}**")
        with_rejects = batches[batches["rows_rejected"] > 0]
        if not len(with_rejects):
            st.caption(f.t("data.no_rejects"))
            return
        batch = st.selectbox(f.t("data.rejects_pick"), with_rejects["batch_id"].tolist(), key="rejects_batch",
                             format_func=lambda b: _batch_label(with_rejects, b))
        rejects = store.query_store(batch_rejects, int(batch))
        message = "message_zh" if f.lang == "zh" else "message_en"
        role = f.user.role
        labels = {c: f.t(f"data.col.reject_{c}") for c in ("row_number", "column_name", "original_value",
                                                             "code", "original_row")}
        labels[message] = f.t("data.col.reject_message")
        ui.table(f, rejects[["row_number", "column_name", "original_value", "code", message, "original_row"]],
                 name=f"rejects_batch_{batch}", labels=labels, xlsx=True, height=260,
                 masks=lambda frame: auth.mask_id_cards(frame, role))
        # the rows as uploaded, to correct and import again (made when pressed, not on every rerun:
        # a batch of a million rejected cells takes seconds; audited)
        name = f"rejects_rows_batch_{batch}"
        ui.download(
            f.t("rejects.download"), lambda: to_xlsx_bytes(auth.mask_id_cards(rows_to_correct(rejects, f.lang), role)),
            file_name=f"{name}.xlsx", key=f"dl_{name}",
            icon=":material/edit_document:", mime=ui.XLSX_MIME,
            record=access.download_record(f.user, f.filters, name, "xlsx"),
        )


UNDO_ASK = "_undo_ask"  # (verb, batch) waiting for its confirmation


def undo_redo(f: Frame, batches: pd.DataFrame) -> None:
    """Undo a loaded batch or redo an undone one, each after a confirmation that names the
    file, the batch and the rows it touches. The picker lists every batch and keeps its choice
    across the change (an undone batch stays chosen, now offering redo)."""
    ids = batches["batch_id"].tolist()
    if st.session_state.get("undo_batch") not in ids:
        st.session_state.pop("undo_batch", None)
    batch = int(st.selectbox(f.t("data.undo_pick"), ids, key="undo_batch",
                             format_func=lambda b: f"{_batch_label(batches, b)} · "
                                                   f"{schema.label('batch_status', _row(batches, b)['status'], f.lang)}"))
    row = _row(batches, batch)
    verb = "undo" if row["status"] == "loaded" else "redo"
    where = _batch_label(batches, batch)
    counts = {"batch": batch, "where": where, "inserted": f"{int(row['rows_inserted']):,}",
              "updated": f"{int(row['rows_updated']):,}"}
    if st.session_state.get(UNDO_ASK) != (verb, batch):
        if st.button(f.t(f"data.{verb}_button"), key="undo_confirm", icon=f":material/{verb}:"):
            st.session_state[UNDO_ASK] = (verb, batch)
            st.rerun()
    else:
        with st.container(border=True, key="undo_question"):
            st.warning(f.t(f"data.{verb}_ask", **counts), icon=":material/warning:")
            yes, no = st.columns(2)
            go = yes.button(f.t(f"data.{verb}_yes", batch=batch), key="undo_yes", type="primary",
                            icon=f":material/{verb}:")
            if no.button(f.t("data.undo_cancel"), key="undo_cancel"):
                st.session_state.pop(UNDO_ASK, None)
                st.rerun()
        if go:
            st.session_state.pop(UNDO_ASK, None)
            try:
                done = access.act(actions.undo if verb == "undo" else actions.redo, f.user, batch)
            except AnalyticsError as err:
                ui.show_error(f, err)
            else:
                st.session_state["_undo_done"] = f.t(f"data.{verb}_done", batch=batch, **done)
                st.rerun()
    if message := st.session_state.pop("_undo_done", None):
        st.success(message, icon=":material/check_circle:")


def _row(batches: pd.DataFrame, batch_id: int) -> pd.Series:
    return batches[batches["batch_id"] == batch_id].iloc[0]


def _batch_label(batches: pd.DataFrame, batch_id: int) -> str:
    row = batches[batches["batch_id"] == batch_id].iloc[0]
    sheet = f" · {row['sheet']}" if row["sheet"] and row["sheet"] != row["file_name"] else ""
    return f"#{batch_id} {row['file_name']}{sheet}"

