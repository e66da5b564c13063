#!/usr/bin/env python3
"""List the boto3 operations that plugins/ calls from more than one function.

An operation is a method called on something named like a client (``client``, ``iam``,
``backup``, ``sts``, ``kms``, ``s3``, ``ddb``, ``*_client``, ``self.client`` ...), or the
name given to ``get_paginator("...")``. A function that calls it "wraps" it. Usage:

    python hacking/wrapped_operations.py [plugins]

Prints each operation wrapped by more than one function, then the count.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

CLIENT_NAMES = {"client", "iam", "backup", "sts", "kms", "s3", "ddb", "dynamodb", "organizations", "sts_client",
                "iam_client", "kms_client", "s3_client", "ddb_client", "backup_client", "dynamodb_client"}
NOT_OPERATIONS = {"get_paginator", "can_paginate", "get_waiter", "close", "meta", "exceptions"}


def receiver_name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def paginator_helpers(tree):
    """Names of functions that call get_paginator with a parameter (such as ``_paged(client, "op")``)."""
    helpers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "get_paginator" and call.args and isinstance(call.args[0], ast.Name)):
                    helpers.add(node.name)
    return helpers


def operations(tree):
    """{operation: {function qualname}} for one module."""
    found = defaultdict(set)
    helpers = paginator_helpers(tree)

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, scope + [child.name])
                continue
            if isinstance(child, ast.Call) and receiver_name(child.func) in helpers:
                for arg in child.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.islower():
                        found[arg.value].add(".".join(scope))
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                method = child.func.attr
                name = receiver_name(child.func.value) or ""
                if method == "get_paginator" and child.args and isinstance(child.args[0], ast.Constant):
                    found[child.args[0].value].add(".".join(scope))
                elif method not in NOT_OPERATIONS and (name in CLIENT_NAMES or name.endswith("_client")):
                    found[method].add(".".join(scope))
            visit(child, scope)

    visit(tree, [])
    return found


def main(root="plugins"):
    wrapped = defaultdict(set)
    for path in sorted(Path(root).rglob("*.py")):
        for operation, scopes in operations(ast.parse(path.read_text(), str(path))).items():
            for scope in scopes:
                wrapped[operation].add(f"{path}:{scope}")
    many = {op: places for op, places in wrapped.items() if len(places) > 1}
    for op in sorted(many):
        print(f"{op}: {len(many[op])}")
        for place in sorted(many[op]):
            print(f"    {place}")
    print(f"{len(many)} operations wrapped more than once (of {len(wrapped)})")


if __name__ == "__main__":
    main(*sys.argv[1:])
