"""The report of a finished evaluation run: figures (PNG and SVG) and one self-contained
HTML page, built from the run directory's summary.json, samples.jsonl and results.jsonl."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from matplotlib.figure import Figure

from core.evaluation import plots
from core.evaluation.jsonl import JsonObject
from core.evaluation.run_dir import RESULTS, SAMPLES, SUMMARY, Row, SampleKey, sample_key
from core.evaluation.run_rows import read_rows
from core.evaluation.summary_keys import by_k, by_temperature, pass_at_k_name
from core.user_error import MissingFile, UserError

REPORT = "report.html"
T = TypeVar("T")
# A run's summary.json (core.evaluation.evaluate.summarize): read back with json, so its values are JSON's.
Summary = Mapping[str, Any]


def load_run(run_dir: str | Path) -> tuple[JsonObject, list[Row], dict[SampleKey, Row]]:
    """(summary, samples, verdicts by sample key) of a run directory."""
    run = Path(run_dir)
    if not (run / SUMMARY).exists():
        raise MissingFile(f"{run} has no {SUMMARY}: run `codesynth eval --out {run}` to finish it first")

    def read(name: str, parse: Callable[[Path], T]) -> T:
        try:
            return parse(run / name)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{run / name} is damaged ({exc}): run `codesynth eval --out {run}` again") from None

    summary: JsonObject = read(SUMMARY, lambda path: json.loads(path.read_text(encoding="utf-8")))
    results = read(RESULTS, lambda path: read_rows(path, sample_key))
    return summary, list(read(SAMPLES, lambda path: read_rows(path, sample_key)).values()), results


def pass_at_k_by_temperature(summary: Summary) -> dict[float, dict[int, float]]:
    return {t: by_k(table) for t, table in by_temperature(summary["pass_at_k"]).items()}


def mean_logprobs_by_verdict(samples: list[Row], results: Mapping[SampleKey, Row]) -> tuple[list[float], list[float]]:
    passing: list[float] = []
    failing: list[float] = []
    for row in samples:
        verdict = results.get(sample_key(row))
        if verdict is not None and row.get("mean_logprob") is not None:
            (passing if verdict["passed"] else failing).append(row["mean_logprob"])
    return passing, failing


def figures(summary: Summary, samples: list[Row], results: Mapping[SampleKey, Row]) -> dict[str, Figure]:
    table = pass_at_k_by_temperature(summary)
    return {
        "pass_at_k_vs_k": plots.pass_at_k_vs_k(table),
        "pass_at_k_vs_temperature": plots.pass_at_k_vs_temperature(table),
        "distinct_programs": plots.distinct_programs_vs_temperature(by_temperature(summary["distinct_programs"])),
        "ranking": plots.ranking_curves(by_temperature(summary["ranking"])),
        "logprob_distribution": plots.logprob_distribution(*mean_logprobs_by_verdict(samples, results)),
    }


def format_table(summary: Summary) -> str:
    """The plain-text pass@k table printed at the end of `codesynth eval`."""
    names = [pass_at_k_name(k) for k in summary["ks"]]
    header = ["T", *names, "distinct/samples"]
    lines = []
    for t, rates in summary["pass_at_k"].items():
        d = summary["distinct_programs"][t]
        lines.append([t, *(f"{100 * rates[name]:.2f}%" for name in names), f"{d['distinct']}/{d['samples']}"])
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    table = "\n".join("  ".join(str(cell).rjust(w) for cell, w in zip(row, widths)) for row in [header, *lines])
    return "\n".join([table, *chosen_lines(summary), *reference_lines(summary)])


def reference_lines(summary: Summary) -> list[str]:
    """The problems whose own solutions fail in the sandbox (core.evaluation.reference_check), and
    pass@k without them."""
    failing = summary.get("reference_failures") or {}
    if not failing:
        return []
    lines = [
        f"{len(failing)} problem(s) whose own solutions fail in the sandbox count as failures above: {', '.join(failing)}"
    ]
    for t, rates in summary.get("pass_at_k_passing_references", {}).items():
        lines.append(f"T={t} without them: " + ", ".join(f"{name} {100 * rate:.2f}%" for name, rate in rates.items()))
    return lines


def chosen_lines(summary: Summary) -> list[str]:
    """Per temperature, the pass rate of the one sample each ranker picks out of all n."""
    return [
        f"T={t} choosing 1 of {len(next(iter(curves.values())))}: "
        + ", ".join(f"{name} {100 * curve[-1]:.1f}%" for name, curve in curves.items())
        for t, curves in summary["ranking"].items()
        if curves
    ]


def _html_table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _references_html(summary: Summary) -> str:
    """A note under the pass@k table where some problems' own solutions fail in the sandbox."""
    lines = reference_lines(summary)
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def render_html(summary: Summary, images: Mapping[str, str]) -> str:
    """The report page; `images` maps figure names to PNG data already base64-encoded."""
    names = [pass_at_k_name(k) for k in summary["ks"]]
    config = summary["config"]
    passk_rows = [[t, *(_percent(by_k[n]) for n in names)] for t, by_k in summary["pass_at_k"].items()]
    distinct_rows = [
        [t, d["samples"], d["distinct"], d["distinct_passing"], f"{d['mean_distinct_per_problem']:.1f}"]
        for t, d in summary["distinct_programs"].items()
    ]
    problem_rows = [
        [
            p["task_id"],
            f"{p['temperature']:g}",
            p["n"],
            p["passed"],
            *(_percent(p["pass_at_k"][n]) for n in names),
            p["distinct"],
        ]
        for p in summary["per_problem"]
    ]
    chosen_rows = [
        [t, name, _percent(curve[-1])] for t, curves in summary["ranking"].items() for name, curve in curves.items()
    ]
    examine_rows = [
        [
            t,
            e["problems_with_tests"],
            f"{e['mean_tests']:.1f}",
            e["dropped_tests"],
            f"{e['mean_inputs']:.1f}",
            f"{e['tests_seconds_per_problem']:.1f}",
            f"{e['probe_sandbox_seconds_per_problem']:.2f}",
            e.get("agreement_unavailable", ""),
        ]
        for t, e in summary.get("examine", {}).items()
    ]
    figure_html = "".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,{data}"></figure>' for name, data in images.items()
    )
    settings = [
        [key, ", ".join(map(str, value)) if isinstance(value, list) else value]
        for key, value in config.items()
        if key not in ("task_ids", "problems_sha256")
    ]
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>CodeSynth evaluation report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
th {{ background: #f0f0f0; }}
td:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>Evaluation report</h1>
<p>{summary["num_problems"]} problems from {html.escape(str(config["problems"]))}, model
{html.escape(str(config["model"]))}, n = {config["n"]} samples per problem and temperature.</p>
<h2>Settings</h2>{_html_table(["setting", "value"], settings)}
<h2>pass@k</h2>{_html_table(["temperature", *names], passk_rows)}{_references_html(summary)}
<h2>Distinct programs</h2>
{_html_table(["temperature", "samples", "distinct", "distinct passing", "distinct per problem"], distinct_rows)}
<h2>Choosing one sample of n</h2>
<p>The pass rate of the one sample each ranker picks out of all n (the right end of the ranking figure).</p>
{_html_table(["temperature", "ranker", "pass rate"], chosen_rows)}
<h2>Running the candidates beyond the tests</h2>
<p>For the cluster and agreement rankers: model-written tests and inputs per problem, and what they cost.</p>
{
        _html_table(
            [
                "temperature",
                "problems with model tests",
                "tests per problem",
                "tests dropped",
                "inputs per problem",
                "s writing tests per problem",
                "s of sandbox per problem",
                "agreement unavailable",
            ],
            examine_rows,
        )
    }
<h2>Figures</h2>{figure_html}
<h2>Per problem</h2>{_html_table(["task", "temperature", "n", "passed", *names, "distinct"], problem_rows)}
</body></html>
"""


def write_report(run_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """Write report.html, with every figure as PNG and SVG beside it; return the page's path."""
    summary, samples, results = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    images = {}
    for name, fig in figures(summary, samples, results).items():
        fig.savefig(out / f"{name}.svg")
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=110)
        (out / f"{name}.png").write_bytes(png.getvalue())
        images[name] = base64.b64encode(png.getvalue()).decode()
    page = out / REPORT
    page.write_text(render_html(summary, images))
    return page
