"""A Jupyter console on a kernel jailed in the sandbox, with the selected candidate defined.

qtconsole is imported and the kernel started only when the dock is first shown, so neither
slows the start of the app. The console appears once the kernel has answered on both its request
and its output channels: ZeroMQ drops output published before the subscription is connected (its
"slow joiner"), so a first command sent any earlier could run and show nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel

from desktop_app import theme

if TYPE_CHECKING:  # imported when the dock is first shown
    from sandbox.kernel import SandboxedKernel

PROBE_MS = 250
BANNER = (
    "Sandboxed Python (no network, no host files). The selected candidate is defined as\n"
    "`candidate`; its source is in `source`.\n"
)


class ConsoleDock(QDockWidget):
    def __init__(self, parent=None) -> None:
        super().__init__("Console", parent)
        self.setObjectName("console_dock")
        self.kernel: SandboxedKernel | None = None
        # qtconsole's QtKernelClient and RichJupyterWidget (qtconsole has no type information)
        self.client: Any = None
        self.console: Any = None
        self._pending: str | None = None
        self._probe = QTimer(self, interval=PROBE_MS)
        self.setWidget(QLabel("The console starts when this panel is first shown.", self))
        self.visibilityChanged.connect(self._on_visibility)

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            self.start()

    def _note(self) -> QLabel:
        """The panel's message label, shown until the console itself takes its place."""
        note = self.widget()
        if not isinstance(note, QLabel):
            raise RuntimeError("the console panel has no message to update once the console is shown")
        return note

    def start(self) -> None:
        if self.kernel is not None:
            return
        from qtconsole.client import QtKernelClient

        from sandbox import SandboxUnavailable
        from sandbox.kernel import SandboxedKernel

        self.kernel = kernel = SandboxedKernel()
        try:
            connection_file = kernel.start()
        except SandboxUnavailable as exc:
            self.kernel = None
            self._note().setText(f"The console is unavailable: {exc}")
            self._note().setWordWrap(True)
            return
        self._note().setText("Starting the sandboxed Python kernel…")
        self.client = QtKernelClient(connection_file=connection_file)
        self.client.load_connection_file()
        self.client.start_channels()
        self.client.iopub_channel.message_received.connect(self._on_output)
        self._probe.timeout.connect(self._ask)
        self._probe.start()

    def _ask(self) -> None:
        if self.kernel is None or not self.kernel.is_alive():  # (None: shut down meanwhile)
            self._probe.stop()
            self._note().setText("The console's kernel stopped while starting. Hide and show this panel to retry.")
            self.shutdown()
            return
        self.client.kernel_info()

    def _on_output(self, msg: dict) -> None:
        """Any output message proves the subscription works: each probe makes the kernel publish
        its busy and idle status."""
        if self.client is None or self.console is not None or msg.get("header", {}).get("msg_type") != "status":
            return  # (no client: the window closed while a message was already queued)
        self._probe.stop()
        self.client.iopub_channel.message_received.disconnect(self._on_output)
        from qtconsole.rich_jupyter_widget import RichJupyterWidget

        self.console = RichJupyterWidget(self)
        self.console.banner = BANNER
        if theme.is_dark():
            self.console.set_default_style("linux")  # qtconsole's dark colours
        self.console.kernel_client = self.client
        self.console.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWidget(self.console)
        if self._pending is not None:
            self.console.execute(self._pending, hidden=True)

    def define_candidate(self, prompt: str, completion: str, entry_point: str | None) -> None:
        """Runs the candidate's source in the kernel; the code is untrusted, hence the jail."""
        source = prompt + completion
        code = f"source = {source!r}\nexec(source, globals())\n"
        if entry_point:
            code += f"candidate = {entry_point}\n"
        self._pending = code
        if self.console is not None:
            self.console.execute(code, hidden=True)

    def shutdown(self) -> None:
        self._probe.stop()
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.kernel is not None:
            self.kernel.stop()
            self.kernel = None
