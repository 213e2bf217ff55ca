"""Static checks that SQL dbt compiled for BigQuery is BigQuery SQL, not DuckDB SQL the emulator let through.

local-bigquery runs queries by translating them to DuckDB, so a DuckDB-only construct in a model can pass on the
emulator and fail on BigQuery. sqlglot's BigQuery dialect parses every compiled statement; what it cannot read
as BigQuery, and the DuckDB habits below, are reported. sqlglot reads DuckDB's type names (`double`, `text`,
`timestamptz`) as the BigQuery types they map to, so the type names written in casts and in the column lists
of CREATE TABLE (dbt writes a contract's `data_type`s there) are checked against BigQuery's own spellings, and
casts to a parameterized type (`numeric(38, 9)`), which BigQuery refuses, are reported too.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

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


# GoogleSQL's type names and aliases (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types).
BIGQUERY_TYPES = frozenset(
    {
        "int64",
        "int",
        "smallint",
        "integer",
        "bigint",
        "tinyint",
        "byteint",
        "numeric",
        "decimal",
        "bignumeric",
        "bigdecimal",
        "float64",
        "bool",
        "boolean",
        "string",
        "bytes",
        "date",
        "datetime",
        "time",
        "timestamp",
        "interval",
        "geography",
        "json",
        "array",
        "struct",
        "range",
    }
)
_CASTS = frozenset({"cast", "safe_cast"})
_NOT_COLUMNS = frozenset({"primary", "foreign", "constraint"})


def _type_names(tokens: list[Token]) -> list[tuple[int, bool]]:
    """Where a type is named (its token's index, and whether in a cast): after `as` in cast(…)/safe_cast(…), and
    after each column name in the column list of CREATE TABLE."""
    found: list[tuple[int, bool]] = []
    casts: list[bool] = []  # per open parenthesis: does it belong to a cast?
    column_list_depth: int | None = None
    expect_column = False
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        if token.token_type == TokenType.L_PAREN:
            casts.append(previous is not None and previous.text.lower() in _CASTS)
            if column_list_depth is None and _opens_column_list(tokens, index):
                column_list_depth, expect_column = len(casts), True
                continue
        elif token.token_type == TokenType.R_PAREN:
            if column_list_depth == len(casts):
                column_list_depth = None
            if casts:
                casts.pop()
        elif casts and casts[-1] and previous is not None and previous.token_type == TokenType.ALIAS:
            found.append((index, True))
        if column_list_depth == len(casts):
            if token.token_type == TokenType.COMMA:
                expect_column = True
            elif expect_column:
                expect_column = False
                if token.text.lower().split()[0] not in _NOT_COLUMNS and index + 1 < len(tokens):
                    found.append((index + 1, False))
    return found


def _opens_column_list(tokens: list[Token], paren: int) -> bool:
    """True when tokens[paren] is the `(` right after `CREATE [OR REPLACE] [TEMP] TABLE [IF NOT EXISTS] name`."""
    names = {TokenType.IDENTIFIER, TokenType.VAR}
    index = paren - 1
    if index < 0 or tokens[index].token_type not in names:
        return False
    while index >= 2 and tokens[index - 1].token_type == TokenType.DOT and tokens[index - 2].token_type in names:
        index -= 2  # `project`.`dataset`.`table`
    index -= 1
    if_not_exists = [TokenType.VAR, TokenType.NOT, TokenType.EXISTS]
    if index >= 2 and [token.token_type for token in tokens[index - 2 : index + 1]] == if_not_exists:
        index -= 3
    return index >= 0 and tokens[index].token_type == TokenType.TABLE


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
    for index, in_cast in _type_names(tokens):
        token = tokens[index]
        if token.text.lower() not in BIGQUERY_TYPES:
            problems.append(f"type `{token.text}` at line {token.line} is not a BigQuery type name")
        elif in_cast and index + 1 < len(tokens) and tokens[index + 1].token_type == TokenType.L_PAREN:
            problems.append(f"`{token.text}(…)` at line {token.line}: BigQuery allows no parameterized type in CAST")
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


def _model_files(root: Path) -> list[Path]:
    """The .sql files dbt wrote under `root`, without unit-test fixtures (`<models>.yml/<input>.sql`): dbt writes
    the fixture of an input to the same path for every unit test of that YAML file that mocks it, so threads
    running two such tests write the file over each other and a reader can catch a mix of both. The fixtures'
    SQL as sent is in dbt's log, where problems_in_dbt_log checks it."""
    return [path for path in sorted(root.rglob("*.sql")) if not path.parent.name.endswith(".yml")]


def problems_in_tree(root: Path) -> dict[str, list[str]]:
    """bigquery_problems for every model, test and seed .sql file under `root` (dbt's target/compiled and
    target/run), by path."""
    found: dict[str, list[str]] = {}
    for path in _model_files(root):
        if problems := bigquery_problems(path.read_text()):
            found[str(path.relative_to(root))] = problems
    return found


_LOG_RECORD = re.compile(r"^(?:\x1b\[[0-9;]*m)?\d{2}:\d{2}:\d{2}\.\d+ \[")
_SENT = re.compile(r"\]: On ([^:]+): (.*)$")
_QUERY_COMMENT = '/* {"app": "dbt"'


def statements_in_dbt_log(path: Path) -> list[tuple[str, str]]:
    """(node, SQL) of every statement dbt logged as sent to the warehouse (its debug records `On <node>: <SQL>`,
    SQL starting with dbt's query comment and running on until the next record): also the SQL that reaches
    neither target/compiled nor target/run, such as a contract's `cast(null as <data_type>)` check."""
    statements: list[tuple[str, str]] = []
    current: tuple[str, list[str]] | None = None
    for line in path.read_text(errors="replace").splitlines():
        if _LOG_RECORD.match(line):
            if current is not None:
                statements.append((current[0], "\n".join(current[1]).strip()))
                current = None
            if (sent := _SENT.search(line)) and sent.group(2).startswith(_QUERY_COMMENT):
                current = (sent.group(1), [sent.group(2)])
        elif current is not None:
            current[1].append(line)
    if current is not None:
        statements.append((current[0], "\n".join(current[1]).strip()))
    return statements


def _normalized(sql: str) -> str:
    """SQL without dbt's leading query comment, whitespace collapsed: the same statement logged or in a file."""
    if sql.startswith(_QUERY_COMMENT):
        sql = sql[sql.index("*/") + 2 :]
    return " ".join(sql.split())


def problems_in_dbt_log(log: Path, *covered: Path) -> dict[str, list[str]]:
    """bigquery_problems for each distinct statement in dbt's log that no .sql file under `covered` (dbt's
    target/compiled and target/run, checked by problems_in_tree) holds, by node."""
    seen = {_normalized(path.read_text()) for root in covered for path in _model_files(root)}
    found: dict[str, list[str]] = {}
    for node, sql in statements_in_dbt_log(log):
        text = _normalized(sql)
        if text in seen:
            continue
        seen.add(text)
        if problems := bigquery_problems(sql):
            found.setdefault(node, []).extend(problems)
    return found
