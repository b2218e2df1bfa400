"""The engine host's process loop: it holds the model, and only calls `core` and the jobs in
`core.host.jobs`.

The model runs in its own process so that importing torch and decoding never take the GUI's
interpreter lock: the window stays responsive, and Stop during a load can end the load at once.
Commands arrive on a pipe; replies are tuples whose first item names them.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

BATCH_S = 0.05  # one message per 50 ms, so the GUI sees at most 20 batches a second


@dataclass(frozen=True)
class NextTokenLogits:
    """The raw logits the sampler saw at one position of a candidate (desktop_app.distribution_view)."""

    key: tuple  # the asker's name for the position
    logits: bytes | None  # float32, one per vocabulary entry; None when they cannot be had
    pieces: dict[int, str] | None = None  # the likeliest tokens, decoded: the GUI has no tokenizer
    problem: str = ""  # why not, in one sentence


def _gpu_stats(device: str) -> dict | None:
    if not device.startswith("cuda"):
        return None
    import torch

    free, total = torch.cuda.mem_get_info()
    try:
        utilisation = torch.cuda.utilization()
    except Exception:  # noqa: BLE001 - needs the optional pynvml package
        utilisation = None
    return {"used_bytes": total - free, "total_bytes": total, "utilisation": utilisation}


def _load(conn, spec: str, served_model: str | None = None):
    from core.backend import open_backend
    from core.engine import ModelLoadError
    from core.params import InvalidParams
    from core.remote import RemoteError

    try:
        engine = open_backend(spec, served_model, progress=lambda msg: conn.send(("progress", str(msg))))
    except (ModelLoadError, InvalidParams, RemoteError) as exc:
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


def _next_token_logits(conn, engine, key: tuple, prompt: str, written_ids: list[int], mode: str, show: int) -> None:
    # Raw bytes, not a tensor: the GUI turns them into one only when it shapes them, and a pickled
    # tensor would go through torch's shared-memory reductions.
    if not hasattr(engine, "next_token_logits"):
        conn.send(
            (
                "next_token_logits",
                NextTokenLogits(
                    key,
                    None,
                    problem="a server does not give the whole next-token distribution, only its top few log-probs",
                ),
            )
        )
        return
    try:
        logits = engine.next_token_logits(prompt, written_ids, mode)
    except Exception as exc:  # noqa: BLE001 - any failure still has to reach the user
        conn.send(("next_token_logits", NextTokenLogits(key, None, problem=f"{type(exc).__name__}: {exc}")))
        return
    import torch

    likeliest = torch.argsort(logits, descending=True, stable=True)[:show].tolist()  # as core.distribution orders
    pieces = {t: engine.tokenizer.decode([t]) for t in likeliest}
    conn.send(("next_token_logits", NextTokenLogits(key, logits.float().numpy().tobytes(), pieces)))


def _probe(conn, url: str, served_model: str | None) -> None:
    """The model bar's connection test: connect and probe a server without replacing the model."""
    from core.params import InvalidParams
    from core.remote import RemoteBackend, RemoteError

    notices: list[str] = []
    try:
        backend = RemoteBackend.connect(url, served_model, progress=notices.append)
    except (RemoteError, InvalidParams) as exc:
        conn.send(("probe_result", (False, str(exc))))
        return
    details = [n.removeprefix("notice: ") for n in notices if n.startswith("notice: ")]
    conn.send(("probe_result", (True, " ".join([f"Connected: {backend.info.describe()}.", *details]))))


def _job(conn, engine, pools: dict, name: str, kwargs: dict, cancel: threading.Event) -> None:
    from core.host.jobs import JobError, updates

    try:
        for update in updates(name, engine, lambda: _pool(pools), cancel, kwargs):
            conn.send(("job_update", update))
    except JobError as exc:
        conn.send(("job_failed", str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - any other failure still has to reach the user
        conn.send(("job_failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("job_done", None))


def _pool(pools: dict):
    """The jobs' own sandbox workers, started on first use: the GUI's pool lives in another process."""
    if "pool" not in pools:
        from sandbox import SandboxPool

        pools["pool"] = SandboxPool(workers=1)
    return pools["pool"]


def serve(conn, cancel) -> None:
    """Runs until the pipe closes or ("quit",) arrives."""
    # Decoding is batch work and keeps every core busy; at a lower priority it leaves a core to
    # the GUI whenever the GUI needs one, instead of sharing time slices with it.
    os.nice(5)
    pools: dict = {}
    try:
        _serve(conn, cancel, pools)
    finally:
        if "pool" in pools:
            pools["pool"].close()


def _serve(conn, cancel, pools: dict) -> None:
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
            prompt, params = args
            _generate(conn, engine, prompt, params, cancel)
        elif command == "probe":
            _probe(conn, *args)
        elif command == "next_token_logits":
            if engine is None:
                conn.send(("next_token_logits", NextTokenLogits(args[0], None, problem="no model is loaded")))
                continue
            _next_token_logits(conn, engine, *args)
        elif command == "job":
            if engine is None:
                conn.send(("job_failed", "No model is loaded: choose one in the model bar."))
                continue
            cancel.clear()
            name, kwargs = args
            _job(conn, engine, pools, name, kwargs, cancel)
