"""The child process that holds the model. Qt-free: it only calls `core.engine`.

The model runs in its own process so that importing torch and decoding never take the GUI's
interpreter lock: the window stays responsive, and Stop during a load can end the load at once.
Commands arrive on a pipe; replies are tuples whose first item names them.
"""
from __future__ import annotations

import os
import threading
import time

BATCH_S = 0.05  # one message per 50 ms, so the GUI sees at most 20 batches a second


def _gpu_stats(device: str) -> dict | None:
    if not device.startswith("cuda"):
        return None
    import torch

    free, total = torch.cuda.mem_get_info()
    try:
        utilisation = torch.cuda.utilization()
    except Exception:  # needs the optional pynvml package
        utilisation = None
    return {"used_bytes": total - free, "total_bytes": total, "utilisation": utilisation}


def _load(conn, spec: str):
    from core.engine import Engine, ModelLoadError

    try:
        engine = Engine.load(spec, progress=lambda msg: conn.send(("progress", str(msg))))
    except ModelLoadError as exc:
        conn.send(("load_failed", str(exc)))
        return None
    except Exception as exc:  # noqa: BLE001 - any other failure still has to reach the user
        conn.send(("load_failed", f"{type(exc).__name__}: {exc}"))
        return None
    conn.send(("loaded", engine.info))
    return engine


def _generate(conn, engine, prompt: str, params, cancel: threading.Event) -> None:
    from core.engine import GenerationOOM
    from core.params import InvalidParams

    batch, last_send, last_stats = [], time.monotonic(), 0.0
    try:
        for event in engine.stream(prompt, params, cancel):
            batch.append(event)
            now = time.monotonic()
            if now - last_send >= BATCH_S:
                conn.send(("events", batch))
                batch, last_send = [], now
                if now - last_stats >= 1.0:
                    conn.send(("device_stats", _gpu_stats(engine.info.device)))
                    last_stats = now
    except InvalidParams as exc:
        conn.send(("generate_failed", str(exc)))
        return
    except GenerationOOM as exc:
        conn.send(("generate_failed", f"Out of memory: {exc}"))
        return
    except Exception as exc:  # noqa: BLE001
        conn.send(("generate_failed", f"{type(exc).__name__}: {exc}"))
        return
    finally:
        if batch:
            conn.send(("events", batch))
    conn.send(("generated", None))


def serve(conn, cancel) -> None:
    """Runs until the pipe closes or ("quit",) arrives."""
    # Decoding is batch work and keeps every core busy; at a lower priority it leaves a core to
    # the GUI whenever the GUI needs one, instead of sharing time slices with it.
    os.nice(5)
    engine = None
    while True:
        try:
            command, *args = conn.recv()
        except (EOFError, OSError):
            return
        if command == "quit":
            return
        if command == "load":
            engine = _load(conn, *args) or engine
        elif command == "generate":
            if engine is None:
                conn.send(("generate_failed", "No model is loaded: choose one in the model bar."))
                continue
            cancel.clear()
            _generate(conn, engine, *args, cancel)
