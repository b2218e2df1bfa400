"""The function under test as the tests see it in the judge: a stand-in for the candidate's
function (handle 0 of sandbox.calls), documented and signed as the prompt promises, and a generator
function or an `async def` where the candidate's is one, so that `inspect` and `types` say of it,
and of what calling it gives, what they would say in one process."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from sandbox import calls

# What the candidate says its function is (sandbox.candidate reads its code's flags).
GENERATOR, ASYNC = "generator", "async"


def function_under_test(peer: calls.Peer, entry_point: str, stub: object, kind: object) -> Callable[..., Any]:
    """`stub`: what the prompt, run in the judge, defines under the entry point's name; `kind`: what
    the candidate said of its function. The candidate is not believed further than the shape of the
    calls: a generator's items and a coroutine's result are still its answers, checked as any."""
    proxy: Any = peer.stand_in("FN", 0, entry_point, stub.__doc__ if callable(stub) else None)
    if isinstance(stub, types.FunctionType):  # the parameters the prompt promises (inspect.signature)
        try:
            signature: object = inspect.signature(stub)
        except (TypeError, ValueError):  # a prompt that set a __signature__ of its own, say
            signature = None
        vars(proxy).update(
            __signature__=signature,
            __defaults__=stub.__defaults__,
            __kwdefaults__=stub.__kwdefaults__,
            __annotations__=stub.__annotations__,
        )
    if kind == GENERATOR:
        return _shaped(_generator(proxy), proxy)
    if kind == ASYNC or inspect.iscoroutinefunction(stub):
        return _shaped(_coroutine(proxy), proxy)
    return proxy  # type: ignore[no-any-return]


def _generator(proxy: Any) -> Callable[..., Generator[object, object, object]]:
    def stand_in(*args: object, **kwargs: object) -> Generator[object, object, object]:
        return (yield from proxy(*args, **kwargs))  # the candidate's generator, pulled there

    return stand_in


def _coroutine(proxy: Any) -> Callable[..., Coroutine[object, object, object]]:
    async def stand_in(*args: object, **kwargs: object) -> object:
        return await proxy(*args, **kwargs)  # the candidate's coroutine, run there (remote_objects)

    return stand_in


def _shaped(stand_in: Callable[..., Any], proxy: Any) -> Callable[..., Any]:
    """`stand_in` named, documented and signed as `proxy` (inspect.signature follows __wrapped__)."""
    stand_in.__name__ = stand_in.__qualname__ = proxy.__name__
    stand_in.__doc__, stand_in.__wrapped__ = proxy.__doc__, proxy  # type: ignore[attr-defined]
    return stand_in
