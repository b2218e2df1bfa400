"""An engine process whose generation runs out of memory after a first token, the way a real
GenerationOOM surfaces mid-run (a real one needs more memory than a test machine can spare)."""

from core.host import serve as engine_host


def serve(conn, cancel):
    from core.sampling import engine
    from core.sampling.candidate import TokenDelta
    from core.sampling.interface import GenerationOOM

    def stream(self, prompt, params, cancel=None):
        yield TokenDelta(0, "    return")
        raise GenerationOOM("out of memory even for one sample: lower max new tokens or load a smaller model")

    engine.Engine.stream = stream
    engine_host.serve(conn, cancel)


def die_at_once(conn, cancel):
    """An engine process that exits before reading a command (a broken install, a killed child)."""
    import os

    os._exit(3)


def without_sandbox(conn, cancel):
    """An engine process on a machine where no isolation layer works: its sandbox pool refuses
    to start, as sandbox.SandboxPool does there."""
    import sandbox

    def unavailable(*_args, **_kwargs):
        raise sandbox.SandboxUnavailable("Refusing to run untrusted code: no isolation layer works here")

    sandbox.SandboxPool = unavailable
    engine_host.serve(conn, cancel)
