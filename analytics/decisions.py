"""The leadership group's decisions and actions (issue 19): record an action against a
figure, follow it, and review at the next meeting whether the figure moved.

An **action** (table ``actions``, SPEC-style columns in ``schema``) says what is to be done,
which side owns it (school or enterprise) and who, by when, and — optionally — the figure it
targets: a metric of ``FIGURES`` with the filters it was read under (the URL query of the
page) and the value on the day with its interval, period and counts, and the direction the
group expects. Actions are rows of a canonical table, so each recording or status change is
one import batch: audited by the caller (``analytics.actions``), undone like an import
(``ingest.load.undo_batch``), importable from a 督办 sheet and exported as one.

**Review** (``review``): the actions of the latest meeting on or before the day (the latest
``decided_on``), and every earlier action still open. Each is *done*, *dropped*, *overdue*
(open after its due date) or *open*. For an action with a figure, the figure is read again
now under the same filters and compared with the value on the day:

* change = now − then, with a 95% interval by the MOVER method (Zou & Donner 2008), which
  combines the two 95% intervals; for two rates with Wilson intervals it is Newcombe's
  interval of SPEC §3. The two readings are treated as independent: when they share data
  (a pooled period that has grown) the interval is wider than it need be, so a change is
  never claimed too easily;
* worded "up" or "down" only when the interval excludes 0, otherwise "similar" (SPEC §5);
* when the figure still rests on the same data (same period, same counts and value), the
  change is 0 and the review says no new data has come in since the decision;
* *as expected* when the direction is the expected one, *against* when it is the other.

A baseline typed into an imported sheet as a percentage (93.1 for a rate) is read as a
fraction (0.931) for the rate and percentage-point scales.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from analytics import schema, stats
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.errors import DecisionError
from analytics.filters import Filters
from analytics.i18n import t
from analytics.ingest.load import BatchRecord, list_batches, load_rows, undo_batch
from analytics.ingest.normalize import normalize_column
from analytics.metrics import agreements, certificates, employment, headlines, query, training
from analytics.narrative import period_text
from analytics.safe_export import escape_cell
from analytics.snapshot import today
from analytics.stats import Rate

TABLE = schema.table("actions")
STATES = ("overdue", "open", "done", "dropped")  # review order
TITLE_MAX = 200
SCALES = ("rate", "pp", "points")


# -- Figures an action can target ------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A figure as read on a day: value with its 95% interval on ``scale`` (rate: a fraction;
    pp: a difference of fractions; points: 0–100 points), the counts behind a rate, the period."""

    metric: str
    scale: str
    value: float | None
    low: float | None = None
    high: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    period: str = ""

    @property
    def known(self) -> bool:
        return self.value is not None and not math.isnan(self.value)


def _rate(metric: str, r: Rate | None, period: object) -> Measure:
    if r is None or r.value is None:
        return Measure(metric, "rate", None, period="" if period is None else str(period))
    return Measure(metric, "rate", r.value, r.ci_low, r.ci_high, r.numerator, r.denominator,
                   "" if period is None else str(period))


def _num(value: object) -> float | None:
    """A plain float (``None`` for missing): readings go into the database and JSON."""
    return None if value is None or pd.isna(value) else float(value)


def _span(first: object, last: object) -> str:
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return ""
    return str(first) if first == last else f"{first}–{last}"


def _headline(key: str) -> Callable[..., Measure]:
    """A headline's figure as ``metrics.headlines`` decides it: the quantity its interval bounds
    (the gap in percentage points for the pass-rate improvement, the change in points for the
    satisfaction improvement, the rate itself for the others) and its basis."""
    def read(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Measure:
        h = headlines.headline(con, f, s, key)
        if h.interval_of == "value":
            basis = h.basis[0] if h.basis else None
            return Measure(key, "rate", _num(h.value), _num(h.ci_low), _num(h.ci_high),
                           basis.numerator if basis else None, basis.denominator if basis else None, h.period)
        return Measure(key, "pp" if h.interval_of == "diff" else "points", _num(h.diff), _num(h.ci_low),
                       _num(h.ci_high), period=h.period)
    return read


def _pass_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Measure:
    years = certificates.pass_rates_by(con, f, s, "year")
    years = years[years["denominator"] > 0]["group"].tolist()
    return _rate("certificate_pass_rate", certificates.pass_rate(con, f, s),
                 _span(years[0], years[-1]) if years else None)


def _related(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Measure:
    years = employment.related_to_major_by(con, f, s, "graduation_year")
    years = years[years["denominator"] > 0]["group"].tolist()
    return _rate("related_to_major", employment.related_to_major_rate(con, f, s),
                 _span(years[0], years[-1]) if years else None)


def _trained(kind: str) -> Callable[..., Measure]:
    def read(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Measure:
        year, r = training.trained_rate(con, f, s, kind)
        return _rate(f"{kind}_mentors_trained", r, year)
    return read


def _practice(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Measure:
    return _rate("practice_on_track", training.practice_rate(con, f, s, day), day.isoformat())


def _coverage(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Measure:
    return _rate("agreement_coverage", agreements.coverage(con, f, s, day), day.isoformat())


# metric code (schema vocabulary "metric") -> how it is read
FIGURES: dict[str, Callable[[duckdb.DuckDBPyConnection, Filters, Settings, dt.date], Measure]] = {
    **{key: _headline(key) for key in headlines.KEYS},
    "certificate_pass_rate": _pass_rate,
    "related_to_major": _related,
    "enterprise_mentors_trained": _trained("enterprise"),
    "school_mentors_trained": _trained("school"),
    "practice_on_track": _practice,
    "agreement_coverage": _coverage,
}


def measure(con: duckdb.DuckDBPyConnection, metric: str, f: Filters, s: Settings,
            day: dt.date | None = None) -> Measure:
    """Figure ``metric`` under ``f`` as it reads on ``day`` (the store's today)."""
    if metric not in FIGURES:
        raise DecisionError("action-unknown-metric", metric=metric, known=", ".join(FIGURES))
    return FIGURES[metric](con, f, s, today(con, day))


def _escape(text: str) -> str:
    """Percent-encode only what a query needs encoded, so a stored query stays readable."""
    return "".join({"%": "%25", "&": "%26", "=": "%3D", "+": "%2B", "#": "%23"}.get(ch, ch) for ch in text)


def filters_text(f: Filters) -> str:
    """The figure's filters as stored: the URL query, readable (``major=数控技术应用&model=2%2B1``);
    never the scope."""
    return "&".join(f"{k}={_escape(v)}" for k, v in sorted(f.to_query().items()))


def filters_of(text: object, scope: tuple[str, ...] | None = None) -> Filters:
    """Filters from a stored query (a malformed one means all data), limited to ``scope``."""
    given = text if isinstance(text, str) else ""
    return replace(Filters.from_query(dict(parse_qsl(given.lstrip("?")))), scope=scope)


# -- Change since the decision ----------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """The figure then and now, the change with its interval, and what it says."""

    then: Measure
    now: Measure
    diff: float | None
    low: float | None
    high: float | None
    direction: str | None  # up | down | similar | None (not comparable)
    same_data: bool
    verdict: str | None  # as_expected | against | None


def mover(then: Measure, now: Measure) -> tuple[float | None, float | None, float | None]:
    """now − then and its 95% interval by MOVER (each reading's interval, independent)."""
    if not (then.known and now.known):
        return None, None, None
    diff = now.value - then.value
    if None in (then.low, then.high, now.low, now.high):
        return diff, None, None
    low = diff - math.sqrt((now.value - now.low) ** 2 + (then.high - then.value) ** 2)
    high = diff + math.sqrt((now.high - now.value) ** 2 + (then.value - then.low) ** 2)
    return diff, low, high


def movement(then: Measure, now: Measure, expected: str | None) -> Movement:
    """Compare the reading on the day with the reading now (the module doc)."""
    same = (then.known and now.known and then.period == now.period and then.numerator == now.numerator
            and then.denominator == now.denominator and math.isclose(then.value, now.value, abs_tol=1e-12))
    if same:
        return Movement(then, now, 0.0, 0.0, 0.0, "similar", True, None)
    diff, low, high = mover(then, now)
    way = stats.direction(low, high)
    verdict = None
    if expected in ("up", "down") and way in ("up", "down"):
        verdict = "as_expected" if way == expected else "against"
    return Movement(then, now, diff, low, high, way, False, verdict)


def baseline(row: dict) -> Measure | None:
    """The figure on the day as stored in an action row (``None`` without a metric)."""
    metric = row.get("metric")
    if not isinstance(metric, str) or metric not in FIGURES:
        return None
    scale = scale_of(metric)

    def num(key: str) -> float | None:
        v = row.get(key)
        return None if v is None or pd.isna(v) else float(v)

    value, low, high = num("baseline_value"), num("baseline_low"), num("baseline_high")
    if scale in ("rate", "pp") and any(v is not None and abs(v) > 1 for v in (value, low, high)):
        value, low, high = (None if v is None else v / 100 for v in (value, low, high))
    k, n = num("baseline_numerator"), num("baseline_denominator")
    return Measure(metric, scale, value, low, high, None if k is None else int(k), None if n is None else int(n),
                   str(row.get("baseline_period") or ""))


def scale_of(metric: str) -> str:
    """The scale of a metric's readings: pp for the pass-rate gap, points for satisfaction, else rate."""
    return {"pass_rate_improvement": "pp", "satisfaction_improvement": "points"}.get(metric, "rate")


# -- Recording and changing -------------------------------------------------------------------


def _clean(column: str, text: object) -> str | None:
    """A text typed on screen as the importer would store it (width, spaces), ``None`` when blank."""
    values, _ = normalize_column(pd.Series([text if isinstance(text, str) else None], dtype=object),
                                 TABLE.column(column))
    value = values.iloc[0]
    return None if value is None or pd.isna(value) or not str(value) else str(value)


def stored_title(title: str) -> str:
    """``title`` as it is stored and listed (full-width punctuation and spaces normalised as an
    import normalises text): what a confirmation should name."""
    return _clean("title", title) or ""


def _write(con: duckdb.DuckDBPyConnection, row: dict, label: str) -> int:
    """One action row as its own batch (so it is undone like an import); returns the batch."""
    frame = pd.DataFrame([{c.name: row.get(c.name) for c in TABLE.columns if c.name in row}])
    text = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    record = BatchRecord(file_name=label, sha256=hashlib.sha256(text.encode()).hexdigest(), sheet=None,
                         table=TABLE.name, rows_read=1, rows_rejected=0, mapping={}, constants={}, warnings=[])
    counts = load_rows(con, TABLE, frame, record)
    if counts.batch_id is None:
        raise DecisionError("action-unchanged", title=row["title"])
    return int(counts.batch_id)


def _dates(df: pd.DataFrame) -> pd.DataFrame:
    """The date columns of an actions frame as ``datetime.date`` (``None`` when blank)."""
    for c in TABLE.columns:
        if c.kind == "date" and c.name in df:
            df[c.name] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[c.name]]
    return df


def find(con: duckdb.DuckDBPyConnection, decided_on: dt.date, title: str) -> dict | None:
    """The stored action of ``decided_on`` named ``title``, as a dict (``None`` when absent)."""
    cols = ", ".join(q(c) for c in TABLE.column_names)
    df = query(con, f"SELECT {cols} FROM {q(TABLE.name)} WHERE {q('decided_on')} = ? AND {q('title')} = ?",
               [decided_on, title])
    return None if df.empty else _dates(df).iloc[0].to_dict()


def record(
    con: duckdb.DuckDBPyConnection,
    s: Settings,
    *,
    title: str,
    owner_side: str,
    due_on: dt.date,
    owner: str = "",
    metric: str | None = None,
    figure: Filters | None = None,
    expected: str | None = None,
    notes: str = "",
    school_id: str | None = None,
    recorded_by: str = "",
    decided_on: dt.date | None = None,
    lang: str = "zh",
) -> int:
    """Record a new action decided on ``decided_on`` (the store's today) and return its batch.

    With ``metric``, the figure is read now under ``figure`` (the page's filters) and its
    value, interval, counts and period are stored as the value on the day.
    """
    day = today(con, decided_on)
    title = _clean("title", title) or ""
    if not title:
        raise DecisionError("action-title-missing")
    if len(title) > TITLE_MAX:
        raise DecisionError("action-title-too-long", n=len(title), max=TITLE_MAX)
    if owner_side not in schema.OWNER_SIDES:
        raise DecisionError("action-owner-side", value=owner_side)
    if due_on < day:
        raise DecisionError("action-due-before", due=due_on.isoformat(), day=day.isoformat())
    if expected is not None and expected not in schema.vocabulary("expected").codes:
        raise DecisionError("action-unknown-expected", value=expected)
    if find(con, day, title) is not None:
        raise DecisionError("action-exists", title=title, day=day.isoformat())
    row: dict = {"decided_on": day, "title": title, "owner_side": owner_side, "owner": _clean("owner", owner),
                 "due_on": due_on, "action_status": "open", "expected": expected, "notes": _clean("notes", notes),
                 "school_id": school_id, "recorded_by": _clean("recorded_by", recorded_by)}
    if metric is not None:
        f = figure or Filters()
        m = measure(con, metric, f, s, day)
        row |= {"metric": metric, "figure_filters": filters_text(f) or None, "baseline_value": m.value,
                "baseline_low": m.low, "baseline_high": m.high, "baseline_numerator": m.numerator,
                "baseline_denominator": m.denominator, "baseline_period": m.period or None}
    return _write(con, row, t("decisions.batch.recorded", lang, title=title))


def set_status(
    con: duckdb.DuckDBPyConnection,
    decided_on: dt.date,
    title: str,
    status: str,
    *,
    done_on: dt.date | None = None,
    notes: str | None = None,
    lang: str = "zh",
) -> int:
    """Mark an action done (on ``done_on``, default today), dropped or open again; returns the
    batch (undoing it puts the previous status back)."""
    if status not in schema.ACTION_STATUSES:
        raise DecisionError("action-unknown-status", value=status)
    row = find(con, decided_on, title)
    if row is None:
        raise DecisionError("action-unknown", title=title, day=decided_on.isoformat())
    finished = today(con, done_on) if status == "done" else None
    if finished is not None and finished < decided_on:
        raise DecisionError("action-done-before", done=finished.isoformat(), day=decided_on.isoformat())
    change = {"decided_on": decided_on, "title": title, "action_status": status, "done_on": finished}
    if notes is not None:
        change["notes"] = _clean("notes", notes)
    return _write(con, change, t(f"decisions.batch.status_{status}", lang, title=title))


def batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Import batches that wrote actions (recordings, status changes, imported sheets), newest first."""
    df = list_batches(con)
    return df[df["target_table"] == TABLE.name].reset_index(drop=True)


def undo(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, int]:
    """Undo a batch of actions (``ingest.load.undo_batch``), refusing batches of other tables."""
    df = list_batches(con)
    row = df[df["batch_id"] == batch_id]
    if row.empty or row["target_table"].iloc[0] != TABLE.name:
        raise DecisionError("action-batch-unknown", batch=batch_id)
    return undo_batch(con, batch_id)


# -- Review ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One action at a review."""

    action: dict
    state: str  # overdue | open | done | dropped
    carried: bool  # decided at an earlier meeting, still open
    days_overdue: int
    movement: Movement | None


@dataclass(frozen=True)
class Review:
    """The actions the next meeting looks at first."""

    day: dt.date
    meeting: dt.date | None  # the latest meeting on or before ``day``
    items: tuple[Item, ...]

    def count(self, state: str) -> int:
        return sum(1 for i in self.items if i.state == state)


def actions(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every action the scope may see, newest meeting first."""
    where, params = Filters(scope=scope).where(TABLE.name, "a")
    cols = ", ".join(f"a.{q(c)}" for c in TABLE.column_names)
    return _dates(query(con, f"SELECT {cols} FROM {q(TABLE.name)} a WHERE {where} "
                             f"ORDER BY a.{q('decided_on')} DESC, a.{q('due_on')}, a.{q('title')}", params))


def state_of(row: dict, day: dt.date) -> tuple[str, int]:
    """An action's state on ``day`` and the days it is overdue (0 unless overdue)."""
    status = row.get("action_status") or "open"
    due = pd.Timestamp(row["due_on"]).date()
    if status == "open" and due < day:
        return "overdue", (day - due).days
    return status, 0


def review(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date | None = None) -> Review:
    """The latest meeting's actions and every earlier one still open, each with its state and
    its figure's movement (figures read within ``f.scope``)."""
    day = today(con, day)
    df = actions(con, f.scope)
    df = df[pd.to_datetime(df["decided_on"]).dt.date <= day]
    if df.empty:
        return Review(day, None, ())
    decided = pd.to_datetime(df["decided_on"]).dt.date
    meeting = max(decided)
    keep = (decided == meeting) | (df["action_status"].fillna("open") == "open")
    items = []
    for row in df[keep].to_dict("records"):
        state, late = state_of(row, day)
        then = baseline(row)
        move = None
        if then is not None:
            now = measure(con, row["metric"], filters_of(row.get("figure_filters"), f.scope), s, day)
            move = movement(then, now, row.get("expected"))
        items.append(Item(row, state, pd.Timestamp(row["decided_on"]).date() != meeting, late, move))
    items.sort(key=lambda i: (STATES.index(i.state), pd.Timestamp(i.action["due_on"]), i.action["title"]))
    return Review(day, meeting, tuple(items))


def overdue(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date | None = None) -> list[dict]:
    """Every open action past its due date (any meeting), most overdue first, each with
    ``days_overdue``."""
    day = today(con, day)
    out = []
    for row in actions(con, f.scope).to_dict("records"):
        state, late = state_of(row, day)
        if state == "overdue" and pd.Timestamp(row["decided_on"]).date() <= day:
            out.append(row | {"days_overdue": late})
    return sorted(out, key=lambda r: -r["days_overdue"])


# -- Words -----------------------------------------------------------------------------------


def value_text(m: Measure | None, lang: str) -> str:
    """A reading as people write it: "93.1%", "+16.2 个百分点", "+5.3 分"; "—" without a value."""
    if m is None or not m.known:
        return "—"
    if m.scale == "rate":
        return f"{100 * m.value:.1f}%"
    if m.scale == "pp":
        return t("decisions.pp", lang, value=f"{100 * m.value:+.1f}")
    return t("decisions.points", lang, value=f"{m.value:+.1f}")


def change_text(move: Movement, lang: str) -> str:
    """"上升 4.1 个百分点（95% 置信区间 +0.8 至 +7.4）" / "similar to … (−2.0 to +3.1)"."""
    if move.same_data:
        return t("decisions.change.same_data", lang)
    if move.diff is None:
        return t("decisions.change.none", lang)
    unit = 1 if move.now.scale == "points" else 100
    key = "points" if move.now.scale == "points" else "pp"
    size = t(f"decisions.{key}", lang, value=f"{abs(move.diff) * unit:.1f}")
    if move.low is None:
        return t("decisions.change.no_interval", lang, diff=t(f"decisions.{key}", lang, value=f"{move.diff * unit:+.1f}"))
    interval = t("decisions.interval", lang, low=f"{move.low * unit:+.1f}", high=f"{move.high * unit:+.1f}")
    return t(f"decisions.change.{move.direction}", lang, size=size, interval=interval,
             diff=t(f"decisions.{key}", lang, value=f"{move.diff * unit:+.1f}"))


def figure_text(row: dict, lang: str, names: dict[str, str] | None = None) -> str:
    """The figure an action targets and its filters: "初次就业率 · 电子商务"."""
    metric = row.get("metric")
    if not isinstance(metric, str):
        return ""
    caption = filters_of(row.get("figure_filters")).caption(lang, names)
    return f"{schema.label('metric', metric, lang)} · {caption}"


def item_text(item: Item, lang: str, names: dict[str, str] | None = None) -> str:
    """One line of the review: the action, its owner and state, and its figure's change."""
    a = item.action
    owner = schema.label("owner_side", a["owner_side"], lang) + (f"·{a['owner']}" if a.get("owner") else "")
    due = pd.Timestamp(a["due_on"]).date().isoformat()
    text = t(f"decisions.item.state_{item.state}", lang, title=a["title"], owner=owner, due=due, days=item.days_overdue,
             done=pd.Timestamp(a["done_on"]).date().isoformat() if a.get("done_on") is not None
             and not pd.isna(a.get("done_on")) else "—")
    if item.carried:
        text += t("decisions.item.carried", lang, day=pd.Timestamp(a["decided_on"]).date().isoformat())
    if item.movement is not None:
        m = item.movement
        text += t("decisions.item.figure", lang, figure=figure_text(a, lang, names), then=value_text(m.then, lang),
                  then_period=period_text(m.then.period, lang), now=value_text(m.now, lang),
                  now_period=period_text(m.now.period, lang), change=change_text(m, lang))
        if m.verdict:
            text += t(f"decisions.verdict.{m.verdict}", lang)
    return text


def text_of(value: object) -> str:
    """A text cell as text: "" for a missing one (None, or NaN from a frame)."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _day_text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else pd.Timestamp(value).date().isoformat()


def review_frame(rv: Review, lang: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The review as a table, the way the Actions page and the meeting pack show it: state_code,
    state, title, owner, decided, due, done, figure, then, now, change, verdict (words of ``lang``)."""
    def reading(m: Measure) -> str:
        return t("report.actions.reading", lang, value=value_text(m, lang), period=period_text(m.period, lang))

    rows = []
    for item in rv.items:
        a, move = item.action, item.movement
        rows.append({
            "state_code": item.state,
            "state": schema.label("action_state", item.state, lang)
            + (t("report.actions.days", lang, n=item.days_overdue) if item.state == "overdue" else ""),
            "title": a["title"],
            # a missing owner comes back as NaN from the frame: "学校方", never "学校方 · nan"
            "owner": schema.label("owner_side", a["owner_side"], lang)
            + (f" · {a['owner']}" if text_of(a.get("owner")) else ""),
            "decided": _day_text(a["decided_on"]),
            "due": _day_text(a["due_on"]),
            "done": _day_text(a.get("done_on")),
            "figure": figure_text(a, lang, names) if move else "",
            "then": reading(move.then) if move else "",
            "now": reading(move.now) if move else "",
            "change": change_text(move, lang) if move else "",
            "verdict": t(f"report.actions.verdict.{move.verdict}", lang) if move and move.verdict else "",
        })
    return pd.DataFrame(rows, columns=["state_code", "state", "title", "owner", "decided", "due", "done", "figure",
                                       "then", "now", "change", "verdict"])


# -- The actions as a sheet ------------------------------------------------------------------


def export_frame(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, lang: str) -> pd.DataFrame:
    """Every action the scope may see with the template's bilingual headers and the codes as
    words of ``lang``, so the sheet reads well and imports back unchanged."""
    from analytics.templates import header

    df = actions(con, scope)
    out = pd.DataFrame()
    for column in TABLE.columns:
        values = df[column.name]
        if column.kind == "enum":
            values = values.map(lambda v, c=column.name: schema.label(c, v, lang) if isinstance(v, str) else None)
        elif column.kind == "date":
            values = pd.to_datetime(values).dt.date
        out[header(column)] = values
    return out


def export_xlsx(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, lang: str) -> bytes:
    """The actions as an xlsx sheet (text cells escaped, dates as dates, no formulas)."""
    frame = export_frame(con, scope, lang)
    book = Workbook()
    ws = book.active
    ws.title = t("decisions.sheet", lang)
    ws.append([escape_cell(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False, name=None):
        ws.append([None if v is None or (not isinstance(v, str) and pd.isna(v)) else escape_cell(v) for v in values])
    for col in ws.iter_cols(min_row=2):
        for cell in col:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
