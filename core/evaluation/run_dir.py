"""An evaluation run's directory: the configuration that decides its samples and verdicts
(EvalConfig, saved as config.json), the JSONL files it appends to, the keys of their rows, and
the check that a directory holds this run and no other, so that a resumed run never mixes two."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from core.evaluation.jsonl import JsonObject
from core.evaluation.problems import Problem
from core.sampling.params import DEFAULT_MAX_NEW_TOKENS, SamplingParams

CONFIG, SAMPLES, RESULTS, SUMMARY = "config.json", "samples.jsonl", "results.jsonl", "summary.json"
# The cluster and agreement rankers' data (core.ranking.examine): per problem and temperature the model's
# tests and the inputs, per sample its behaviour.
GENERATED_TESTS, BEHAVIOURS = "generated_tests.jsonl", "behaviours.jsonl"

# A line of one of the run's JSONL files (samples, results, generated tests, behaviours): written
# by this module, read back with json (a resumed run, a report).
Row = JsonObject
SampleKey = tuple[float, str, int]  # (temperature, task_id, index)
UnitKey = tuple[float, str]  # (temperature, task_id): one problem's samples at one temperature


class RunMismatch(ValueError):
    """The output directory holds a run with another configuration."""


@dataclass(frozen=True)
class EvalConfig:
    """Everything that decides which samples and verdicts a run produces.

    The k values are not part of it: they only change the summary, so a finished run can be
    summarized again with other k.
    """

    problems: str  # "humaneval" or the path the problems were read from
    problems_sha256: str  # of the selected problems, so an edited file is not mixed in
    task_ids: tuple[str, ...]
    n: int
    temperatures: tuple[float, ...]
    mode: str
    model: str
    top_p: float = 0.95
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    seed: int = 0
    timeout_s: float = 3.0
    back_translation: bool = True
    examine: bool = True  # run candidates on more inputs and model-written tests (cluster, agreement)

    def to_json(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_json(cls, row: JsonObject) -> EvalConfig:
        return cls(**{**row, "task_ids": tuple(row["task_ids"]), "temperatures": tuple(row["temperatures"])})

    def sampling_params(self, temperature: float) -> SamplingParams:
        return SamplingParams(
            n=self.n,
            temperature=temperature,
            top_p=self.top_p,
            max_new_tokens=self.max_new_tokens,
            seed=self.seed,
            mode=self.mode,
        ).validated()


def problems_digest(problems: Mapping[str, Problem]) -> str:
    return hashlib.sha256(json.dumps(problems, sort_keys=True).encode()).hexdigest()


def sample_key(row: Row) -> SampleKey:
    return (float(row["temperature"]), row["task_id"], int(row["index"]))


def sample_of(config: EvalConfig) -> Callable[[Row], SampleKey]:
    """sample_key for the sample rows of a run of `config`: a ValueError for a row that is none of
    its samples (a problem the run does not have) or has no text to test."""

    def key(row: Row) -> SampleKey:
        temperature, task_id, index = found = sample_key(row)
        if temperature not in config.temperatures or task_id not in config.task_ids or index not in range(config.n):
            raise ValueError(f"{found} is none of the run's (temperature, task_id, index)")
        if not isinstance(row.get("completion"), str):
            raise ValueError("its completion is not a string")
        return found

    return key


def check_run_dir(out: Path, config: EvalConfig) -> None:
    """Refuse a directory that holds another run: mixing runs would corrupt both."""
    path = out / CONFIG
    if path.exists():
        try:
            existing = EvalConfig.from_json(json.loads(path.read_text()))
        except (ValueError, TypeError, KeyError) as exc:
            raise RunMismatch(
                f"{path} is not a configuration this version can read ({exc}); use another output directory"
            ) from None
        if existing != config:
            diff = ", ".join(
                f"{name} ({getattr(existing, name)!r} there, {getattr(config, name)!r} now)"
                for name in config.to_json()
                if getattr(existing, name) != getattr(config, name)
            )
            raise RunMismatch(
                f"{out} holds a run with a different configuration: {diff}; "
                "use another output directory or the same options"
            )
    elif (out / SAMPLES).exists():
        raise RunMismatch(f"{out} holds samples but no {CONFIG}; use an empty output directory")


def prepare_run_dir(out: Path, config: EvalConfig) -> None:
    """Create the run directory for `config`, or check that the run already in it is this one."""
    check_run_dir(out, config)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / CONFIG).exists():
        write_json_atomic(out / CONFIG, config.to_json())


def write_json_atomic(path: Path, data: JsonObject) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


def append_rows(fh: TextIO, rows: list[Row]) -> None:
    # One write per batch, flushed at once: after a kill the file ends at most in a torn line.
    fh.write("".join(json.dumps(row) + "\n" for row in rows))
    fh.flush()
