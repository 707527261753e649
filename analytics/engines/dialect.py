"""DuckDB SQL → PostgreSQL SQL: one statement, written once, run on either engine.

Every statement of the project is written in DuckDB's dialect with ``?`` parameters. For
PostgreSQL it is transpiled with sqlglot and then put through a small, named set of
rewrites (``REWRITES``) for what sqlglot leaves in DuckDB's form; the measurement that chose
this design is in docs/DEPLOY.md ("Engines"). Parameters become ``$1 … $n`` in their textual
order, so a rewrite that repeats an argument repeats the same parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.tokens import TokenType

_DUCKDB = DuckDB()


def number_placeholders(sql: str) -> str:
    """``?`` → ``$1``, ``$2`` … in textual order (strings and comments left alone)."""
    # ``?::TYPE`` is one token to sqlglot (its try-cast operator); to DuckDB it is a cast
    spots = [
        t
        for t in _DUCKDB.tokenize(sql)
        if (t.token_type == TokenType.PLACEHOLDER and t.text == "?")
        or (t.token_type == TokenType.QDCOLON and t.text.startswith("?"))
    ]
    out, last = [], 0
    for i, tok in enumerate(spots, start=1):
        out.append(sql[last : tok.start])
        out.append(f"${i}")
        last = tok.start + 1
    out.append(sql[last:])
    return "".join(out)


def _positional(node: exp.Expression, names: list[str] | None = None) -> exp.Expression:
    """``$n`` placeholders stay ``$n`` (sqlglot would write ``%(n)s``); a named ``$name`` becomes
    ``$k``, its place in ``names`` (first appearance order)."""
    if isinstance(node, exp.Placeholder) and node.this is not None:
        key = str(node.this)
        if not key.isdigit() and names is not None:
            if key not in names:
                names.append(key)
            key = str(names.index(key) + 1)
        return exp.var(f"${key}")
    return node


def _template(sql: str, **parts: exp.Expression) -> exp.Expression:
    """A PostgreSQL expression from ``sql`` whose columns ``__name`` are replaced by
    (copies of) ``parts`` — trees, not text, so placeholders inside survive."""
    tree = sqlglot.parse_one(sql, read="postgres")

    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name.startswith("__") and node.name[2:] in parts:
            return parts[node.name[2:]].copy()
        return node

    return tree.transform(put)


def _bottom_up(tree: exp.Expression, fix: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """Apply ``fix`` to every node, children before parents (a fixed node's parts are fixed)."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = fix(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _first_of(
    value: exp.Expression,
    order: exp.Expression | None,
    *,
    desc: bool,
    skip: list[str],
    condition: exp.Expression | None = None,
) -> exp.Expression:
    """``(array_agg(value ORDER BY order) FILTER (WHERE … IS NOT NULL))[1]``: the value of the
    first row, PostgreSQL's spelling of DuckDB's ``arg_min``/``arg_max``/``any_value``
    (``condition``: the aggregate's own ``FILTER``)."""
    by = f" ORDER BY __k{' DESC' if desc else ''}" if order is not None else ""
    conds = [f"__{name} IS NOT NULL" for name in skip] + (["(__c)"] if condition is not None else [])
    where = " AND ".join(conds)
    flt = f" FILTER (WHERE {where})" if where else ""
    parts = {"v": value} if order is None else {"v": value, "k": order}
    if condition is not None:
        parts["c"] = condition
    return _template(f"(ARRAY_AGG(__v{by}){flt})[1]", **parts)


def group_by_all(tree: exp.Expression) -> exp.Expression:
    """``GROUP BY ALL`` → ``GROUP BY`` the positions of the select items without an aggregate."""
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None or not group.args.get("all"):
            continue
        keys = [
            exp.Literal.number(i)
            for i, item in enumerate(select.expressions, start=1)
            if not item.find(exp.AggFunc) and not item.find(exp.Window)
        ]
        select.set("group", exp.Group(expressions=keys) if keys else None)
    return tree


def order_by_all(tree: exp.Expression) -> exp.Expression:
    """``ORDER BY ALL`` → ``ORDER BY 1, 2, …`` (every select item, left to right)."""
    for select in tree.find_all(exp.Select):
        order = select.args.get("order")
        if order is None or len(order.expressions) != 1:
            continue
        only = order.expressions[0]
        if isinstance(only.this, exp.Var) and only.this.name.upper() == "ALL":
            order.set(
                "expressions",
                [exp.Ordered(this=exp.Literal.number(i), desc=only.args.get("desc"))
                 for i in range(1, len(select.expressions) + 1)],
            )
    return tree


def subquery_alias(tree: exp.Expression) -> exp.Expression:
    """A subquery in FROM/JOIN gets a name (PostgreSQL 15 requires one)."""
    n = 0
    for sub in list(tree.find_all(exp.Subquery)):
        if sub.alias or not isinstance(sub.parent, (exp.From, exp.Join)):
            continue
        n += 1
        sub.set("alias", exp.TableAlias(this=exp.to_identifier(f"_sq{n}")))
    return tree


def semi_join_using(tree: exp.Expression) -> exp.Expression:
    """``a SEMI JOIN b USING (k)`` → ``a … WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k)``
    (sqlglot maps ``ON`` semi/anti joins itself, not ``USING``)."""
    for select in tree.find_all(exp.Select):
        source = select.args.get("from_") or select.args.get("from")
        joins = select.args.get("joins") or []
        if source is None or not isinstance(source.this, exp.Table):
            continue
        left = source.this.alias_or_name
        for join in list(joins):
            if (join.args.get("kind") or "").upper() != "SEMI" or not join.args.get("using"):
                continue
            right = join.this.alias_or_name
            cond = exp.and_(*[
                exp.EQ(this=exp.column(k.name, right), expression=exp.column(k.name, left))
                for k in join.args["using"]
            ])
            exists = exp.Exists(this=exp.select("1").from_(join.this.copy()).where(cond))
            joins.remove(join)
            select.where(exists, copy=False)
        select.set("joins", joins or None)
    return tree


def _names(select: exp.Expression, ctes: dict[str, exp.Expression]) -> list[str] | None:
    """Output column names of a SELECT (``*`` from a CTE resolved), or None when unknown."""
    if not isinstance(select, exp.Select):
        return None
    names: list[str] = []
    for item in select.expressions:
        if isinstance(item, exp.Star):
            source = select.args.get("from_") or select.args.get("from")
            table = source.this if source is not None else None
            if not isinstance(table, exp.Table) or table.name not in ctes or select.args.get("joins"):
                return None
            inner = _names(ctes[table.name], ctes)
            if inner is None:
                return None
            names.extend(inner)
        elif item.alias_or_name:
            names.append(item.alias_or_name)
        else:
            return None
    return names


def union_by_name(tree: exp.Expression) -> exp.Expression:
    """``UNION [ALL] BY NAME`` → a positional union whose branches list every name (NULL where
    a branch lacks it), when the names are known (explicit items, or ``*`` from a CTE)."""
    ctes = {c.alias: c.this for c in tree.find_all(exp.CTE)}
    for union in list(tree.find_all(exp.Union)):
        if not union.args.get("by_name"):
            continue
        branches, node = [], union
        while isinstance(node, exp.Union) and node.args.get("by_name"):
            branches.append(node.expression)
            node = node.this
        branches.append(node)
        branches.reverse()
        lists = [_names(b, ctes) for b in branches]
        if any(n is None for n in lists):
            continue
        order: list[str] = []
        for names in lists:
            order.extend(n for n in names if n not in order)
        for branch, names in zip(branches, lists):
            # an explicit item keeps what it computes; a name from ``*`` is the column itself
            items = {item.alias_or_name: item for item in branch.expressions if not isinstance(item, exp.Star)}
            branch.set(
                "expressions",
                [items.get(n) or exp.column(n, quoted=True) if n in names else exp.alias_(exp.null(), n, quoted=True)
                 for n in order],
            )
        for u in [union, *[x for x in union.find_all(exp.Union) if x is not union]]:
            u.set("by_name", None)
    return tree


def first_value_aggregates(tree: exp.Expression) -> exp.Expression:
    """``arg_min``/``arg_max`` (skip NULL value or key), ``arg_min_null``/``arg_max_null``
    (keep a NULL value), ``any_value`` and ``first`` as ``array_agg(…)[1]``; an aggregate's
    own ``FILTER (WHERE …)`` moves inside."""

    def convert(node: exp.Expression, condition: exp.Expression | None) -> exp.Expression | None:
        if isinstance(node, (exp.ArgMin, exp.ArgMax)):
            return _first_of(node.this, node.expression, desc=isinstance(node, exp.ArgMax),
                             skip=["v", "k"], condition=condition)
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("arg_min_null", "arg_max_null"):
            value, key = node.expressions
            return _first_of(value, key, desc=node.name.lower() == "arg_max_null", skip=["k"],
                             condition=condition)
        if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
            return _first_of(node.this.this, None, desc=False, skip=["v"], condition=condition)
        if isinstance(node, exp.AnyValue):
            return _first_of(node.this, None, desc=False, skip=["v"], condition=condition)
        if isinstance(node, exp.First):
            return _first_of(node.this, None, desc=False, skip=[], condition=condition)
        return None

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Filter) and isinstance(node.expression, exp.Where):
            done = convert(node.this, node.expression.this)
            if done is not None:
                return done
        if isinstance(node.parent, exp.Filter) and node.arg_key == "this":
            return node  # converted with its filter, above
        if isinstance(node, exp.IgnoreNulls) and not isinstance(node.this, exp.AggFunc):
            return node.this  # its aggregate is converted already, skipping NULLs
        done = convert(node, None)
        return node if done is None else done

    return _bottom_up(tree, fix)


def numeric_round(tree: exp.Expression) -> exp.Expression:
    """``round(x, n)`` → ``round(x::numeric, n)`` (PostgreSQL rounds only numerics to places;
    the result comes back as a float, as from DuckDB)."""

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
            inner = node.this
            if not (isinstance(inner, exp.Cast) and inner.to.is_type("decimal")):
                node.set("this", exp.cast(inner, exp.DataType.build("numeric")))
        return node

    return _bottom_up(tree, fix)


def functions(tree: exp.Expression) -> exp.Expression:
    """Functions PostgreSQL spells differently: ``make_date`` (integer arguments),
    ``list_position`` → ``array_position``, ``contains(text, text)`` → ``strpos(…) > 0``,
    ``unnest(generate_series(…))`` → ``generate_series(…)``, ``encode(text)`` →
    ``convert_to(text, 'UTF8')``, ``unhex`` → ``decode(…, 'hex')``, ``json_extract_string``
    on a text column → ``jsonb_path_query_first``."""

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.DateFromParts):
            parts = {k: node.args[k] for k in ("year", "month", "day")}
            return _template("MAKE_DATE(CAST(__year AS INT), CAST(__month AS INT), CAST(__day AS INT))", **parts)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_position":
            return exp.Anonymous(this="array_position", expressions=node.expressions)
        if isinstance(node, exp.Contains):
            return _template("STRPOS(__a, __b) > 0", a=node.this, b=node.expression)
        if isinstance(node, (exp.Explode, exp.Unnest)) and isinstance(
            node.this if isinstance(node, exp.Explode) else (node.expressions or [None])[0], exp.GenerateSeries
        ):
            # DuckDB's list of a series, unnested, is PostgreSQL's set-returning series
            return node.this if isinstance(node, exp.Explode) else node.expressions[0]
        if isinstance(node, exp.Encode):  # DuckDB's encode(text) is always UTF-8
            return _template("CONVERT_TO(__a, 'UTF8')", a=node.this)
        if isinstance(node, exp.JSONExtractScalar):
            # the project keeps JSON in text columns; a bound path is a JSONPath ('$.key')
            if isinstance(node.expression, exp.JSONPath):  # json_extract_path_text(json, …)
                node.set("this", exp.cast(node.this, exp.DataType.build("json")))
                return node
            return _template(
                "JSONB_PATH_QUERY_FIRST(CAST(__a AS JSONB), CAST(__b AS JSONPATH)) #>> '{}'",
                a=node.this, b=node.expression)
        if isinstance(node, exp.Unhex):
            return _template("DECODE(__a, 'hex')", a=node.this)
        return node

    return _bottom_up(tree, fix)


# Each rewrite takes the parsed statement (DuckDB's tree) and returns the tree PostgreSQL
# accepts; they run in this order. Names are what docs/DEPLOY.md counts.
REWRITES: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "group_by_all": group_by_all,
    "order_by_all": order_by_all,
    "subquery_alias": subquery_alias,
    "union_by_name": union_by_name,
    "semi_join_using": semi_join_using,
    "first_value_aggregates": first_value_aggregates,
    "numeric_round": numeric_round,
    "functions": functions,
}


def to_postgres(sql: str) -> str:
    """The PostgreSQL text of one DuckDB statement with ``?`` parameters."""
    return translate(sql)[0]


@lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, tuple[str, ...]]:
    """The PostgreSQL text of one DuckDB statement and, for ``$name`` parameters, the names in
    the order of ``$1 … $n`` (cached: the project's SQL is a finite set)."""
    numbered = number_placeholders(sql)
    trees = sqlglot.parse(numbered, read="duckdb")
    out: list[str] = []
    names: list[str] = []
    for tree in trees:
        if tree is None:
            continue
        for rewrite in REWRITES.values():
            tree = rewrite(tree)
        out.append(tree.transform(lambda n: _positional(n, names)).sql(dialect="postgres"))
    return "; ".join(out), tuple(names)
