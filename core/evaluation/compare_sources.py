"""Where compared runs come from (core.evaluation.compare): a `codesynth eval` run directory, or a Workbench
run or Sampling lab sweep of a sessions file (the app keeps its own in its data folder as
sessions.sqlite). A run with several temperatures gives one RunRecord per temperature.

A run is named on the command line as
    DIR            every temperature of an eval run directory
    DIR@0.8        one of them
    FILE#12        session 12 of a sessions file (a Workbench run, or every temperature of a sweep)
    FILE#12@0.8    one temperature of a sweep
Nothing is written: eval files are read as they are, sessions files read-only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

from core.evaluation.compare import PARAMS, RunRecord, Sample
from core.evaluation.jsonl import JsonObject, iter_jsonl
from core.evaluation.run_dir import CONFIG, RESULTS, SAMPLES, EvalConfig, sample_key
from core.evaluation.sweep import Sweep
from core.modes.entry_point import entry_point
from core.storage.session_store import SessionRow, SessionStore
from core.user_error import UserError

KINDS = {"workbench": "Workbench run", "sweep": "Sampling lab sweep"}


class NoRunChosen(UserError):
    """A sessions file was named without `#ID`: `listing` names the runs it holds."""

    def __init__(self, message: str, listing: list[str]):
        super().__init__(message)
        self.listing = listing


def _rows(path: Path) -> list[JsonObject]:
    # A run being written (or killed mid-line) ends in a torn line: it is skipped, never cut off.
    return list(iter_jsonl(str(path), on_error=lambda _error: None)) if path.exists() else []


def _pick(temperatures: list[float], temperature: float | None, where: str) -> list[float]:
    if temperature is None:
        return temperatures
    if temperature not in temperatures:
        raise UserError(
            f"{where} has no run at T = {temperature:g}; its temperatures are "
            f"{', '.join(f'{t:g}' for t in temperatures)}."
        )
    return [temperature]


def from_eval_dir(path: str | Path, temperature: float | None = None) -> list[RunRecord]:
    """One record per temperature of the eval run in `path` (only `temperature` when given)."""
    run = Path(path)
    if not run.is_dir():
        raise UserError(f"{path}: no such eval run directory.")
    if not (run / CONFIG).exists() or not (run / SAMPLES).exists():
        raise UserError(
            f"{path} holds no eval run (no {CONFIG} and {SAMPLES}): give the --out directory of `codesynth eval`."
        )
    try:
        config = EvalConfig.from_json(json.loads((run / CONFIG).read_text()))
    except (ValueError, TypeError, KeyError) as exc:
        raise UserError(f"{run / CONFIG} is not an eval configuration this version can read ({exc}).") from None
    samples = _rows(run / SAMPLES)
    verdicts = {sample_key(r): r["passed"] for r in _rows(run / RESULTS)}
    records = []
    for t in _pick(list(config.temperatures), temperature, str(path)):
        rows = sorted((r for r in samples if float(r["temperature"]) == t), key=sample_key)
        params = {name: value for name, value in asdict(config.sampling_params(t)).items() if name in PARAMS}
        params["mode"] = rows[0].get("mode", config.mode) if rows else config.mode  # as the model resolved "auto"
        records.append(
            RunRecord(
                label=f"{run.resolve().name} · T={t:g}",
                source="eval",
                origin=f"{path}@{t:g}",
                model=config.model,
                problems=tuple(config.task_ids),
                prompt="",
                params=params,
                samples=tuple(
                    Sample(
                        r["task_id"],
                        int(r["index"]),
                        r["completion"],
                        r.get("mean_logprob"),
                        verdicts.get(sample_key(r)),
                    )
                    for r in rows
                ),
            )
        )
    return records


def from_session(store: SessionStore, session_id: int, temperature: float | None = None) -> list[RunRecord]:
    """The Workbench run, or one record per temperature of the sweep, saved as `session_id`."""
    where = f"{store.path}#{session_id}"
    try:
        row = store.get(session_id)
    except KeyError:
        raise UserError(f"{store.path} has no session {session_id}.") from None
    if row.kind == "workbench":
        return [_workbench(store, row, temperature, where)]
    if row.kind == "sweep":
        return _sweep(store, row, temperature, where)
    raise UserError(
        f"Session {session_id} is a {row.kind} session; only Workbench runs and Sampling lab sweeps can be compared."
    )


def _problem(row: SessionRow, prompt: str) -> tuple[str, ...]:
    return (entry_point(prompt) or row.name,)


def _workbench(store: SessionStore, row: SessionRow, temperature: float | None, where: str) -> RunRecord:
    params = {name: row.params.get(name) for name in PARAMS}
    _pick([row.params.get("temperature", 0.0)], temperature, where)
    verdicts = store.results(row.id)
    task = _problem(row, row.prompt)[0]
    samples = tuple(
        Sample(
            task,
            c.index,
            c.text,
            c.mean_logprob if c.token_logprobs else None,
            verdicts[c.index]["passed"] if c.index in verdicts else None,
        )
        for c in store.candidates(row.id)
    )
    return RunRecord(
        label=f"{row.name} · T={_number(params['temperature'])}",
        source="workbench",
        origin=where,
        model=row.model,
        problems=(task,),
        prompt=row.prompt,
        params=params,
        samples=samples,
    )


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _sweep(store: SessionStore, row: SessionRow, temperature: float | None, where: str) -> list[RunRecord]:
    document = store.document(row.id, "sweep") or {}
    sweep = None if document.get("sweep") is None else Sweep.from_json(document["sweep"])
    if sweep is None or not sweep.samples:
        raise UserError(f"The sweep {where} has no samples to compare.")
    prompt = document.get("prompt", "")
    task = _problem(row, prompt)[0]
    records = []
    for t in _pick(list(sweep.temperatures), temperature, where):
        # The lab keeps the sweep's own settings; the Parameters dock's others were not saved with it.
        params = {name: None for name in PARAMS} | {
            "n": sweep.n,
            "temperature": t,
            "max_new_tokens": document.get("max_new_tokens") or None,
        }
        samples = tuple(
            Sample(task, s.index, s.completion, s.mean_logprob, s.passed)
            for s in sorted(sweep.at(t), key=lambda s: s.index)
        )
        records.append(
            RunRecord(
                label=f"{task} sweep · T={t:g}",
                source="sweep",
                origin=f"{where}@{t:g}",
                model=row.model,
                problems=(task,),
                prompt=prompt,
                params=params,
                samples=samples,
            )
        )
    return records


def open_sessions(path: str | Path) -> SessionStore:
    try:
        return SessionStore(Path(path), read_only=True)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path} is not a CodeSynth sessions file ({exc}).") from None


def listing(store: SessionStore) -> list[str]:
    """The runs of a sessions file that can be compared, one line each, as `codesynth compare` names them."""
    return [f"{store.path}#{row.id}  {KINDS[row.kind]}  {row.name}" for row in store.list() if row.kind in KINDS]


def _split_temperature(spec: str) -> tuple[str, float | None]:
    head, at, tail = spec.rpartition("@")
    if not at or Path(spec).exists():
        return spec, None
    try:
        return head, float(tail)
    except ValueError:
        raise UserError(f"{spec}: “@{tail}” is not a temperature; write it like {head}@0.8.") from None


def load_runs(spec: str) -> list[RunRecord]:
    """The runs named by `spec` (see the module's docstring)."""
    source, temperature = _split_temperature(spec)
    file, hash_, ident = source.rpartition("#")
    if hash_ and Path(file).is_file():
        if not ident.isdigit():
            raise UserError(f"{spec}: “#{ident}” is not a session number; write it like {file}#12.")
        store = open_sessions(file)
        try:
            return from_session(store, int(ident), temperature)
        finally:
            store.close()
    if Path(source).is_file():
        store = open_sessions(source)
        try:
            runs = listing(store)
        finally:
            store.close()
        raise NoRunChosen(
            f"{source} is a sessions file: name one of its runs as {source}#ID"
            + ("; they are listed above." if runs else ", but it holds none that can be compared."),
            runs,
        )
    return from_eval_dir(source, temperature)
