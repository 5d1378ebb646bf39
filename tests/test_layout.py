"""The package's layout is its architecture: the azure-cli face at the top, one subpackage per concern,
imports running one way (top -> fleet, images -> replicas -> arm) with no cycles. Read from the source
with ast, so a lazy import inside a function counts as much as one at the top."""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = "azext_acr_replication"
FACE = {"__init__", "commands", "_params", "_help", "_validators", "custom", "_format", "_client_factory",
        "_exception_handler"}
# what each subpackage may import besides itself
ALLOWED = {"arm": set(), "replicas": {"arm"}, "images": {"arm", "replicas"}, "fleet": {"arm", "replicas"}}


def modules():
    """{dotted module name: path} for every module of the package."""
    found = {}
    for dirpath, _, files in os.walk(os.path.join(ROOT, PKG)):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, name), ROOT)[:-3].replace(os.sep, ".")
                found[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(dirpath, name)
    return found


def imports_of(path, all_modules):
    """The package modules a file imports (resolving `from pkg import module`)."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(PKG)}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PKG):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in all_modules else node.module)
    return found


def concern(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else None  # None: the package top


def test_the_package_top_holds_only_the_azure_cli_face():
    top = {m.split(".")[1] for m in modules() if m.count(".") == 1 and m.split(".")[1] not in ALLOWED}
    assert top <= FACE, f"not part of the azure-cli face: {sorted(top - FACE)}"
    assert len(top | {"__init__"}) <= 12


@pytest.mark.parametrize("sub", sorted(ALLOWED))
def test_each_concern_says_what_it_owns_and_must_not_import(sub):
    doc = ast.get_docstring(ast.parse(open(os.path.join(ROOT, PKG, sub, "__init__.py")).read()))
    assert doc and "imports" in doc.lower(), f"{sub}/__init__.py: say what it owns and what it must not import"


def test_imports_run_one_way():
    all_modules = modules()
    wrong = []
    for module, path in all_modules.items():
        mine = concern(module)
        if mine is None:
            continue  # the face may use every concern
        for target in imports_of(path, all_modules):
            theirs = concern(target)
            if target == PKG or theirs is None:
                wrong.append(f"{module} imports the package top ({target})")
            elif theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    all_modules = modules()
    graph = {m: {t for t in imports_of(p, all_modules) if t in all_modules and t != m and t != PKG}
             for m, p in all_modules.items()}
    state, cycle = {}, []

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycle.append(trail + [node, target])
            elif target not in state:
                visit(target, trail + [node])
        state[node] = "done"
    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycle, "import cycles: " + "; ".join(" -> ".join(c) for c in cycle)
