"""Command line: ``python -m analytics COMMAND [--db PATH] ...``.

Exit status: 0 when everything asked for was done (rows rejected on import allowed),
1 when a file was refused or an operation could not be carried out, 2 for usage errors (among
them a ``--db`` that is no database, a filter value no data has, and a database still held by
another program after ``--wait`` seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analytics import actions, auth, db, schema
from analytics.errors import AnalyticsError, ConfigError, FileRejectedError, StoreError, UndoError
from analytics.i18n import normalize_lang, t

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Store errors that are the caller's to fix (a wrong --db, a file still busy after --wait): exit 2.
USAGE_STORE_ERRORS = frozenset({"db-missing", "db-empty-file", "db-not-duckdb", "db-busy"})


def _default_lang() -> str:
    for var in ("DUAL_MENTOR_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return normalize_lang(value)
    return "en"


def _pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("cli-bad-pair", option=option, value=item)
        out[key.strip()] = value.strip()
    return out


def _value_pairs(values: Sequence[str] | None) -> dict[str, dict[str, str]]:
    """``--value status:灵活就业（自由职业）=employed`` → ``{"status": {"灵活就业（自由职业）": "employed"}}``.

    The column ends at the first ``:``, the code starts after the last ``=`` (a code never
    holds one), so the text itself may contain both.
    """
    out: dict[str, dict[str, str]] = {}
    for item in values or ():
        column, sep, rest = item.partition(":")
        text, eq, code = rest.rpartition("=")
        if not sep or not eq or not column.strip() or not text.strip() or not code.strip():
            raise ConfigError("cli-bad-value", value=item)
        out.setdefault(column.strip(), {})[text.strip()] = code.strip()
    return out


def _open(args: argparse.Namespace, lang: str, *, write: bool = False, create: bool = False) -> Any:
    """The store of ``--db`` for a command: read-only for a command that only reads (so it runs
    beside the dashboard), read-write for one that writes, waiting up to ``--wait`` seconds
    (saying so once) while the dashboard holds the file. Only ``create`` commands (``init``,
    ``import``, ``demo``) may create it: a mistyped ``--db`` leaves no new file behind."""
    wait = db.wait_seconds(args.wait)

    def tell(seconds: float) -> None:
        print(t("cli.waiting", lang, path=db.describe(args.db), seconds=f"{seconds:g}"), file=sys.stderr, flush=True)

    return db.open_store(args.db, read_only=not write, create=create, wait=wait, on_wait=tell)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


Handler = Callable[[argparse.Namespace, str], int]
Options = Callable[[argparse.ArgumentParser], None]
# (name, help, option groups, options, handler), in the order of ``--help``; filled by ``command``
COMMANDS: list[tuple[str, str, tuple[str, ...], Options | None, Handler]] = []


def command(name: str, help: str, *groups: str, options: Options | None = None) -> Callable[[Handler], Handler]:
    """Register the handler of ``name`` with its options (declared just above it) and the
    shared option ``groups`` it takes (``filters``: the global filters)."""
    def register(handler: Handler) -> Handler:
        COMMANDS.append((name, help, groups, options, handler))
        return handler
    return register


class Choices(Sequence[str]):
    """The values of a constant of a module imported only when an option is checked or its
    help is shown, so that ``--help`` and the light commands do not load the report renderer
    or the demo generator just to list the formats. argparse lists an option's choices in its
    usage as soon as the option is added, unless it has a ``metavar``: so each option given
    ``Choices`` has one, and its help names the values with ``%(choices)s`` (expanded only
    when help is shown)."""

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name = module, name

    def _values(self) -> Sequence[str]:
        import importlib

        return getattr(importlib.import_module(self._module), self._name)

    def __getitem__(self, i):  # type: ignore[override]
        return self._values()[i]

    def __len__(self) -> int:
        return len(self._values())

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self):  # type: ignore[override]
        return iter(self._values())


@command("init", "create or migrate the database")
def cmd_init(args: argparse.Namespace, lang: str) -> int:
    con = _open(args, lang, write=True, create=True)
    print(t("cli.init-done", lang, path=db.describe(args.db), version=db.SCHEMA_VERSION))
    con.close()
    return EXIT_OK


def _copy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="source", required=True, metavar="STORE", help="DuckDB file or postgresql:// URL")
    p.add_argument("--to", dest="target", required=True, metavar="STORE", help="an empty store (new file or empty database)")
    p.add_argument("--json", action="store_true", help="machine-readable report")


@command("copy", "copy a whole store into an empty one (DuckDB file ⇄ postgresql://), verified", options=_copy_options)
def cmd_copy(args: argparse.Namespace, lang: str) -> int:
    from analytics.engines.copy import copy_store

    done = copy_store(args.source, args.target)
    if args.json:
        _print_json([{"table": c.table, "rows": c.rows, "checksum": c.checksum} for c in done])
    else:
        for c in done:
            print(f"{c.table:<28} {c.rows:>10,}  {c.checksum}")
        print(t("cli.copy-done", lang, source=db.describe(args.source), target=db.describe(args.target),
                tables=len(done), rows=sum(c.rows for c in done)))
    return EXIT_OK


def _demo_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--students", type=int, help="students to generate (default: the demo's usual size)")
    p.add_argument("--seed", type=int, help="random seed (default: the demo's own, so every demo is the same)")
    p.add_argument("--out", metavar="DIR", help="also keep the generated spreadsheets in DIR")
    p.add_argument("--region", action="store_true",
                   help="add the demo region: ten more schools in four counties, with dated returns")


@command("demo", "generate the demo spreadsheets and import them", options=_demo_options)
def cmd_demo(args: argparse.Namespace, lang: str) -> int:
    con = _open(args, lang, write=True, create=True)
    out_dir = Path(args.out) if args.out else None
    given = {k: v for k, v in (("students", args.students), ("seed", args.seed)) if v is not None}
    results = actions.load_demo(con, actions.cli_user(), out_dir=out_dir, region=args.region, **given)
    refused = [r for r in results if r.status == "refused"]
    for r in results:
        print(_result_line(r, lang))
    counts = db.table_counts(con)
    print(t("cli.demo-done", lang, path=db.describe(args.db), rows=sum(counts.values())))
    return EXIT_FAILED if refused else EXIT_OK


def _result_line(r: Any, lang: str) -> str:
    where = f"{r.file_name}" + (f" [{r.sheet}]" if r.sheet else "")
    if r.refused is not None and r.status in ("refused", "skipped"):
        return t(f"cli.status-{r.status}", lang, where=where, reason=r.refused.message(lang))
    return t(
        f"cli.status-{r.status}",
        lang,
        where=where,
        table=r.table,
        read=r.rows_read,
        inserted=r.inserted,
        updated=r.updated,
        unchanged=r.unchanged,
        rejected=r.rejected,
        warnings=len(r.warnings),
        batch=r.batch_id,
        previous=r.previous_batch or "-",
    )


def _import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="spreadsheets to import")
    p.add_argument("--table", help="target table (default: detected from the headers)")
    p.add_argument("--sheet", help="only this sheet of a workbook")
    p.add_argument("--map", action="append", metavar="COLUMN=HEADER", help="map a header to a column")
    p.add_argument("--set", action="append", metavar="COLUMN=VALUE", help="a value for the whole file")
    p.add_argument("--value", action="append", metavar="COLUMN:TEXT=CODE",
                   help="what a value the importer does not understand means, e.g. status:自由职业=employed "
                        "(repeatable; saved with the mapping and reused for files with the same headers)")
    p.add_argument("--settings", help="settings.toml (default: beside the database)")
    p.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    p.add_argument("--max-mb", type=int, metavar="MB",
                   help="largest file accepted, in MB (default: the [import] max_file_mb setting, 50)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--show", type=int, default=20, help="rejected cells to list per sheet")


@command("import", "import spreadsheets (CSV, TSV, TXT, XLSX, XLSM, XLS, ODS)", options=_import_options)
def cmd_import(args: argparse.Namespace, lang: str) -> int:
    from analytics.ingest import sandbox

    sandbox.start()  # the reader's fork server starts while the pipeline is imported and the store opened
    overrides = _pairs(args.map, "--map") or None
    constants = _pairs(args.set, "--set")
    values = _value_pairs(args.value)
    settings = _settings(args)
    if args.max_mb is not None:  # validated as the setting is (1-1024)
        settings = dataclasses.replace(settings, max_file_mb=args.max_mb)
    con = _open(args, lang, write=True, create=True)
    everything: list[dict[str, Any]] = []
    status = EXIT_OK
    done = actions.import_files(con, actions.cli_user(), args.files, table=args.table, sheet=args.sheet,
                                overrides=overrides, constants=constants, dry_run=args.dry_run, values=values,
                                settings=settings)
    for _, results in done:
        for r in results:
            if r.status == "refused":
                status = EXIT_FAILED
            if args.json:
                everything.append(r.as_dict(lang))
                continue
            print(_result_line(r, lang))
            for issue in r.warnings:
                print("  ⚠ " + _issue_text(issue, lang))
            for issue in r.errors[: args.show]:
                print("  ✗ " + _issue_text(issue, lang))
            if len(r.errors) > args.show:
                print("  " + t("cli.more-rejects", lang, count=len(r.errors) - args.show, batch=r.batch_id))
            _print_unknown_values(r.unknown_values, lang)
    if args.json:
        _print_json(everything)
    return status


def _print_unknown_values(unknown: Sequence[Any], lang: str) -> None:
    """Each distinct value not understood, once, with its count, the nearest codes and the option."""
    if not unknown:
        return
    from analytics.ingest.validate import UNKNOWN_ASKED

    print("  " + t("cli.unknown-values", lang, count=len(unknown)))
    by_column: dict[tuple[str, str], list[Any]] = {}
    for u in unknown:
        by_column.setdefault((u.column, u.header), []).append(u)
    for (_, header), values in by_column.items():
        for u in values[:UNKNOWN_ASKED]:
            nearest = ", ".join(u.nearest) or "-"
            print("    " + t("cli.unknown-value", lang, header=header, value=u.value, count=u.count, nearest=nearest))
        if rest := values[UNKNOWN_ASKED:]:
            print("    " + t("cli.unknown-values-more", lang, header=header, more=len(rest),
                            rows=sum(u.count for u in rest)))
    first = unknown[0]
    example = f"{first.column}:{first.value}={first.nearest[0] if first.nearest else 'CODE'}"
    print("  " + t("cli.unknown-values-hint", lang, example=example))


def _issue_text(issue: Any, lang: str) -> str:
    where = []
    if issue.row is not None:
        where.append(t("cli.row", lang, row=issue.row))
    if issue.column:
        where.append(issue.column)
    prefix = f"[{issue.code}] " + (" · ".join(where) + ": " if where else "")
    return prefix + issue.message(lang)


def _json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _batch_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("batch", type=int, metavar="BATCH", help="the batch number (see `batches`)")


@command("batches", "import history", options=_json_option)
def cmd_batches(args: argparse.Namespace, lang: str) -> int:
    from analytics.ingest.load import list_batches

    frame = list_batches(_open(args, lang))
    if args.json:
        _print_json(json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)))
    elif frame.empty:
        print(t("cli.no-batches", lang))
    else:
        cols = ["batch_id", "imported_at", "file_name", "sheet", "target_table", "rows_read",
                "rows_inserted", "rows_updated", "rows_rejected", "status"]
        print(frame[cols].to_string(index=False))
    return EXIT_OK


@command("undo", "undo an import batch", options=_batch_option)
def cmd_undo(args: argparse.Namespace, lang: str) -> int:
    done = actions.undo(_open(args, lang, write=True), actions.cli_user(), args.batch)
    print(t("cli.undo-done", lang, batch=args.batch, **done))
    return EXIT_OK


@command("redo", "apply an undone import batch again", options=_batch_option)
def cmd_redo(args: argparse.Namespace, lang: str) -> int:
    done = actions.redo(_open(args, lang, write=True), actions.cli_user(), args.batch)
    print(t("cli.redo-done", lang, batch=args.batch, **done))
    return EXIT_OK


def _rejects_options(p: argparse.ArgumentParser) -> None:
    _batch_option(p)
    p.add_argument("--out", help="write to FILE (.xlsx or .csv)")
    p.add_argument("--rows", action="store_true",
                   help="write the rejected rows as uploaded (original columns, one row each, plus what to "
                        "correct), to correct and import again")


@command("rejects", "rejected rows of a batch", options=_rejects_options)
def cmd_rejects(args: argparse.Namespace, lang: str) -> int:
    from analytics.ingest.load import batch_rejects, rows_to_correct
    from analytics.safe_export import write_table

    frame = batch_rejects(_open(args, lang), args.batch)
    if args.rows and not frame.empty:
        rows = rows_to_correct(frame, lang)
        if args.out:
            write_table(rows, args.out)
            print(t("rejects.rows-written", lang, count=len(rows), path=args.out))
        else:
            print(rows.to_string(index=False))
    elif args.out:
        write_table(frame, args.out)
        print(t("cli.rejects-written", lang, count=len(frame), path=args.out))
    elif frame.empty:
        print(t("cli.no-rejects", lang, batch=args.batch))
    else:
        message = "message_zh" if lang == "zh" else "message_en"
        print(frame[["row_number", "column_name", "original_value", "code", message]].to_string(index=False))
    return EXIT_OK


@command("tables", "rows and years covered per table", options=_json_option)
def cmd_tables(args: argparse.Namespace, lang: str) -> int:
    coverage = db.table_coverage(_open(args, lang))
    if args.json:
        _print_json({c["table"]: {k: v for k, v in c.items() if k != "table"} for c in coverage})
        return EXIT_OK
    for c in coverage:
        years = f"{c['year_from']}–{c['year_to']}" if c["year_from"] is not None else "—"
        label = c["zh"] if lang == "zh" else c["en"]
        print(f"{c['table']:<22} {label:<24} {c['rows']:>10,}  {years}")
    return EXIT_OK


def _filter_options(p: argparse.ArgumentParser) -> None:
    """The global filters (``Filters``), for the commands of the ``filters`` group."""
    from analytics.filters import DUAL_VALUES

    p.add_argument("--from-year", type=int, metavar="YEAR", help="first year (school year of the records)")
    p.add_argument("--to-year", type=int, metavar="YEAR", help="last year")
    p.add_argument("--school", metavar="ID", help="one school, by its ID (an unknown one lists those present)")
    p.add_argument("--major", help="one major (专业), as the data spells it (an unknown one lists those present)")
    p.add_argument("--cohort", type=int, metavar="YEAR", help="students of one entry year")
    p.add_argument("--model", help="one training model, e.g. 2+1 (an unknown one lists those present)")
    p.add_argument("--gender", choices=schema.GENDERS, help="students of one gender")
    p.add_argument("--dual", choices=DUAL_VALUES, help="all students, in the dual-mentor program, or outside it")
    p.add_argument("--enterprise", metavar="ID", help="one partner enterprise, by its ID (an unknown one lists those present)")
    p.add_argument("--settings", help="settings.toml (default: beside the database)")


# How many of the values present an unknown filter value's message lists.
KNOWN_SHOWN = 12


def _check_filter_values(con: Any, args: argparse.Namespace) -> None:
    """Refuse (``ConfigError``, exit 2) a ``--school``, ``--major``, ``--cohort``, ``--model`` or
    ``--enterprise`` that no data has, naming the values present (at most ``KNOWN_SHOWN``)."""
    from analytics.filter_options import filter_options

    given = [(o, getattr(args, o.strip("-"))) for o in ("--school", "--major", "--cohort", "--model", "--enterprise")]
    if all(v is None for _, v in given):
        return
    present = filter_options(con)
    known: dict[str, list[str]] = {
        "--school": [f"{i} ({n})" if n != i else i for i, n in present.schools],
        "--major": list(present.majors),
        "--cohort": [str(c) for c in present.cohorts],
        "--model": list(present.models),
        "--enterprise": [f"{i} ({n})" if n != i else i for i, n in present.enterprises],
    }
    values = {"--school": [i for i, _ in present.schools], "--enterprise": [i for i, _ in present.enterprises],
              "--cohort": list(present.cohorts)}
    for option, value in given:
        if value is None or value in values.get(option, known[option]):
            continue
        shown = known[option][:KNOWN_SHOWN]
        more = len(known[option]) - len(shown)
        listed = ", ".join(shown) or "—"
        if more:
            raise ConfigError("cli-unknown-filter-more", option=option, value=value, known=listed, more=more)
        raise ConfigError("cli-unknown-filter", option=option, value=value, known=listed)


def _filters(args: argparse.Namespace, con: Any = None, lang: str = "en") -> Any:
    """The global ``Filters`` from the ``--from-year ... --enterprise`` options; with the store
    ``con``, a value no data has is refused first (``_check_filter_values``)."""
    from analytics.filters import Filters

    if con is not None:
        _check_filter_values(con, args)
    return Filters(
        year_from=args.from_year,
        year_to=args.to_year,
        school=args.school,
        major=args.major,
        cohort=args.cohort,
        model=args.model,
        gender=args.gender,
        dual=args.dual or "all",
        enterprise=args.enterprise,
    )


def _settings(args: argparse.Namespace) -> Any:
    """Settings from ``--settings`` or beside the database."""
    from analytics.config import load_settings

    return load_settings(args.settings, db_path=db.resolve_path(args.db))


@command("metrics", "headline figures of the program", "filters", options=_json_option)
def cmd_metrics(args: argparse.Namespace, lang: str) -> int:
    from analytics.metrics.summary import collect

    con = _open(args, lang)
    filters = _filters(args, con, lang)
    settings = _settings(args)
    data, items = collect(con, filters, settings)
    if args.json:
        _print_json(data)
    else:
        from analytics.narrative import terminal_text

        print(terminal_text(data, filters, lang, items))
    return EXIT_OK


def _report_options(p: argparse.ArgumentParser) -> None:
    p.description = ("The leadership meeting pack. --school is a filter, not a scope: it selects the school's "
                     "students and mentors, while enterprise satisfaction and funding, which carry no school, "
                     "stay the whole program's (the pack says so under its title). A pack of one school alone "
                     "is made by a user scoped to that school.")
    p.add_argument("--format", choices=Choices("analytics.report", "FORMATS"), required=True, metavar="FORMAT",
                   help="%(choices)s: html opens in a browser and prints, xlsx is Excel")
    p.add_argument("--out", required=True, metavar="FILE", help="file to write the pack to")


@command("report", "leadership meeting pack (HTML or Excel)", "filters", options=_report_options)
def cmd_report(args: argparse.Namespace, lang: str) -> int:
    con = _open(args, lang, write=True)  # the export is audited
    data = actions.report(con, actions.cli_user(), _filters(args, con, lang), _settings(args), args.format, lang)
    path = actions.save(data, args.out)
    print(t("report.written", lang, path=path))
    return EXIT_OK


def _cards_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the cards (<school id>_<name>.html/.xlsx)")
    p.add_argument("--county", action="append", metavar="NAME", help="schools of this county (repeat for more)")
    p.add_argument("--region", action="append", metavar="NAME", help="schools of this region (repeat for more)")
    p.add_argument("--format", action="append", choices=Choices("analytics.report", "FORMATS"), metavar="FORMAT",
                   help="%(choices)s, or both (repeat; default both)")
    p.add_argument("--settings", help="settings.toml (default: beside the database)")


def _progress_bar(lang: str) -> Any:
    """A progress line on standard error, redrawn after each school (``write_cards``)."""
    def show(i: int, n: int, school: Any) -> None:
        filled = round(24 * i / n)
        bar = "[" + "#" * filled + "-" * (24 - filled) + "]"
        end = "\n" if i == n else ""
        print("\r" + t("card.progress", lang, bar=bar, i=i, n=n, school=school.school_name or school.school_id),
              end=end, file=sys.stderr, flush=True)
    return show


@command("cards", "a report card per school of a region or county (HTML, Excel)", options=_cards_options)
def cmd_cards(args: argparse.Namespace, lang: str) -> int:
    from analytics.report.cards import write_cards

    con = _open(args, lang)
    paths = write_cards(con, _settings(args), args.out, lang, counties=args.county or (), regions=args.region or (),
                        formats=args.format or ("html", "xlsx"), progress=_progress_bar(lang))
    print(t("card.written", lang, n=len({p.stem for p in paths}), path=args.out))
    return EXIT_OK


def _signoff_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("school", metavar="SCHOOL_ID", help="the school whose returns are signed off")
    p.add_argument("year", type=int, metavar="YEAR", help="the year of the returns")
    p.add_argument("--status", choices=Choices("analytics.signoff", "STATES"), required=True, metavar="STATUS",
                   help="the new state of the returns: %(choices)s")
    p.add_argument("--by", required=True, metavar="NAME", help="who signs off (written to the audit log)")


@command("signoff", "a school's returns for a year: submitted or approved by the bureau", options=_signoff_options)
def cmd_signoff(args: argparse.Namespace, lang: str) -> int:
    # through the same action as the dashboard: permission check, change, audit record (as --by,
    # the command line's local administrator)
    user = dataclasses.replace(actions.cli_user(), name=args.by)
    actions.sign_off(_open(args, lang, write=True), user, args.school, args.year, args.status)
    print(t("signoff.done", lang, school=args.school, year=args.year, status=t(f"signoff.state.{args.status}", lang)))
    return EXIT_OK


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=Choices("analytics.privacy", "KINDS"), required=True, metavar="KIND",
                   help="%(choices)s: research is pseudonymised rows, aggregate counts with small cells suppressed")
    p.add_argument("--format", choices=Choices("analytics.privacy", "FORMATS"), default="csv", metavar="FORMAT",
                   help="format of the files in the zip: %(choices)s (default %(default)s)")
    p.add_argument("--out", required=True, metavar="FILE", help="zip file to write")
    p.add_argument("--key", help="pseudonym key file (default: secrets/pseudonym.key beside the database)")


@command("export", "research (pseudonymised) or aggregate (suppressed) zip", "filters", options=_export_options)
def cmd_export(args: argparse.Namespace, lang: str) -> int:
    con = _open(args, lang, write=True)  # the export is audited
    key_file = Path(args.key) if args.key else None
    data = actions.export(con, actions.cli_user(), args.kind, args.format, _filters(args, con, lang), _settings(args), lang,
                          key_file=key_file)
    path = actions.save(data, args.out)
    print(t("export.written", lang, path=path))
    return EXIT_OK


def _template_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", metavar="TABLE", help="canonical table, e.g. students (see `tables`)")
    p.add_argument("--out", required=True, metavar="FILE", help="xlsx file to write")


@command("template", "xlsx import template of a canonical table", options=_template_options)
def cmd_template(args: argparse.Namespace, lang: str) -> int:
    from analytics.templates import write_template

    path = write_template(args.table, args.out, lang)
    print(t("export.template-written", lang, path=path))
    return EXIT_OK


def _users_path(args: argparse.Namespace) -> Path:
    """The users file: ``--users-file``, else the ``[access] users_file`` setting."""
    from analytics.config import users_file_path

    if args.users_file:
        return Path(args.users_file).expanduser()
    path = users_file_path(_settings(args), db.resolve_path(args.db))
    if path is None:  # only for an in-memory database, which the command line never opens
        raise ConfigError("cli-bad-pair", option="--users-file", value="")
    return path


def _read_password(args: argparse.Namespace, name: str, lang: str) -> str:
    """The new password: one line of standard input (``--password-stdin``), else asked twice."""
    import getpass

    from analytics.auth import AuthError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise AuthError("auth-password-empty")
        return password
    first = getpass.getpass(t("auth.cli.password", lang, name=name))
    if getpass.getpass(t("auth.cli.password-again", lang)) != first:
        raise AuthError("auth-password-mismatch")
    return first


def _audit_store(args: argparse.Namespace, lang: str) -> Any:
    """The store to write a user change's audit record to, or None: when the database does not
    exist (a user can be added before the first start; creating an empty database here would
    hide the demo data) or cannot be opened now (the change itself still stands)."""
    from analytics.errors import StoreError

    if not db.store_exists(args.db):
        return None
    try:
        return db.connect(args.db)
    except StoreError as e:  # e.g. the dashboard holds the database
        print(t("auth.cli.audit-skipped", lang, reason=e.message(lang)), file=sys.stderr)
        return None


def _where(user: Any, lang: str) -> str:
    """The schools, counties and regions a user sees, in one line."""
    if user.schools is None:
        return t("auth.cli.all-schools", lang)
    parts = [", ".join(user.schools)] if user.schools else []
    parts += [t("auth.cli.counties", lang, names=", ".join(user.counties))] if user.counties else []
    parts += [t("auth.cli.regions", lang, names=", ".join(user.regions))] if user.regions else []
    return "; ".join(parts)


def _user_options(p: argparse.ArgumentParser) -> None:
    """The ``user`` subcommands: add, list, remove, passwd."""
    common = _common_options()
    users = argparse.ArgumentParser(add_help=False)
    users.add_argument("--users-file", metavar="FILE", help="users file (default: the [access] users_file setting)")
    users.add_argument("--settings", help="settings.toml (default: beside the database)")
    sub = p.add_subparsers(dest="user_command", required=True, help="what to do")
    q = sub.add_parser("add", parents=[common, users], help="add a user (asks for the password)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", required=True, choices=auth.ROLES)
    q.add_argument("--school", action="append", metavar="ID", help="a school the user may see (repeat for more)")
    q.add_argument("--county", action="append", metavar="NAME",
                   help="a county (区县) whose schools the user may see (repeat for more)")
    q.add_argument("--region", action="append", metavar="NAME",
                   help="a region (市/省) whose schools the user may see (repeat for more)")
    q.add_argument("--all-schools", action="store_true", help="the user may see every school")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    q = sub.add_parser("list", parents=[common, users], help="list users, roles and schools")
    _json_option(q)
    q = sub.add_parser("remove", parents=[common, users], help="remove a user")
    q.add_argument("name", metavar="NAME")
    q = sub.add_parser("passwd", parents=[common, users], help="set a user's password")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


@command("user", "dashboard users: add, list, remove, passwd", options=_user_options)
def cmd_user(args: argparse.Namespace, lang: str) -> int:
    path = _users_path(args)
    me = actions.cli_user()
    if args.user_command == "add":
        areas = {"counties": args.county or [], "regions": args.region or []}
        if (args.school or any(areas.values())) and args.all_schools:
            raise auth.AuthError("auth-school-and-all")
        schools = None if args.all_schools else (args.school or [])
        if schools == [] and args.role != "admin" and not any(areas.values()):
            raise auth.AuthError("auth-no-school", role=args.role)
        auth.check_name(args.name)
        auth.check_role(args.role)
        password = _read_password(args, args.name, lang)
        user = actions.add_user(_audit_store(args, lang), me, path, args.name, args.role, schools, password,
                                **areas)
        print(t("auth.cli.added", lang, name=user.name, role=user.role, schools=_where(user, lang), path=path))
    elif args.user_command == "remove":
        actions.remove_user(_audit_store(args, lang), me, path, args.name)
        print(t("auth.cli.removed", lang, name=args.name, path=path))
    elif args.user_command == "passwd":
        if args.name not in auth.load_users(path):
            raise auth.AuthError("auth-unknown-user", name=args.name)
        actions.set_password(_audit_store(args, lang), me, path, args.name, _read_password(args, args.name, lang))
        print(t("auth.cli.password-changed", lang, name=args.name, path=path))
    else:
        users = auth.list_users(path)
        if args.json:
            _print_json([{"name": u.name, "role": u.role, "schools": u.schools}
                         | {k: list(v) for k, v in (("counties", u.counties), ("regions", u.regions)) if v}
                         for u in users])
        elif not users:
            print(t("auth.cli.no-users", lang, path=path))
        else:
            for u in users:
                print(f"{u.name:<24} {u.role:<11} {_where(u, lang)}")
    return EXIT_OK


def _common_options() -> argparse.ArgumentParser:
    """``--db`` and ``--lang``, accepted before or after the command."""
    from analytics.i18n import LANGS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database file or postgresql:// URL (default: $DUAL_MENTOR_DB or data/dual_mentor.duckdb)")
    common.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help="language of messages")
    common.add_argument("--wait", type=float, metavar="SECONDS", default=argparse.SUPPRESS,
                        help=f"how long to wait while the dashboard holds the database "
                             f"(default: ${db.WAIT_VAR} or {db.DEFAULT_WAIT:g})")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The parser of every registered command (``COMMANDS``), each with its own options."""
    common = _common_options()
    groups = {"filters": argparse.ArgumentParser(add_help=False)}
    _filter_options(groups["filters"])
    prog = "dual-mentor" if Path(sys.argv[0]).stem == "dual-mentor" else "python -m analytics"
    parser = argparse.ArgumentParser(prog=prog, description="Dual-mentor program analytics", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_, wanted, options, handler in COMMANDS:
        p = sub.add_parser(name, parents=[common, *(groups[g] for g in wanted)], help=help_)
        if options is not None:
            options(p)
        p.set_defaults(func=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv``, default the process's arguments) and return its exit status;
    the entry of ``python -m analytics`` and of the installed ``dual-mentor`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    args.wait = getattr(args, "wait", None)
    lang = getattr(args, "lang", None) or _default_lang()
    try:
        return args.func(args, lang)
    except ConfigError as e:
        print(e.message(lang), file=sys.stderr)
        return EXIT_USAGE
    except StoreError as e:
        print(e.message(lang), file=sys.stderr)
        return EXIT_USAGE if e.code in USAGE_STORE_ERRORS else EXIT_FAILED
    except (FileRejectedError, UndoError) as e:
        print(e.message(lang), file=sys.stderr)
        return EXIT_FAILED
    except AnalyticsError as e:
        print(e.message(lang), file=sys.stderr)
        return EXIT_FAILED
