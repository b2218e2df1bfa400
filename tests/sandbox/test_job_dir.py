"""Finding 2 of issue 18: whatever a candidate does to its job folder, the next candidate on
the same worker finds it empty and writable, on its own clock, and is never blamed."""

import functools
import os
import stat
import textwrap

import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool, jobfs

pytestmark = pytest.mark.slow
WANT = "def check(candidate):\n    assert candidate() == {!r}\n"
# What a correct candidate after the attack must see and be able to do.
FRESH = textwrap.dedent("""
    import os, stat
    def f():
        with open("mine.txt", "w") as fh:
            fh.write("ok")
        return sorted(os.listdir(".")), stat.S_IMODE(os.stat(".").st_mode)
    """)


@pytest.fixture(scope="module")
def one():
    """One worker, so that every run follows the last on the same job folder."""
    with SandboxPool(workers=1) as pool:
        yield pool


run = functools.partial(run_code, timeout_s=5.0)


def assert_next_is_fine(pool):
    res = run(pool, FRESH, WANT.format((["mine.txt"], 0o700)))
    assert res.passed, res  # not "crash" (the worker died cleaning up) nor "timeout" (it cleaned on our clock)


def test_job_folder_is_a_fresh_capped_tmpfs(one):
    assert one.layers["job_tmpfs"]


@pytest.mark.parametrize(
    "attack",
    [
        # each was reproduced against the old worker, and the next correct candidate failed
        'os.chmod(".", 0)',
        'os.chmod(".", 0o555)',
        'open("left.txt", "w").write("x"); os.chmod("left.txt", 0); os.chmod(".", 0o555)',
        'p = "."\nfor i in range(1200):\n    p += "/d"\n    os.mkdir(p)',
        'for i in range(300000):\n    os.mkdir(f"d{i}")',
        'for i in range(300000):\n    open(f"f{i}", "w").close()',
        'os.symlink("/", "root"); os.mkfifo("fifo")',
        'fh = open("big", "wb")\nwhile True:\n    fh.write(b"x" * (1 << 20))',
        'os.utime(".", (1234, 5678))',
    ],
    ids=[
        "chmod0",
        "chmod555",
        "locked-leftovers",
        "deep-tree",
        "many-dirs",
        "many-files",
        "links-fifos",
        "fill",
        "times",
    ],
)
def test_no_attack_on_the_folder_reaches_the_next_candidate(one, attack):
    code = "import os\ndef f():\n" + textwrap.indent(attack, "    ") + "\n    return 'done'\n"
    res = run(one, code, WANT.format("never"), timeout_s=3)
    assert not res.passed
    assert_next_is_fine(one)
    assert_next_is_fine(one)


def test_a_note_left_for_the_next_candidate_is_gone(one):
    run(
        one,
        'import os\ndef f():\n    open("note.txt", "w").write("secret")\n    os.utime(".", (1234, 5678))\n'
        "    return 1\n",
        WANT.format(1),
    )
    res = run(
        one,
        """
        import os
        def f():
            return os.listdir("."), os.stat(".").st_mtime == 5678
        """,
        WANT.format(([], False)),
    )
    assert res.passed, res


def test_folders_links_and_pipes_cannot_be_made(one):
    res = run(
        one,
        """
        import os
        def f():
            made = []
            for make in (lambda: os.mkdir("d"), lambda: os.symlink("/", "l"), lambda: os.mkfifo("p"),
                         lambda: os.link("/usr/lib/os-release", "h")):
                try:
                    make()
                    made.append(1)
                except OSError:
                    made.append(0)
            return made
        """,
        WANT.format([0, 0, 0, 0]),
    )
    assert res.passed, res


def test_the_folder_holds_at_most_its_cap(one):
    res = run(
        one,
        f"""
        import os
        def f():
            total = 0
            for i in range(64):
                try:
                    with open(f"f{{i}}", "wb") as fh:
                        fh.write(b"x" * (4 << 20))
                    total += 4 << 20
                except OSError:
                    break
            return total <= {jobfs.JOB_BYTES}
        """,
        WANT.format(True),
    )
    assert res.passed, res


# ---- the plain-folder fallback (no mounts of its own), on a real folder --------------------


def test_plain_folder_is_emptied_flat_whatever_the_modes(tmp_path):
    job = jobfs.JobDir(str(tmp_path / "root"), may_mount=False)
    for i in range(50):
        path = os.path.join(job.path, f"f{i}")
        open(path, "w").close()
        os.chmod(path, 0)
    os.chmod(job.path, 0)
    job.reset()
    assert os.listdir(job.path) == [] and stat.S_IMODE(os.stat(job.path).st_mode) == 0o700
    job.reset()  # nothing changed since: nothing to do


def test_plain_folder_that_cannot_be_reset_says_so(tmp_path):
    job = jobfs.JobDir(str(tmp_path / "root"), may_mount=False)
    os.mkdir(os.path.join(job.path, "tree"))  # Landlock lets no candidate do this; if one did, no walk
    with pytest.raises(jobfs.JobDirError, match="could not be reset"):
        job.reset()
