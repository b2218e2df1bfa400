"""Presentation mode (View > Presentation mode, F5): for a talk, type 1.5 times larger and only
what the audience looks at. On the Workbench the editors and the docks go, leaving the ranked
candidates, the selected one and its token view and distribution; on the Sampling lab its form
goes and the plots take the room. Off again puts back exactly what was there: dock visibility,
splitter sizes, fonts and column widths. The mode is never saved: a presenter starts normally.

The distribution plot is painted with the window's font, so its type grows with the rest. The
matplotlib figures are pictures drawn in another process: a tab that shows one draws it again with
its text `text_scale` times larger when its font changes (the Compare tab does)."""

from __future__ import annotations

from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QHeaderView, QMainWindow, QSplitter, QTableView, QWidget

SCALE = 1.5


def scaled(font: QFont, factor: float = SCALE) -> QFont:
    """`font`, `factor` times larger (in points, or in pixels for a font sized in pixels)."""
    bigger = QFont(font)
    if font.pointSizeF() > 0:
        bigger.setPointSizeF(font.pointSizeF() * factor)
    else:
        bigger.setPixelSize(round(font.pixelSize() * factor))
    return bigger


def text_scale(widget: QWidget) -> float:
    """How much larger `widget`'s type is than the application's: SCALE while presenting, else 1.
    A matplotlib figure shown in `widget` scales its text by this."""
    base, own = QApplication.font().pointSizeF(), widget.font().pointSizeF()
    return round(own / base, 2) if base > 0 and own > 0 else 1.0


def form_pane(tab: QWidget, field: QWidget) -> QWidget | None:
    """The pane of `tab`'s own splitter that holds `field` (the Sampling lab's form beside its
    plots), or None when the tab is laid out otherwise."""
    split = tab.findChild(QSplitter, options=Qt.FindChildOption.FindDirectChildrenOnly)
    pane = split.widget(0) if split is not None else None
    return pane if pane is not None and pane.isAncestorOf(field) else None


@dataclass(frozen=True)
class SavedLayout:
    """What presentation mode changes, as it was before."""

    window_state: QByteArray  # docks and toolbars
    hidden: tuple[tuple[QWidget, bool], ...]  # each pane presentation hides, and whether it was hidden
    splitter_sizes: tuple[tuple[QSplitter, list[int]], ...]
    fonts: tuple[tuple[QWidget, QFont], ...]  # widgets with a font of their own (editors, token view)
    window_font: QFont | None  # None: the window used the application's font
    headers: tuple[tuple[QTableView, QByteArray, int], ...]  # column widths, row height


def _alive(widget: QWidget) -> bool:
    return shiboken6.isValid(widget)  # a dialog or a view may have been deleted while presenting


def save(window: QMainWindow, panes: list[QWidget]) -> SavedLayout:
    return SavedLayout(
        window.saveState(),
        tuple((pane, pane.isHidden()) for pane in panes),
        tuple((split, split.sizes()) for split in window.findChildren(QSplitter)),
        tuple(
            (w, QFont(w.font())) for w in window.findChildren(QWidget) if w.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        ),
        QFont(window.font()) if window.testAttribute(Qt.WidgetAttribute.WA_SetFont) else None,
        tuple(
            (table, table.horizontalHeader().saveState(), table.verticalHeader().defaultSectionSize())
            for table in window.findChildren(QTableView)
        ),
    )


def apply(window: QMainWindow, saved: SavedLayout) -> None:
    """Larger type everywhere and only the candidates and the plots shown."""
    for pane, _hidden in saved.hidden:
        pane.hide()
    window.setFont(scaled(saved.window_font or QApplication.font()))
    for widget, font in saved.fonts:  # their own fonts do not follow the window's
        widget.setFont(scaled(font))
    for table, _state, row_height in saved.headers:
        # Fixed widths were measured in the old font: widen them, or "12 of 12 tests passed" is cut.
        header = table.horizontalHeader()
        for column in range(header.count()):
            if header.sectionResizeMode(column) in (QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Fixed):
                header.resizeSection(column, round(header.sectionSize(column) * SCALE))
        table.verticalHeader().setDefaultSectionSize(round(row_height * SCALE))


def restore(window: QMainWindow, saved: SavedLayout) -> None:
    """Everything `apply` changed, back as `saved` has it."""
    if saved.window_font is None:
        window.setFont(QFont())  # an empty font: the window follows the application's again
    else:
        window.setFont(saved.window_font)
    for widget, font in saved.fonts:
        if _alive(widget):
            widget.setFont(font)
    for table, state, row_height in saved.headers:
        if _alive(table):
            table.horizontalHeader().restoreState(state)
            table.verticalHeader().setDefaultSectionSize(row_height)
    for pane, hidden in saved.hidden:
        pane.setHidden(hidden)
    window.restoreState(saved.window_state)
    # The docks take their room back, and the menu and toolbars their smaller height, only when
    # the layouts run: sizes set before that would be rescaled to the old central widget.
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    if (layout := window.layout()) is not None:  # a QMainWindow always has one
        layout.activate()
    for split, sizes in saved.splitter_sizes:
        if _alive(split):
            split.setSizes(sizes)


class PresentationMode:
    """On and off for one window; `panes` are hidden while it is on."""

    def __init__(self, window: QMainWindow, panes: list[QWidget]):
        self.window = window
        self.panes = panes
        self.saved: SavedLayout | None = None

    @property
    def on(self) -> bool:
        return self.saved is not None

    def set_on(self, on: bool) -> None:
        if on == self.on:
            return
        if on:
            self.saved = save(self.window, self.panes)
            apply(self.window, self.saved)
        else:
            assert self.saved is not None
            restore(self.window, self.saved)
            self.saved = None
