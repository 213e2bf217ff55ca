"""Static checks that SQL dbt compiled for BigQuery is BigQuery SQL, not DuckDB SQL the emulator let through.

local-bigquery runs queries by translating them to DuckDB, so a DuckDB-only construct in a model can pass on the
emulator and fail on BigQuery. sqlglot's BigQuery dialect parses every compiled statement; what it cannot read
as BigQuery, and the DuckDB habits below, are reported.
"""

from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

# Functions DuckDB has and BigQuery has not (or spells differently); sqlglot reads most of them as Anonymous.
DUCKDB_ONLY_FUNCTIONS = frozenset(
    {
        "try_cast",
        "string_split",
        "string_split_regex",
        "str_split",
        "split_part",
        "list_value",
        "list_extract",
        "array_extract",
        "list_aggregate",
        "strftime",
        "strptime",
        "epoch",
        "epoch_ms",
        "regexp_matches",
        "regexp_full_match",
        "date_diff",
        "datediff",
        "date_part",
        "datepart",
        "struct_pack",
        "ifnull_or",
        "len",
        "printf",
        "to_timestamp",
        "today",
        "now",
    }
)


def bigquery_problems(sql: str) -> list[str]:
    """What in `sql` is not BigQuery SQL: parse errors, `::` casts, DuckDB functions, negative list indexes."""
    problems: list[str] = []
    try:
        tokens = sqlglot.tokenize(sql, read="bigquery")
    except SqlglotError as exc:
        return [f"cannot tokenize as BigQuery SQL: {exc}"]
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        if token.token_type == TokenType.DCOLON:
            problems.append(f"`::` cast at line {token.line} (use cast(… as …) or dbt.safe_cast)")
        elif (
            token.text.lower() in DUCKDB_ONLY_FUNCTIONS
            and token.token_type != TokenType.STRING
            and following is not None
            and following.token_type == TokenType.L_PAREN
        ):
            problems.append(f"DuckDB function `{token.text}` at line {token.line}")
    try:
        statements = sqlglot.parse(sql, read="bigquery")
    except SqlglotError as exc:
        return [*problems, f"not BigQuery SQL: {str(exc)[:500]}"]
    for statement in statements:
        if statement is None:
            continue
        for function in statement.find_all(exp.Anonymous):
            problems.append(f"function `{function.name}` unknown to BigQuery's dialect in sqlglot")
        for bracket in statement.find_all(exp.Bracket):
            index = bracket.expressions[0] if bracket.expressions else None
            if "offset" not in bracket.args and (
                isinstance(index, exp.Neg) or (isinstance(index, exp.Literal) and index.this.startswith("-"))
            ):
                problems.append(f"negative array index `{bracket.sql('bigquery')}` (DuckDB only)")
    return problems


def problems_in_tree(root: Path) -> dict[str, list[str]]:
    """bigquery_problems for every .sql file under `root` (dbt's target/compiled and target/run), by path."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.sql")):
        if problems := bigquery_problems(path.read_text()):
            found[str(path.relative_to(root))] = problems
    return found
