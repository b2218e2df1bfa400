"""A demo script (issue 20): a presenter's steps saved as JSON, replayed later with the same seeds
so the audience sees the same candidates. Each step is a frozen dataclass; reading a file checks
every step on its own, so one bad step is reported and skipped while the others still play.
Qt-free: the window records and plays the steps (desktop_app.demo_recorder, desktop_app.demo_player).

Candidates are named by their index in the run (#0, #1, ...): with the same prompt, parameters and
seed the engine draws the same candidate at the same index, which is what makes a replay the same."""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, get_type_hints

from core.modes.entry_point import entry_point
from core.sampling.params import InvalidParams, SamplingParams
from core.user_error import UserError

FORMAT = "codesynth-demo-script"
VERSION = 1
TABS = ("workbench", "docstrings", "examples", "sweep", "compare")  # the window's tabs, by their kind
MAX_TEMPERATURE = 2.0  # the Parameters dock's slider ends here


class DemoScriptError(UserError):
    """The file as a whole cannot be read as a demo script."""


@dataclass(frozen=True)
class SetProblem:
    kind: ClassVar[str] = "set_problem"
    prompt: str
    tests: str = ""

    def check(self) -> None:
        if not self.prompt.strip():
            raise ValueError("its prompt is empty")

    def describe(self) -> str:
        name = entry_point(self.prompt) or self.prompt.strip().splitlines()[0][:40]
        return f"Set the problem: {name}{', with its tests' if self.tests.strip() else ', no tests'}"


@dataclass(frozen=True)
class SetParams:
    """Every sampling parameter a run uses; the seed is a number, never random, so it replays."""

    kind: ClassVar[str] = "set_params"
    n: int
    temperature: float
    top_p: float
    top_k: int
    max_new_tokens: int
    seed: int
    stop: tuple[str, ...]
    mode: str

    def sampling_params(self) -> SamplingParams:
        return SamplingParams(
            n=self.n,
            temperature=self.temperature,
            top_p=self.top_p,
            top_k=self.top_k,
            max_new_tokens=self.max_new_tokens,
            seed=self.seed,
            stop=self.stop,
            mode=self.mode,
        )

    def check(self) -> None:
        if self.seed < 0:
            raise ValueError("its seed is negative")
        try:
            self.sampling_params().validated()
        except InvalidParams as exc:
            raise ValueError(str(exc)) from None

    def describe(self) -> str:
        return (
            f"Set the parameters: n = {self.n}, T = {self.temperature:g}, top-p {self.top_p:g}, "
            f"top-k {self.top_k or 'off'}, seed {self.seed}"
        )


@dataclass(frozen=True)
class Generate:
    kind: ClassVar[str] = "generate"

    def check(self) -> None:
        pass

    def describe(self) -> str:
        return "Generate the candidates and test them"


def _check_index(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"its {name} is negative")


@dataclass(frozen=True)
class SelectCandidate:
    kind: ClassVar[str] = "select_candidate"
    candidate: int

    def check(self) -> None:
        _check_index("candidate", self.candidate)

    def describe(self) -> str:
        return f"Select candidate #{self.candidate}"


@dataclass(frozen=True)
class ShowToken:
    """The next-token distribution at one token of a candidate."""

    kind: ClassVar[str] = "show_token"
    candidate: int
    position: int

    def check(self) -> None:
        _check_index("candidate", self.candidate)
        _check_index("position", self.position)

    def describe(self) -> str:
        return f"Show the distribution at token {self.position} of candidate #{self.candidate}"


@dataclass(frozen=True)
class Branch:
    """A new candidate that writes `alternative` instead of token `position` of `candidate`."""

    kind: ClassVar[str] = "branch"
    candidate: int
    position: int
    alternative: str

    def check(self) -> None:
        _check_index("candidate", self.candidate)
        _check_index("position", self.position)
        if not self.alternative:
            raise ValueError("its alternative token is empty")

    def describe(self) -> str:
        return f"Branch from candidate #{self.candidate} at token {self.position} with {self.alternative!r}"


@dataclass(frozen=True)
class SetTemperature:
    """The temperature slider, as the distribution view shows it (no new run)."""

    kind: ClassVar[str] = "set_temperature"
    temperature: float

    def check(self) -> None:
        if not 0 <= self.temperature <= MAX_TEMPERATURE:
            raise ValueError(f"its temperature is outside 0 to {MAX_TEMPERATURE:g}")

    def describe(self) -> str:
        return f"Move the temperature to {self.temperature:g}"


@dataclass(frozen=True)
class PinRun:
    """Pins a run of this script to the Compare tab: `run` counts the script's Generate steps from 0."""

    kind: ClassVar[str] = "pin_run"
    run: int

    def check(self) -> None:
        _check_index("run", self.run)

    def describe(self) -> str:
        return f"Pin run {self.run + 1} of this demo to Compare"


@dataclass(frozen=True)
class ShowTab:
    kind: ClassVar[str] = "show_tab"
    tab: str

    def check(self) -> None:
        if self.tab not in TABS:
            raise ValueError(f"its tab {self.tab!r} is not one of {', '.join(TABS)}")

    def describe(self) -> str:
        return f"Show the {self.tab} tab"


Step = SetProblem | SetParams | Generate | SelectCandidate | ShowToken | Branch | SetTemperature | PinRun | ShowTab
STEP_TYPES: dict[str, type[Step]] = {
    t.kind: t
    for t in (SetProblem, SetParams, Generate, SelectCandidate, ShowToken, Branch, SetTemperature, PinRun, ShowTab)
}
# A presenter sliding or clicking along records many of these in a row; only where they stopped counts.
COALESCED = (SetParams, SetTemperature, SelectCandidate, ShowToken, ShowTab)


@dataclass(frozen=True)
class Script:
    steps: tuple[Step, ...]
    problems: tuple[str, ...] = ()  # one sentence per step left out, with its number in the file


def params_step(params: SamplingParams) -> SetParams:
    """The step that sets `params`; raises ValueError for a random seed, which cannot replay."""
    if params.seed is None:
        raise ValueError("the run used a random seed, so it would not replay the same")
    return SetParams(
        params.n,
        params.temperature,
        params.top_p,
        params.top_k,
        params.max_new_tokens,
        params.seed,
        tuple(params.stop),
        params.mode,
    )


def appended(steps: tuple[Step, ...], step: Step) -> tuple[Step, ...]:
    """`steps` and then `step`; a step of a kind in COALESCED replaces one of its kind just before it,
    and SetParams a SetTemperature just before it (it sets the temperature itself)."""
    replaced = (type(step), SetTemperature) if isinstance(step, SetParams) else (type(step),)
    if steps and isinstance(step, COALESCED) and type(steps[-1]) in replaced:
        return appended(steps[:-1], step)
    return (*steps, step)


def _value(name: str, wanted: object, value: object) -> object:
    """`value` as the field's type, or ValueError saying what is wrong."""
    if wanted is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if wanted is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if wanted is str and isinstance(value, str):
        return value
    if wanted == tuple[str, ...] and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    names: dict[object, str] = {int: "a whole number", float: "a number", str: "text"}
    expected = names.get(wanted, "a list of texts")
    raise ValueError(f"its {name} is not {expected}")


def parse_step(data: object) -> Step:
    """One step from its JSON object; raises ValueError with the reason (a clause, no step number)."""
    if not isinstance(data, dict):
        raise ValueError("it is not an object")
    kind = data.get("step")
    cls = STEP_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"its kind {kind!r} is not one of {', '.join(STEP_TYPES)}")
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names - {"step"})
    if unknown:
        raise ValueError(f"it has unknown fields ({', '.join(unknown)})")
    values: dict[str, Any] = {}  # Any: each is checked against its field's type by _value, at run time
    for f in fields(cls):
        if f.name in data:
            values[f.name] = _value(f.name, hints[f.name], data[f.name])
        elif f.default is MISSING:
            raise ValueError(f"it lacks its {f.name}")
    step = cls(**values)
    step.check()
    return step


def parse(text: str) -> Script:
    """A script from its JSON text. Raises DemoScriptError when the file is not a demo script at
    all; a bad step is left out and named in `problems`, and the other steps are kept."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DemoScriptError(
            f"This is not a demo script: it is not valid JSON (line {exc.lineno}: {exc.msg})."
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DemoScriptError(f'This is not a demo script: its "format" is not {FORMAT!r}.')
    version = document.get("version")
    if version != VERSION:
        raise DemoScriptError(
            f"This demo script has version {version!r}; this CodeSynth Studio reads version {VERSION}."
        )
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list):
        raise DemoScriptError('This demo script has no list of "steps".')
    steps: list[Step] = []
    problems: list[str] = []
    generated = 0
    for number, data in enumerate(raw_steps, start=1):
        try:
            step = parse_step(data)
            if isinstance(step, PinRun) and step.run >= generated:
                raise ValueError(f"it pins run {step.run + 1}, but only {generated} run(s) come before it")
        except ValueError as exc:
            problems.append(f"Step {number} was left out: {exc}.")
            continue
        generated += isinstance(step, Generate)
        steps.append(step)
    return Script(tuple(steps), tuple(problems))


def dumps(steps: tuple[Step, ...]) -> str:
    document = {"format": FORMAT, "version": VERSION, "steps": [{"step": step.kind, **asdict(step)} for step in steps]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load(path: str | Path) -> Script:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DemoScriptError(
            f"Could not read the demo script {path}: {getattr(exc, 'strerror', None) or exc}."
        ) from None
    return parse(text)


def save(path: str | Path, steps: tuple[Step, ...]) -> None:
    try:
        Path(path).write_text(dumps(steps), encoding="utf-8")
    except OSError as exc:
        raise DemoScriptError(f"Could not save the demo script to {path}: {exc.strerror or exc}.") from None
