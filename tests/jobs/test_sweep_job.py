"""The Sampling lab's job, run as the engine process runs it, with the tiny model and the real sandbox."""

import csv
import io
import json
import threading

import pytest

from core.host.jobs import sweep_job
from core.params import SamplingParams
from core.sweep import LabSample, Sweep

PROMPT = "def double(x):\n"
TESTS = "def check(candidate):\n    assert candidate(2) == 4\n"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PARAMS = SamplingParams(max_new_tokens=8, mode="completion", seed=1)


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as pool:
        yield pool


def sweep(engine, pool, cancel, temperatures, n):
    return sweep_job.run(
        engine,
        lambda: pool,
        cancel,
        prompt=PROMPT,
        tests=TESTS,
        entry_point="double",
        temperatures=temperatures,
        n=n,
        params=PARAMS,
    )


def test_snapshots_grow_until_every_sample_is_tested_and_drawn(tiny_engine, pool):
    snapshots = list(sweep(tiny_engine, pool, threading.Event(), [0.2, 1.0], 3))
    progress = [(s["progress"]["sampled"], s["progress"]["tested"]) for s in snapshots]
    assert progress[0] == (1, 0) and progress[-1] == (6, 6)
    assert all(a <= b for a, b in zip(progress, progress[1:]))  # both counts only grow
    assert all(s["progress"]["total"] == 6 for s in snapshots)
    final = snapshots[-1]
    assert final["done"] and not snapshots[0]["done"]
    assert all(s["passed"] is not None for s in final["samples"])
    assert set(final["plots"]) == set(sweep_job.PLOTS)
    assert all(png.startswith(PNG_MAGIC) and len(png) > 5000 for png in final["plots"].values())
    # The numbers per temperature: every sample tested, pass@k for k up to n.
    assert [row["temperature"] for row in final["table"]] == [0.2, 1.0]
    for row in final["table"]:
        assert (row["sampled"], row["tested"], row["samples"]) == (3, 3, 3)
        assert list(row["pass_at_k"]) == ["pass@1", "pass@2", "pass@3"]
        assert 1 <= row["distinct"] <= 3 and row["distinct_passing"] <= row["passed"]
    # The CSV holds one row per sample, in temperature then index order.
    rows = list(csv.DictReader(io.StringIO(final["csv"])))
    expected = sorted((s["temperature"], s["index"]) for s in final["samples"])
    assert [(float(r["temperature"]), int(r["index"])) for r in rows] == expected
    assert [r["completion"] for r in rows] == [
        s["completion"] for s in sorted(final["samples"], key=lambda s: (s["temperature"], s["index"]))
    ]
    # Everything but the PNG bytes goes to the session store as JSON.
    json.dumps({key: value for key, value in final.items() if key != "plots"})


def test_stop_ends_the_sweep_early(tiny_engine, pool):
    cancel = threading.Event()
    snapshots = []
    for snapshot in sweep(tiny_engine, pool, cancel, [0.2, 0.6, 1.0], 4):
        snapshots.append(snapshot)
        cancel.set()
    final = snapshots[-1]
    assert not final["done"]
    assert {s["temperature"] for s in final["samples"]} == {0.2}  # the later temperatures never started
    assert final["progress"]["sampled"] <= 4


def test_figures_are_redrawn_at_most_once_a_second_and_always_when_forced():
    renderer = sweep_job._Renderer()
    first = Sweep((0.5,), 2)
    renderer.update(first.summary())
    assert set(renderer.pngs) == {"distinct_programs"}  # nothing tested yet: the other figures wait
    drawn = renderer.pngs["distinct_programs"]
    second = Sweep(
        (0.5,),
        2,
        [
            LabSample(0.5, 0, "    return 2 * x\n", -0.5, -2.0, True),
            LabSample(0.5, 1, "    return x\n", -1.5, -3.0, False),
        ],
    )
    renderer.update(second.summary())
    assert renderer.pngs == {"distinct_programs": drawn}
    renderer.update(second.summary(), force=True)
    assert set(renderer.pngs) == set(sweep_job.PLOTS) and renderer.pngs["distinct_programs"] != drawn


def test_dark_windows_get_figures_drawn_on_a_dark_background():
    from PIL import Image

    sweep = Sweep((0.5,), 2)
    light, dark = sweep_job._Renderer(), sweep_job._Renderer(dark=True)
    for renderer in (light, dark):
        renderer.update(sweep.summary(), force=True)
    corner = [Image.open(io.BytesIO(r.pngs["distinct_programs"])).convert("L").getpixel((2, 2)) for r in (light, dark)]
    assert corner[0] > 200 and corner[1] < 50
