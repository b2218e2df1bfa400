"""The candidates table: one source row per sample, in arrival order. Rank, duplicate groups
and test state are recomputed as candidates finish; a proxy sorts by rank and hides duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from core.displayable import displayable
from core.ranking.order import SCORED, group_duplicates, rank
from core.sampling.candidate import Candidate, CandidateDone, TokenDelta
from desktop_app import theme
from desktop_app.branch import Branch
from desktop_app.plain_text import as_html

if TYPE_CHECKING:  # for types only: the app imports sandbox.results lazily (see run_controller.show_saved)
    from sandbox.results import RunResult

COLUMNS = (
    "Rank",
    "Mean log-prob",
    "Sum log-prob",
    "Tests",
    "Behaves like",
    "Notes",
    "Tokens",
    "Time",
    "Copies",
    "Program",
)
# The invalid index: the parent of top-level rows (Qt passes it when asking for those counts).
_ROOT = QModelIndex()
RANK, MEAN, SUM, TESTS, BEHAVES, NOTES, TOKENS, TIME, COPIES, PROGRAM = range(len(COLUMNS))
CLUSTER = "cluster"  # the SCORED ranking whose scores are behaviour-cluster sizes
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
HIDDEN_ROLE = Qt.ItemDataRole.UserRole + 2
UNRANKED = 1 << 20  # rows still streaming sort after every ranked row

GENERATING, NO_TESTS, QUEUED, RUNNING, DONE, NOT_TESTED = (
    "generating",
    "no tests",
    "queued",
    "running",
    "done",
    "not tested",
)
# Stopped before it finished: a cut-off program is not a failure, so it is neither tested nor
# counted in pass@k.
CANCELLED = "stopped, not tested"
STATUS_WORDS = {
    "timeout": "timed out",
    "error": "error",
    "crash": "crashed",
    "memory_limit": "crashed (memory)",
    "sandbox_error": "sandbox error",
}


@dataclass
class Entry:
    index: int
    text: str = ""  # streamed raw text so far
    deltas: int = 0
    candidate: Candidate | None = None
    test: str = GENERATING
    result: RunResult | None = None
    rank: int | None = None
    copies: int = 1
    duplicate: bool = False  # a better-ranked identical program stands for it
    branch: Branch | None = None  # the candidate and token it branched from (desktop_app.branch)

    def test_result(self) -> RunResult:
        """The sandbox's result, which an entry has once its test is DONE."""
        if self.result is None:
            raise ValueError(f"candidate {self.index} has no test result yet")
        return self.result


def verdict(result) -> str:
    """A sandbox verdict as the CLI says it: "3 of 7 tests passed", or what stopped the program."""
    if result.status in ("pass", "fail"):
        return f"{result.n_passed} of {len(result.cases)} tests passed"
    return STATUS_WORDS.get(result.status, result.status)


def badge(entry: Entry) -> str:
    return verdict(entry.result) if entry.test == DONE else entry.test


def notes(entry: Entry) -> list[str]:
    """What must be said beside this row: cut by the token limit, not an attempt, stopped."""
    c = entry.candidate
    if c is None:
        return []
    # What a cut-off program is not (an attempt, finished by the limit) says nothing about it.
    return ["stopped before it finished"] if c.finish_reason == "cancelled" else c.warnings


def _badge_colour(entry: Entry) -> str | None:
    # A cut or degenerate candidate never wears the green (or red) of a normal result.
    if entry.test == CANCELLED or entry.candidate is not None and entry.candidate.degenerate:
        return theme.QUEUED
    if entry.test == DONE:
        if entry.candidate is not None and entry.candidate.cut_by_token_limit:
            return theme.RUNNING
        return theme.PASS if entry.test_result().passed else theme.FAIL
    return {RUNNING: theme.RUNNING, QUEUED: theme.QUEUED, CANCELLED: theme.QUEUED}.get(entry.test)


class CandidatesModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[Entry] = []
        self._rows: dict[int, int] = {}  # candidate index -> row
        self.ranking, self.seed = "mean_logprob", 0
        # Per SCORED ranking: candidate index -> score, once computed (back-translation log-prob,
        # behaviour-cluster size, agreement with the model's tests).
        self.scores: dict[str, dict[int, float]] = {key: {} for key in SCORED}
        self.behaviour_inputs = 0  # how many inputs the cluster sizes were measured on

    @property
    def back_translation(self) -> dict[int, float]:
        return self.scores["back_translation"]

    def clear(self, seed: int = 0) -> None:
        self.beginResetModel()
        self.entries, self._rows, self.seed = [], {}, seed
        self.scores = {key: {} for key in SCORED}
        self.behaviour_inputs = 0
        self.endResetModel()

    def reopen(self, indices: list[int]) -> None:
        """Empties the rows of these samples (stopped ones) so that they stream again."""
        for index in indices:
            if index in self._rows:
                self.entries[self._rows[index]] = Entry(index)
        self.rerank()

    def cluster_size(self, index: int) -> int | None:
        size = self.scores[CLUSTER].get(index)
        return None if size is None else int(size)

    def entry(self, index: int) -> Entry:
        return self.entries[self._rows[index]]

    def finished(self) -> list[Candidate]:
        return [e.candidate for e in self.entries if e.candidate is not None]

    def _row_for(self, index: int) -> int:
        row = self._rows.get(index)
        if row is None:
            row = len(self.entries)
            self.beginInsertRows(QModelIndex(), row, row)
            self.entries.append(Entry(index))
            self._rows[index] = row
            self.endInsertRows()
        return row

    def add_branch(self, index: int, branch: Branch) -> None:
        """A row for the child that `branch` starts, before any of its tokens arrive."""
        self.entries[self._row_for(index)].branch = branch

    def apply(self, events) -> list[Candidate]:
        """Applies a batch of stream events; returns the candidates it finished."""
        changed, done = set(), []
        for event in events:
            if isinstance(event, TokenDelta):
                row = self._row_for(event.index)
                entry = self.entries[row]
                entry.text = event.text if event.reset else entry.text + event.text
                entry.deltas = 0 if event.reset else entry.deltas + 1
            elif isinstance(event, CandidateDone):
                row = self._row_for(event.candidate.index)
                entry = self.entries[row]
                entry.candidate, entry.text = event.candidate, event.candidate.raw_text
                done.append(event.candidate)
            changed.add(row)
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))
        if done:
            self.rerank()
        return done

    def set_test(self, index: int, state: str, result=None) -> None:
        row = self._rows[index]
        self.entries[row].test, self.entries[row].result = state, result
        self.dataChanged.emit(self.index(row, TESTS), self.index(row, TESTS))

    def set_scores(self, ranking: str, scores: dict[int, float], replace: bool = False) -> None:
        """Scores of a SCORED ranking by candidate index; `replace` drops the ones not given
        (a new examination measures every candidate again)."""
        if replace:
            self.scores[ranking] = {}
        self.scores[ranking].update(scores)
        self.rerank()

    def set_back_translation(self, scores: dict[int, float]) -> None:
        self.set_scores("back_translation", scores)

    def set_ranking(self, ranking: str) -> None:
        self.ranking = ranking
        self.rerank()

    def rerank(self) -> None:
        ranked = rank(self.finished(), self.ranking, self.seed, scores=self.scores.get(self.ranking))
        for position, group in enumerate(group_duplicates(ranked), start=1):
            for member in group:
                entry = self.entry(member.index)
                entry.rank, entry.copies, entry.duplicate = position, len(group), member is not group[0]
        if self.entries:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.entries) - 1, len(COLUMNS) - 1))

    # -- Qt model --------------------------------------------------------------------------------

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        entry, column = self.entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == SORT_ROLE:
            return self._sort_key(entry, column)
        if role == HIDDEN_ROLE:
            return entry.duplicate
        if role == Qt.ItemDataRole.UserRole:
            return entry.index
        if column == TESTS and role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            colour = _badge_colour(entry)
            if colour is None:
                return None
            return QColor(colour) if role == Qt.ItemDataRole.BackgroundRole else QColor("white")
        if column == NOTES and role == Qt.ItemDataRole.ForegroundRole and notes(entry):
            return QColor(theme.RUNNING)
        if (
            role == Qt.ItemDataRole.FontRole
            and entry.test != CANCELLED
            and entry.candidate is not None
            and entry.candidate.degenerate
        ):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column == NOTES and notes(entry):
            return as_html("; ".join(notes(entry)))
        if role == Qt.ItemDataRole.ToolTipRole and column == TESTS and entry.result is not None:
            return as_html(entry.result.human_eval_result)  # the candidate's own exception message
        if role == Qt.ItemDataRole.ToolTipRole and column == BEHAVES:
            return self._behaviour_tip(entry)
        if role == Qt.ItemDataRole.TextAlignmentRole and column != PROGRAM:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _behaviour_tip(self, entry: Entry) -> str | None:
        size = self.cluster_size(entry.index)
        if size is None:
            return None
        inputs = f"{self.behaviour_inputs} input{'s' * (self.behaviour_inputs != 1)}"
        if size == 1:
            return f"No other candidate gives the same answers as this one on {inputs}"
        return f"{size} candidates give the same answers as this one on {inputs} (itself included)"

    def _display(self, entry: Entry, column: int):
        c = entry.candidate
        if column == BEHAVES:
            size = self.cluster_size(entry.index)
            return "" if size is None else f"{size} candidate{'s' * (size != 1)}"
        if column == RANK:
            return str(entry.rank) if entry.rank is not None else "…"
        if column == TESTS:
            return badge(entry)
        if column == NOTES:
            warning = ("⚠ " + "; ".join(notes(entry))) if notes(entry) else ""
            branch = f"↳ {entry.branch.note()}" if entry.branch is not None else ""
            return "; ".join(filter(None, [branch, warning]))
        if column == PROGRAM:
            text = c.text if c is not None else entry.text
            return displayable(" ⏎ ".join(line.strip() for line in text.strip().splitlines())[:200])
        if c is None:
            return str(entry.deltas) if column == TOKENS else ""
        return {
            MEAN: f"{c.mean_logprob:.3f}",
            SUM: f"{c.sum_logprob:.2f}",
            TOKENS: str(len(c.token_ids)),
            TIME: f"{c.elapsed_s:.1f} s",
            COPIES: f"×{entry.copies}" if entry.copies > 1 else "",
        }.get(column)

    def _sort_key(self, entry: Entry, column: int):
        c = entry.candidate
        if column == BEHAVES:  # largest cluster first, rows not measured yet last
            size = self.cluster_size(entry.index)
            return UNRANKED + entry.index if size is None else -size
        if column == TESTS:
            return badge(entry)
        if column == NOTES:
            return "; ".join(notes(entry))
        if column == RANK or c is None:
            return entry.rank if entry.rank is not None else UNRANKED + entry.index
        return {
            MEAN: -c.mean_logprob,
            SUM: -c.sum_logprob,
            TOKENS: len(c.token_ids),
            TIME: c.elapsed_s,
            COPIES: -entry.copies,
            PROGRAM: str(entry.index),
        }[column]


class RankedProxy(QSortFilterProxyModel):
    """Rank order, one row per distinct program."""

    def __init__(self, source: CandidatesModel, parent=None):
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self.sort(RANK, Qt.SortOrder.AscendingOrder)

    def filterAcceptsRow(self, row, parent) -> bool:
        return not self.sourceModel().index(row, 0, parent).data(HIDDEN_ROLE)
