"""The Workbench tab's splitters: the editors beside the ranked candidates and their details, with
minimum sizes and stretch factors so that neither a long line of text nor a splitter state saved
by an older or narrower window can squeeze an editor to nothing (it must hold at 1024x700)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

# Smallest useful sizes, in pixels: an editor shows about 30 columns and 5 lines, the table 4 rows.
MIN_EDITORS_WIDTH = 260
MIN_RESULTS_WIDTH = 380
MIN_PROMPT_HEIGHT = 110
MIN_TESTS_HEIGHT = 90
MIN_TABLE_HEIGHT = 110
MIN_DETAILS_HEIGHT = 150
# Where the space goes when the window grows: results a little more than the editors.
MAIN_STRETCH = (2, 3)
EDITORS_STRETCH = (3, 2)
RESULTS_STRETCH = (2, 3)


def splitter(
    orientation: Qt.Orientation, widgets: list[QWidget], minimums: list[int], stretch: tuple[int, int], parent=None
) -> QSplitter:
    """A splitter whose panes never collapse below `minimums` (widths or heights)."""
    split = QSplitter(orientation, parent)
    split.setChildrenCollapsible(False)
    horizontal = orientation == Qt.Orientation.Horizontal
    for i, (widget, minimum) in enumerate(zip(widgets, minimums)):
        if horizontal:
            widget.setMinimumWidth(minimum)
        else:
            widget.setMinimumHeight(minimum)
        split.addWidget(widget)
        split.setStretchFactor(i, stretch[i])
    return split


def sane_sizes(sizes: list[int], minimums: list[int]) -> bool:
    """Whether restored pane sizes leave every pane at least its minimum (a collapsed pane, a
    state from another layout with a different pane count, or an empty state do not)."""
    return len(sizes) == len(minimums) and all(size >= minimum for size, minimum in zip(sizes, minimums))


def restore(split: QSplitter, state, defaults: list[int]) -> None:
    """Applies a saved splitter state, or `defaults` when the state is missing or degenerate."""
    panes = [pane for i in range(split.count()) if (pane := split.widget(i)) is not None]  # never None below count()
    minimums = [
        pane.minimumWidth() if split.orientation() == Qt.Orientation.Horizontal else pane.minimumHeight()
        for pane in panes
    ]
    restored = isinstance(state, (QByteArray, bytes)) and split.restoreState(state)
    split.setChildrenCollapsible(False)  # a saved state carries its own flag; older ones allowed collapsing
    if not restored or not sane_sizes(split.sizes(), minimums):
        split.setSizes(defaults)


def build(prompt: QWidget, tests: QWidget, header, table: QWidget, details: QWidget, parent=None):
    """The Workbench: (its main splitter, {name: (splitter, default sizes)} for saving and restoring)."""
    editors = splitter(
        Qt.Orientation.Vertical, [prompt, tests], [MIN_PROMPT_HEIGHT, MIN_TESTS_HEIGHT], EDITORS_STRETCH, parent
    )
    results = splitter(
        Qt.Orientation.Vertical, [table, details], [MIN_TABLE_HEIGHT, MIN_DETAILS_HEIGHT], RESULTS_STRETCH, parent
    )
    right = QWidget(parent)
    layout = QVBoxLayout(right)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(header)
    layout.addWidget(results)
    main = splitter(
        Qt.Orientation.Horizontal, [editors, right], [MIN_EDITORS_WIDTH, MIN_RESULTS_WIDTH], MAIN_STRETCH, parent
    )
    return main, {"editors": (editors, [500, 300]), "results": (results, [300, 500]), "main": (main, [500, 700])}
