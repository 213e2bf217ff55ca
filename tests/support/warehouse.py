"""Reading a test warehouse."""

from __future__ import annotations

from collections.abc import Sequence

from elt.targets import Target


def query(target: Target, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with target.connect() as con:
        return con.execute(sql, list(params)).fetchall()
