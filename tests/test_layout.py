"""The package's layout is its architecture: the azure-cli face at the top, one subpackage per concern,
imports running one way (top -> fleet, images -> replicas -> arm) with no cycles. Read from the source
with ast, so a lazy import inside a function counts as much as one at the top. The tests are laid out the same way:
tests/<concern>/test_<module>.py holds the unit tests of azext_acr_replication/<concern>/<module>.py, and no test
file imports another (what tests share is in tests/helpers.py and tests/conftest.py)."""
import ast
import os

import pytest

pytestmark = pytest.mark.unit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = "azext_acr_replication"
FACE = {"__init__", "commands", "_params", "_help", "_validators", "custom", "_format", "_client_factory",
        "_exception_handler"}
# what each subpackage may import besides itself
ALLOWED = {"arm": set(), "replicas": {"arm"}, "images": {"arm", "replicas"}, "fleet": {"arm", "replicas"},
           "routing": {"arm", "replicas", "images"}}


def modules(package=PKG):
    """{dotted module name: path} for every module of a package (a folder's __init__ named as the folder)."""
    found = {}
    for dirpath, _, files in os.walk(os.path.join(ROOT, package)):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, name), ROOT)[:-3].replace(os.sep, ".")
                found[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(dirpath, name)
    return found


def imports_of(path, all_modules, package=PKG, name=None):
    """The package's modules a file imports, relative imports resolved and `from pkg import module` too; lazy
    imports inside functions count as much as those at the top. name: the file's dotted name (default: its path)."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    here = name or os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    parts = here.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == package}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[:len(parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != package:
                continue
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if candidate in all_modules else module)
    return found


def concern(module, package=PKG):
    """The folder a module belongs to (its own name for a folder's __init__), or None for the package top."""
    parts = module.split(".")
    if len(parts) >= 3:
        return parts[1]
    if len(parts) == 2 and os.path.isdir(os.path.join(ROOT, package, parts[1])):
        return parts[1]
    return None


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


# the emulator: what each folder may import besides itself (the top's modules: harness, demo, json_handler, ...)
EMULATOR_ALLOWED = {"state": set(), "arm": {"state", "json_handler"}, "dataplane": {"state", "json_handler"}}


def test_emulator_imports_run_one_way():
    all_modules = modules("emulator")
    wrong = []
    for module, path in all_modules.items():
        mine = concern(module, "emulator")
        if mine not in EMULATOR_ALLOWED:
            continue
        for target in imports_of(path, all_modules, "emulator"):
            theirs = concern(target, "emulator") or target.split(".")[-1]
            if theirs != mine and theirs not in EMULATOR_ALLOWED[mine]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_relative_lazy_and_folder_imports(tmp_path):
    """The checks above are only as good as imports_of: relative forms and imports inside functions count, and
    a folder's __init__ belongs to the folder."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..images import refs\n    from .. import fleet\n    from . import plan\n")
    found = imports_of(str(probe), modules(), name=f"{PKG}.replicas.probe")
    assert {f"{PKG}.images.refs", f"{PKG}.fleet", f"{PKG}.replicas.plan"} <= found, found
    assert concern(f"{PKG}.arm") == "arm" and concern(f"{PKG}.custom") is None


# --- the tests' own layout ------------------------------------------------------------------------------------------
UNIT_FOLDERS = ("arm", "replicas", "images", "fleet", "routing")  # tests/<concern>/test_<module>.py for PKG/<concern>/<module>.py


def files_in_tests(pattern):
    """The test files under tests/ whose path relative to tests/ matches pattern (a glob; ** spans any depth)."""
    import glob
    return sorted(glob.glob(os.path.join(ROOT, "tests", pattern), recursive=True))


@pytest.mark.parametrize("sub", UNIT_FOLDERS)
def test_unit_tests_are_named_after_the_module_they_test(sub):
    stray = [os.path.basename(path) for path in files_in_tests(os.path.join(sub, "test_*.py"))
             if not os.path.isfile(os.path.join(ROOT, PKG, sub, os.path.basename(path)[len("test_"):]))]
    assert not stray, f"tests/{sub}: no module {PKG}/{sub}/<name>.py for {stray}"


def imported_test_modules(path):
    """The test modules (test_*.py, as tests.<...>.test_x) a file imports, in any form."""
    def is_test_module(dotted):
        return dotted.split(".")[0] == "tests" and dotted.split(".")[-1].startswith("test_")
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if is_test_module(a.name)}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                found |= {f"(relative) {module or alias.name}" for alias in node.names
                          if (module or alias.name).split(".")[-1].startswith("test_")}
            elif is_test_module(module):
                found.add(module)
            elif module.split(".")[0] == "tests":
                found |= {f"{module}.{a.name}" for a in node.names if a.name.startswith("test_")}
    return found


def test_no_test_file_imports_another():
    """Shared fakes and helpers live in tests/helpers.py (and fixtures in tests/conftest.py), never in a test file:
    a test file is read, moved and deleted on its own."""
    checked = files_in_tests(os.path.join("**", "test_*.py"))
    assert os.path.join(ROOT, "tests", "test_layout.py") in checked and any(
        os.sep + "emulator" + os.sep in path for path in checked), "the check must see tests/ and every folder below"
    wrong = {os.path.relpath(path, ROOT): sorted(imported_test_modules(path)) for path in checked}
    assert not {path: found for path, found in wrong.items() if found}


def test_the_import_check_sees_every_form(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text("import tests.arm.test_polling\nfrom tests.commands.test_dropin import command_table\n"
                     "from tests import test_docs\nfrom .test_errors import x\nfrom tests.helpers import FakeClock\n")
    assert imported_test_modules(str(probe)) == {"tests.arm.test_polling", "tests.commands.test_dropin",
                                                 "tests.test_docs", "(relative) test_errors"}
