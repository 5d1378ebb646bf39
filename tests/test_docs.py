"""The documentation says only what is true: every test the reliability table names exists, its rows are
numbered without gaps, the README's layout lists every module of the extension and the emulator and every folder
of the tests (and nothing that is not there), every document it links exists, and every `az acr replication`
example uses options the command accepts."""
import ast
import os
import re
import shlex

import pytest

from tests.azcli import ROOT
from tests.helpers import command_table, options_of

RELIABILITY = os.path.join(ROOT, "docs", "reliability.md")
README = os.path.join(ROOT, "README.md")
DOCS = [README, os.path.join(ROOT, "CONTRIBUTING.md")] + [
    os.path.join(ROOT, "docs", name) for name in sorted(os.listdir(os.path.join(ROOT, "docs")))]


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def functions_in(path):
    tree = ast.parse(read(path))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def reliability_rows():
    """(legend, rows): the legend maps a file code to a test file (`R `tests/test_x.py``, in any folder of tests/);
    rows are the numbered lines of the table."""
    text = read(RELIABILITY)
    legend = dict(re.findall(r"\b([A-Z]{1,2}) `(tests/(?:\w+/)*test_\w+\.py)`", text))
    rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
    return legend, rows


def named_tests(cell, legend):
    """[(file, function)] from a cell. A test is named by its pytest node id, `tests/commands/test_sync.py::test_a`,
    or by a file code of the legend and its name, "S `test_a`, `test_b[param]`; DP `test_c`"; a bare name is in the
    file named last."""
    found, current = [], None
    for letter, name in re.findall(r"(?:\b([A-Z]{1,2}) )?`([^`]+)`", cell):
        if "::" in name:
            current, name = name.split("::", 1)
        elif letter:
            assert letter in legend, f"file code {letter!r} is not in the legend, in: {cell}"
            current = legend[letter]
        assert current, f"no test file before {name!r} in: {cell}"
        found.append((current, name.split("[")[0]))
    return found


@pytest.mark.unit
def test_reliability_rows_are_numbered_without_gaps_and_each_has_a_test():
    legend, rows = reliability_rows()
    numbers = [int(row.split("|")[1]) for row in rows]
    assert numbers == list(range(1, len(rows) + 1))
    for row in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row.strip("|"))]
        assert len(cells) == 5 and named_tests(cells[4], legend), row


@pytest.mark.unit
def test_every_test_the_reliability_table_names_exists():
    legend, rows = reliability_rows()
    missing = []
    for row in rows:
        for path, name in named_tests(re.split(r"(?<!\\)\|", row.strip("|"))[-1], legend):
            full = os.path.join(ROOT, path)
            if not path.startswith("tests/") or not os.path.isfile(full) or name not in functions_in(full):
                missing.append(f"{path}::{name} (row {row.split('|')[1].strip()})")
    assert not missing, "\n".join(missing)


@pytest.mark.unit
def test_linked_documents_exist():
    for doc in DOCS:
        for target in re.findall(r"\]\(((?!https?:|#)[^)#\s]+)", read(doc)):
            assert os.path.exists(os.path.normpath(os.path.join(os.path.dirname(doc), target))), (doc, target)


def layout_tree():
    """{relative path: description} from the README's Layout code block."""
    text = read(README)
    block = text[text.index("## Layout"):]
    block = block[block.index("```") + 3:]
    block = block[:block.index("```")]
    entries, stack = {}, []
    for line in block.splitlines()[1:]:
        match = re.match(r"^( *)(\S+)", line)
        if not match:
            continue
        depth, name = len(match.group(1)) // 2, match.group(2)
        stack[depth:] = [name.rstrip("/")]
        entries["/".join(stack)] = line
    return entries


@pytest.mark.unit
def test_readme_layout_lists_every_module_and_only_real_ones():
    entries = layout_tree()
    for path in entries:
        assert os.path.exists(os.path.join(ROOT, path)), f"README Layout names {path}, which does not exist"
    for package in ("azext_acr_replication", "emulator"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py") and name != "__init__.py" or name == "azext_metadata.json":
                    path = os.path.relpath(os.path.join(dirpath, name), ROOT)
                    assert path in entries or path.endswith("__init__.py"), f"README Layout misses {path}"


@pytest.mark.unit
def test_readme_layout_lists_every_test_folder():
    """The tests are listed by folder (tests/commands/, tests/emulator/, ...), not module by module: a newcomer finds
    the tests of a concern from the folder's name, and the modules in it from their own names."""
    entries = layout_tree()
    tests = os.path.join(ROOT, "tests")
    folders = sorted(os.path.relpath(os.path.join(dirpath, name), ROOT)
                     for dirpath, names, _ in os.walk(tests) for name in names if name != "__pycache__")
    assert [folder for folder in folders if folder not in entries] == [], "README Layout misses these folders"


@pytest.fixture(scope="module")
def our_options(ours_template, tmp_path_factory):
    table = command_table(ours_template[1], str(tmp_path_factory.mktemp("docs") / "ours"))
    return {name.split()[-1]: set(options_of(arguments)) for name, arguments in table.items()}


def examples(text):
    """Every `az acr replication ...` command line in a document (code spans and code blocks)."""
    found = []
    for line in re.findall(r"az acr replication [^`\n|]*", text):
        line = line.split("  #")[0].split(" # ")[0].strip().rstrip("\\").strip()
        found.append(line)
    return found


@pytest.mark.e2e  # asks the installed extension for its options
def test_every_example_uses_options_the_command_accepts(our_options):
    global_options = {"--query", "-o", "--output", "--debug", "--verbose", "--only-show-errors", "--subscription",
                      "--help", "-h", "--yes", "-y", "--acquire-policy-token", "--change-reference"}
    wrong = []
    for doc in DOCS:
        for line in examples(read(doc)):
            try:
                words = shlex.split(line.replace("$", "X"))
            except ValueError:
                words = line.split()
            command = words[3] if len(words) > 3 else None
            if command not in our_options:
                if command and not command.startswith(("-", "<", "...")) and command.isalpha():
                    wrong.append(f"{os.path.basename(doc)}: unknown command in: {line}")
                continue
            for word in words[4:]:
                option = word.split("=")[0]
                if option.startswith("-") and not re.match(r"^-\d", option) and \
                        option not in our_options[command] | global_options:
                    wrong.append(f"{os.path.basename(doc)}: {command} has no {option}: {line}")
    assert not wrong, "\n".join(wrong)


def _sync_options(command):
    """The options of a `sync` that decide the plan (not how it is shown or waited for)."""
    words = shlex.split(command)
    shown = {"--dry-run", "-o", "--output", "--wait-ready", "--timeout", "table", "json", "7200"}
    return [w for w in words[words.index("sync") + 1:] if w not in shown]


@pytest.mark.unit
def test_every_plan_the_readme_reviews_is_the_plan_it_applies():
    """Review-then-apply pairs: the apply must not add what changes the plan (--prune, a routing flag)."""
    text = read(README)
    commands = re.findall(r"az acr replication (sync [^`\n;#|]*)", text)
    reviewed = {tuple(sorted(_sync_options(c))) for c in commands if "--dry-run" in c}
    applied = [c for c in commands if "--dry-run" not in c]
    assert reviewed and applied
    for command in applied:
        assert tuple(sorted(_sync_options(command))) in reviewed, f"applied without a review of the same plan: {command}"


@pytest.mark.unit
def test_the_python_the_docs_ask_for_is_what_the_pinned_azure_cli_needs():
    from importlib.metadata import metadata
    needed = tuple(int(n) for n in re.search(r">=(\d+)\.(\d+)", metadata("azure-cli")["Requires-Python"]).groups())
    for doc in (README, os.path.join(ROOT, "CONTRIBUTING.md")):
        stated = re.search(r"`python3` \((\d+)\.(\d+)\+", read(doc))
        assert stated and tuple(int(n) for n in stated.groups()) >= needed, doc


@pytest.mark.unit
def test_readme_lists_every_state_status_image_reports():
    from azext_acr_replication.images import artifacts, poller, snapshot
    states = [poller.PRESENT, artifacts.INCOMPLETE, poller.MISSING, poller.SKEW, snapshot.CREATING, snapshot.DELETING,
              snapshot.REPLICA_FAILED, snapshot.NO_ENDPOINT, poller.UNREACHABLE, poller.ERROR]
    text = " ".join(read(README).split())
    line = text[text.index("- States: `present`"):]
    line = line[:line.index(". ")]
    assert [s for s in states if f"`{s}`" not in line] == []


@pytest.mark.unit
def test_no_document_says_a_paragraph_twice():
    for doc in DOCS:
        paragraphs = [" ".join(p.split())[:120] for p in read(doc).split("\n\n") if len(" ".join(p.split())) > 120]
        assert sorted({p for p in paragraphs if paragraphs.count(p) > 1}) == [], doc
