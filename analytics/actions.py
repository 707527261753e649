"""What a person does to the store, the same from every entry point (issue 16): import, undo, redo,
the meeting pack, the exports, users, and the leadership group's actions.

Each function takes the acting user (``auth.User``; ``cli_user()`` on the command line, the
signed-in or local user in the dashboard), checks the role (``auth.require``, a refusal is
audited as ``denied``), does the operation and writes the audit record (``analytics.audit``).
The CLI's commands and the dashboard's pages only gather arguments and show the outcome, so
the two cannot drift apart on who may do what or on what the audit log holds.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analytics import audit, auth
from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filters import Filters

if TYPE_CHECKING:
    from analytics.ingest.pipeline import Reads

Source = str | os.PathLike[str] | bytes


def cli_user() -> auth.User:
    """The command line's user: whoever runs it, an administrator of the local machine
    (named ``cli:<login>`` in the audit log)."""
    try:
        name = "cli:" + getpass.getuser()
    except (OSError, KeyError):
        name = "cli"
    return auth.User(name, "admin", None, "local")


def guard(con: duckdb.DuckDBPyConnection | None, user: auth.User, action: str, *,
          address: str | None = None, school: str | None = None) -> None:
    """``auth.require`` (on ``school``'s data, when given), auditing a refusal (``denied``) when
    there is a store to write it to."""
    try:
        auth.require(user, action, school)
    except AnalyticsError:
        if con is not None:
            audit.record_denied(con, user.name, action, address=address)
        raise


def remember_mapping(table: str | None, overrides: dict[str, str] | None,
                     values: dict[str, dict[str, str]] | None) -> bool:
    """Whether an import that loads saves its mapping under the header signature: when the person
    stated it (a table, a header mapping or a value map), not when detection alone found it
    (detection finds it again). The dashboard's confirm states the mapping it showed."""
    return bool(table or overrides or values)


def import_file(
    con: duckdb.DuckDBPyConnection, user: auth.User, source: Source, *, file_name: str | None = None,
    table: str | None = None, sheet: str | None = None, overrides: dict[str, str] | None = None,
    constants: dict[str, Any] | None = None, values: dict[str, dict[str, str]] | None = None,
    settings: Settings | None = None, dry_run: bool = False, address: str | None = None,
    reads: Reads | None = None,
) -> list:
    """Import one file as ``user`` (rows limited to their schools); audited unless ``dry_run``.
    Returns the importer's ``SheetResult`` list. ``reads``: see ``pipeline.Reads``."""
    from analytics.ingest.pipeline import import_file as run

    guard(con, user, "import", address=address)
    results = run(con, source, file_name=file_name, table=table, sheet=sheet, overrides=overrides or None,
                  constants=constants or None, dry_run=dry_run,
                  remember=not dry_run and remember_mapping(table, overrides, values),
                  scope=user.scope, values=values or None, settings=settings, reads=reads)
    if not dry_run:
        audit.record_import(con, user.name, results, address=address)
    return results


def import_files(
    con: duckdb.DuckDBPyConnection, user: auth.User, paths: Sequence[str | os.PathLike[str]], **options: Any
) -> list[tuple[Path, list]]:
    """Import several files, rosters before the sheets that refer to them whatever the order
    given (``pipeline.import_order``); ``options`` as for ``import_file``. Per file: its path
    and results."""
    from analytics.ingest.pipeline import Reads, import_order, settings_limits

    files = [Path(p) for p in paths]
    if len(files) > 1:
        options = {"reads": Reads(), **options}  # each file read once, for the order and its import
        limits = settings_limits(options.get("settings"))
        files = [files[i] for i in import_order([(p.name, p) for p in files], limits, options["reads"])]
    return [(path, import_file(con, user, path, **options)) for path in files]


def load_demo(con: duckdb.DuckDBPyConnection, user: auth.User, *, address: str | None = None,
              **options: Any) -> list:
    """Generate and import the demo data as ``user`` (``sample.load_demo`` options); audited."""
    from analytics.sample import load_demo as run

    guard(con, user, "import", address=address)
    results = run(con, **options)
    audit.record_import(con, user.name, results, address=address)
    return results


def _batch_table(con: duckdb.DuckDBPyConnection, batch_id: int) -> str | None:
    from analytics.ingest.load import list_batches

    df = list_batches(con)
    row = df[df["batch_id"] == batch_id]
    return None if row.empty else str(row["target_table"].iloc[0])


def undo(con: duckdb.DuckDBPyConnection, user: auth.User, batch_id: int, *,
         address: str | None = None) -> dict[str, int]:
    """Undo import batch ``batch_id`` as ``user``: a batch of the leadership group's actions
    needs ``record_decision``, any other ``undo``. Audited, refusals too; returns
    ``{"removed": n, "restored": m}``."""
    from analytics import decisions
    from analytics.ingest.load import undo_batch

    is_action = _batch_table(con, batch_id) == decisions.TABLE.name
    guard(con, user, "record_decision" if is_action else "undo", address=address)
    try:
        done = decisions.undo(con, batch_id) if is_action else undo_batch(con, batch_id)
    except AnalyticsError:
        audit.record_undo(con, user.name, batch_id, success=False, address=address)
        raise
    audit.record_undo(con, user.name, batch_id, done, address=address)
    return done


def redo(con: duckdb.DuckDBPyConnection, user: auth.User, batch_id: int, *,
         address: str | None = None) -> dict[str, int]:
    """Apply undone batch ``batch_id`` again as ``user`` (the permission of its undo). Audited,
    refusals too; returns ``{"inserted": n, "replaced": m}``."""
    from analytics import decisions
    from analytics.ingest.load import redo_batch

    guard(con, user, "record_decision" if _batch_table(con, batch_id) == decisions.TABLE.name else "undo",
          address=address)
    try:
        done = redo_batch(con, batch_id)
    except AnalyticsError:
        audit.record_undo(con, user.name, batch_id, success=False, address=address, redo=True)
        raise
    audit.record_undo(con, user.name, batch_id, done, address=address, redo=True)
    return done


def report(con: duckdb.DuckDBPyConnection, user: auth.User, filters: Filters, settings: Settings, fmt: str,
           lang: str, *, address: str | None = None) -> bytes:
    """The meeting pack (``html`` or ``xlsx``) for ``filters`` within ``user``'s schools; audited."""
    from analytics.report import build_report, render

    guard(con, user, "export_report", address=address)
    scoped = auth.scoped(filters, user)
    data = render(build_report(con, scoped, settings, lang), fmt)
    audit.record_export(con, user.name, "report", fmt, scoped, address=address)
    return data


def export(con: duckdb.DuckDBPyConnection, user: auth.User, kind: str, fmt: str, filters: Filters,
           settings: Settings, lang: str, *, key_file: str | os.PathLike[str] | None = None,
           address: str | None = None) -> bytes:
    """The research (pseudonymised) or aggregate (suppressed) zip for ``filters`` within
    ``user``'s schools; the role needs ``export_<kind>``. Audited."""
    from analytics import privacy
    from analytics.errors import ConfigError

    if kind not in privacy.KINDS:
        raise ConfigError("export-bad-kind", kind=kind, known=", ".join(privacy.KINDS))
    guard(con, user, f"export_{kind}", address=address)
    scoped = auth.scoped(filters, user)
    if kind == "research":
        key = privacy.load_key(key_file) if key_file is not None else None
        data = privacy.research_export_bytes(con, scoped, fmt, key=key, lang=lang, settings=settings)
    else:
        data = privacy.aggregate_export_bytes(con, scoped, fmt, settings=settings, lang=lang)
    audit.record_export(con, user.name, kind, fmt, scoped, address=address)
    return data


def save(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write a pack or export to ``path`` (``report-write-failed`` when it cannot be written)."""
    out = Path(path)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise AnalyticsError("report-write-failed", path=str(out), detail=e.strerror or str(e)) from e
    return out


# -- Users ----------------------------------------------------------------------------------------


def add_user(con: duckdb.DuckDBPyConnection | None, user: auth.User, path: str | os.PathLike[str], name: str,
             role: str, schools: Sequence[str] | None, password: str, *, counties: Sequence[str] = (),
             regions: Sequence[str] = (), address: str | None = None) -> auth.User:
    """Add a dashboard user (``schools`` None: every school; ``counties``/``regions``: the schools
    of those areas as well) as ``user`` (``manage_users``). ``con`` None: no store yet to audit
    to (a user may be added before the first start)."""
    guard(con, user, "manage_users", address=address)
    auth.check_name(name)
    auth.check_role(role)
    areas = {} if role == "admin" else {"counties": counties, "regions": regions}
    added = auth.add_user(path, name, role, None if role == "admin" else schools, password, **areas)
    if con is not None:
        audit.record_user_change(con, user.name, "add", added.name, role=added.role, schools=added.schools,
                                 counties=list(added.counties), regions=list(added.regions), address=address)
    return added


def remove_user(con: duckdb.DuckDBPyConnection | None, user: auth.User, path: str | os.PathLike[str], name: str,
                *, address: str | None = None) -> None:
    """Remove a dashboard user as ``user`` (``manage_users``); audited when ``con`` is given."""
    guard(con, user, "manage_users", address=address)
    auth.remove_user(path, name)
    if con is not None:
        audit.record_user_change(con, user.name, "remove", name, address=address)


def set_password(con: duckdb.DuckDBPyConnection | None, user: auth.User, path: str | os.PathLike[str], name: str,
                 password: str, *, address: str | None = None) -> None:
    """Set a dashboard user's password as ``user`` (``manage_users``); audited (never the password)."""
    guard(con, user, "manage_users", address=address)
    if name not in auth.load_users(path):
        raise auth.AuthError("auth-unknown-user", name=name)
    auth.set_password(path, name, password)
    if con is not None:
        audit.record_user_change(con, user.name, "password", name, address=address)


# -- The leadership group's actions ---------------------------------------------------------------


def record_decision(con: duckdb.DuckDBPyConnection, user: auth.User, settings: Settings, *, title: str,
                    figure: Filters | None = None, address: str | None = None, **fields: Any) -> int:
    """Record an action of the leadership group as ``user`` (``record_decision``; ``fields`` as
    ``decisions.record``); audited. Returns its batch."""
    from analytics import decisions

    guard(con, user, "record_decision", address=address)
    batch = decisions.record(con, settings, title=title, recorded_by=user.name,
                             figure=None if figure is None else replace(figure, scope=None), **fields)
    audit.record_decision(con, user.name, "record", batch, title.strip(), metric=fields.get("metric"),
                          address=address)
    return batch


def update_decision(con: duckdb.DuckDBPyConnection, user: auth.User, decided_on: dt.date, title: str, status: str,
                    *, done_on: dt.date | None = None, notes: str | None = None, lang: str = "zh",
                    address: str | None = None) -> int:
    """Mark an action done, dropped or open again as ``user`` (``record_decision``); audited.
    Returns the batch (undo it with ``undo``)."""
    from analytics import decisions

    guard(con, user, "record_decision", address=address)
    found = decisions.find(con, decided_on, title)
    metric = found.get("metric") if found else None
    batch = decisions.set_status(con, decided_on, title, status, done_on=done_on, notes=notes, lang=lang)
    audit.record_decision(con, user.name, status, batch, title, metric=metric, address=address)
    return batch


# -- The bureau's sign-off of a school's returns ------------------------------------------------


def sign_off(con: duckdb.DuckDBPyConnection, user: auth.User, school_id: str, year: int, status: str, *,
             note: str | None = None, address: str | None = None) -> None:
    """Set the sign-off of ``school_id``'s returns of ``year`` as ``user``: ``submitted`` needs
    ``submit_returns`` for that school, ``approved``/``returned`` the bureau's ``approve_returns``
    (``auth.refusal``); refusals and changes audited."""
    from analytics import signoff

    guard(con, user, signoff.action_for(status), address=address, school=school_id)
    signoff.set_signoff(con, school_id, year, status, user.name, note=note)
