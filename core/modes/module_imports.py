"""Standard-library modules a program uses without importing them.

In instruct mode a local model's reply is started with the user's prompt (core.modes.instruct), so the
model writes only the body: it has no place above the function for `import re`, and it writes
`re.sub(...)` as if the import were there. Measured with the default model, half of the
candidates for a "squeeze repeated spaces" table failed only with `NameError: name 're' is not
defined`; of the 1,640 HumanEval samples, 13 used hashlib, math or re unimported (11 pass with
it). The import the model meant is the only one a name used as `name.attribute` can mean, so it is
added where the reply's own helpers go: at module level, after the function, which runs before
any test calls it.
"""

from __future__ import annotations

import ast
import symtable
import sys

from core.modes.source_check import UNPARSEABLE

# Private modules (`_thread`) are implementation details no reply means by a bare name.
_STDLIB_MODULES = frozenset(name for name in sys.stdlib_module_names if not name.startswith("_"))


def _tables(table: symtable.SymbolTable) -> list[symtable.SymbolTable]:
    return [table] + [t for child in table.get_children() for t in _tables(child)]


def _bound_globally(tables: list[symtable.SymbolTable]) -> set[str]:
    """Names the program binds at module level: assigned, imported, defined, or declared
    `global` and bound in a function."""
    module, functions = tables[0], tables[1:]
    bound = {s.get_name() for s in module.get_symbols() if s.is_assigned() or s.is_imported()}
    for table in functions:
        bound |= {
            s.get_name() for s in table.get_symbols() if s.is_declared_global() and (s.is_assigned() or s.is_imported())
        }
    return bound


def unimported_modules(program: str) -> list[str]:
    """Standard-library modules that `program` uses as `name.attribute` where `name` is bound
    nowhere: neither imported nor assigned at module level nor local to the scope that reads it.
    Sorted; empty for a program that does not parse (it fails on its own)."""
    try:
        tree = ast.parse(program)
        tables = _tables(symtable.symtable(program, "<candidate>", "exec"))
    except UNPARSEABLE:
        return []
    used = {
        node.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _STDLIB_MODULES
    }
    if not used:
        return []
    read_as_global = {
        s.get_name()
        for table in tables
        for s in table.get_symbols()
        if s.get_name() in used and s.is_referenced() and s.is_global()
    }
    return sorted(read_as_global - _bound_globally(tables))
