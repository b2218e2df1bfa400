"""The Sampling lab's job, run as the engine process runs it, with the tiny model and the real sandbox:
its updates carry only what changed, and the host merges the ones it holds back."""

import csv
import io
import threading
from dataclasses import replace

import pytest

from core.evaluation.sweep import LabSample, Sweep
from core.evaluation.sweep_figures import PLOTS, render
from core.host.jobs import sweep_job
from core.host.snapshots import SweepUpdate
from core.sampling.params import SamplingParams

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


def test_updates_carry_only_what_changed_and_add_up_to_the_sweep(tiny_engine, pool):
    updates = list(sweep(tiny_engine, pool, threading.Event(), [0.2, 1.0], 3))
    assert all(isinstance(u, SweepUpdate) and (u.temperatures, u.n) == ((0.2, 1.0), 3) for u in updates)
    # Each fact once: a sample when drawn, again only when its verdict came; nothing resent.
    facts = [(s.key, s.passed is not None) for u in updates for s in u.samples]
    assert len(facts) == len(set(facts)) == 12 and all(len(u.samples) <= 1 for u in updates)
    built = Sweep((0.2, 1.0), 3)
    progress = []
    for update in updates:
        for sample in update.samples:
            built.record(sample)
        progress.append((len(built.samples), built.tested))
    assert progress[0] == (1, 0) and progress[-1] == (6, 6) and built.done
    # Figures come only when redrawn; the last update forces the drawing of every one with data.
    drawn = [name for u in updates for name in u.figures]
    assert set(updates[-1].figures) == set(PLOTS) and len(drawn) < len(PLOTS) * len(updates)
    assert all(png.startswith(PNG_MAGIC) and len(png) > 5000 for png in updates[-1].figures.values())
    assert updates[-1].figures == render(built.temperatures, built.n, built.samples, dark=False)
    # The numbers per temperature, derived from the samples: every sample tested.
    assert [(r.temperature, r.sampled, r.tested) for r in built.table()] == [(0.2, 3, 3), (1.0, 3, 3)]
    rows = list(csv.DictReader(io.StringIO(built.to_csv())))
    assert sorted((float(r["temperature"]), int(r["index"])) for r in rows) == sorted(s.key for s in built.samples)


def test_the_host_merges_updates_it_holds_back_and_loses_none(tiny_engine, pool, monkeypatch):
    from core.host import jobs

    monkeypatch.setattr(jobs, "UPDATE_S", 3600.0)  # only the first update and the merged rest are sent
    kwargs = dict(prompt=PROMPT, tests=TESTS, entry_point="double", temperatures=[0.2, 1.0], n=3, params=PARAMS)
    sent = list(jobs.updates("sweep", tiny_engine, lambda: pool, threading.Event(), kwargs))
    assert len(sent) == 2 and len(sent[0].samples) == 1
    built = Sweep((0.2, 1.0), 3)
    for update in sent:
        for sample in update.samples:
            built.record(sample)
    assert built.done and len(built.samples) == 6
    assert set(sent[0].figures) | set(sent[1].figures) == set(PLOTS)


def test_merging_keeps_the_latest_of_each_sample_and_figure():
    drawn = LabSample(0.5, 0, "    return x\n", -1.0, -2.0)
    first = SweepUpdate((0.5,), 2, (drawn,), {"distinct_programs": b"old"})
    second = SweepUpdate((0.5,), 2, (LabSample(0.5, 1, "", None, 0.0), replace(drawn, passed=True)), {})
    third = SweepUpdate((0.5,), 2, (), {"distinct_programs": b"new", "ranking": b"r"})
    merged = first.merged(second).merged(third)
    assert [(s.index, s.passed) for s in merged.samples] == [(0, True), (1, None)]
    assert merged.figures == {"distinct_programs": b"new", "ranking": b"r"}


def test_stop_ends_the_sweep_early(tiny_engine, pool):
    cancel = threading.Event()
    snapshots = []
    for snapshot in sweep(tiny_engine, pool, cancel, [0.2, 0.6, 1.0], 4):
        snapshots.append(snapshot)
        cancel.set()
    samples = {s.key: s for update in snapshots for s in update.samples}
    assert {t for t, _ in samples} == {0.2}  # the later temperatures never started
    assert len(samples) <= 4


def test_figures_are_redrawn_at_most_once_a_second_and_always_when_forced():
    renderer = sweep_job.Renderer()
    first = Sweep((0.5,), 2)
    drawn = renderer.update(first)
    assert set(drawn) == {"distinct_programs"}  # nothing tested yet: the other figures wait
    second = Sweep(
        (0.5,),
        2,
        [
            LabSample(0.5, 0, "    return 2 * x\n", -0.5, -2.0, True),
            LabSample(0.5, 1, "    return x\n", -1.5, -3.0, False),
        ],
    )
    assert renderer.update(second) == {}  # too soon
    redrawn = renderer.update(second, force=True)
    assert set(redrawn) == set(PLOTS) and redrawn["distinct_programs"] != drawn["distinct_programs"]
    assert renderer.update(second, force=True) == {}  # nothing changed: nothing drawn or sent


def test_dark_windows_get_figures_drawn_on_a_dark_background():
    from PIL import Image

    sweep = Sweep((0.5,), 2)
    pngs = [sweep_job.Renderer(dark).update(sweep, force=True)["distinct_programs"] for dark in (False, True)]
    corner = [Image.open(io.BytesIO(png)).convert("L").getpixel((2, 2)) for png in pngs]
    assert corner[0] > 200 and corner[1] < 50
