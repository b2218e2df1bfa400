"""An exception raised in one process, as the other process gets it (sandbox.calls carries it).

What crosses, besides the type's name and the message: its arguments and attributes where they
can (a parse error's position), where its class lives (module and qualified name), the builtin
classes it derives from, and which of the sender's exceptions it is. So the receiver can raise an
exception the tests can catch as they would in one process: the builtin of that name, the class a
module it has loaded holds (`statistics.StatisticsError` when the tests imported statistics inside
check()), or else a class of that name on its nearest builtin base (a StatisticsError is still a
ValueError); and an exception of its own that went through the other side comes home as itself.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox import class_names
from sandbox.codec import Plain

# The attribute an exception carries to the other side, where its attributes go: which of the
# sender's it is, as (owner, number), so that it comes home as itself.
ORIGIN = "sandbox_raised_as"
_MOST_NAMES = 32
_MOST_CAUSES = 4  # a chain of causes and contexts crosses this many links deep


@dataclass(frozen=True)
class Detail:
    """What crossed with an exception besides its name and message (None or empty where it could not)."""

    args: tuple[object, ...] | None = None
    attributes: dict[str, object] = field(default_factory=dict)
    module: str = ""
    qualname: str = ""
    bases: tuple[str, ...] = ()  # the builtin exception classes it derives from, nearest first
    notes: tuple[str, ...] = ()  # add_note()'s
    cause: tuple[str, str, Detail] | None = None  # `raise ... from cause`: its name, message and detail
    suppressed: bool = False  # `raise ... from None` (or from a cause): the context is not shown
    context: tuple[str, str, Detail] | None = None  # the exception being handled where it was raised


NOTHING = Detail()  # what crossed with an exception where nothing did
Rebuild = Callable[[str, str, Detail], BaseException]


def text_of(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a program's exception may raise anything from __str__
        return "<unprintable>"


def detail_out(exc: BaseException, origin: tuple[str, int], encoder: Callable[[], Callable[[object], Plain]]) -> Plain:
    """`exc`'s detail as plain data; without its cause where the cause cannot cross (encoded again
    by a new encoder: the first one numbered what it met), and None where its own arguments or
    attributes cannot."""
    for causes, contexts in ((_MOST_CAUSES, True), (_MOST_CAUSES, False)):
        try:  # a context that cannot cross stays behind, then a cause: each without the other's loss
            return encoder()(_parts(exc, origin, causes, contexts))
        except Exception:  # noqa: BLE001 - tried again with less
            pass
    return encoder()(_parts(exc, origin, 0, False))


def _parts(
    exc: BaseException, origin: tuple[str, int] | None, causes: int, contexts: bool = True
) -> tuple[object, ...]:
    attributes = {key: value for key, value in vars(exc).items() if not key.startswith("__")}
    if isinstance(exc, OSError):  # its file names are members of the class, not in its args (probe 7)
        attributes.update({k: getattr(exc, k) for k in ("filename", "filename2") if getattr(exc, k) is not None})
    if origin is not None:  # a cause is made anew on the other side: it names no exception of ours
        attributes.setdefault(ORIGIN, origin)  # one that came from the other side keeps its own
    kind = type(exc)
    bases = tuple(c.__name__ for c in kind.__mro__ if c.__module__ == "builtins")[:_MOST_NAMES]
    notes = getattr(exc, "__notes__", None)
    notes = tuple(n for n in notes if type(n) is str)[:_MOST_NAMES] if type(notes) is list else ()
    cause, context = exc.__cause__, exc.__context__
    suppressed = exc.__suppress_context__ is True
    return (
        tuple(exc.args),
        attributes,
        kind.__module__,
        kind.__qualname__,
        bases,
        notes,
        _linked_parts(cause, causes, contexts),
        suppressed,
        # `raise X from e` in `except e`: the context is the cause, the same exception on arrival.
        "cause"
        if context is cause and cause is not None
        else _linked_parts(context if contexts else None, causes, contexts),
    )


def _linked_parts(linked: BaseException | None, causes: int, contexts: bool) -> tuple[object, ...] | None:
    """A cause or a context as it crosses: its name, message and detail (fewer links each time)."""
    if linked is None or causes <= 0:
        return None
    return (type(linked).__name__, text_of(linked), _parts(linked, None, causes - 1, contexts))


def detail_in(decoded: object, causes: int = _MOST_CAUSES) -> Detail:
    """The detail `detail_out` sent, as decoded, each part checked."""
    if type(decoded) is not tuple or len(decoded) != 9:
        return Detail()
    args, attributes, module, qualname, bases, notes, cause, suppressed, context = decoded
    named = type(attributes) is dict and all(type(key) is str and not key.startswith("__") for key in attributes)
    return Detail(
        args if type(args) is tuple else None,
        attributes if named else {},
        module if type(module) is str else "",
        qualname if type(qualname) is str else "",
        tuple(b for b in bases if type(b) is str)[:_MOST_NAMES] if type(bases) is tuple else (),
        tuple(n for n in notes if type(n) is str)[:_MOST_NAMES] if type(notes) is tuple else (),
        cause_in := _linked_in(cause, causes),
        suppressed is True,
        cause_in if context == "cause" else _linked_in(context, causes),
    )


def _linked_in(parts: object, causes: int) -> tuple[str, str, Detail] | None:
    if type(parts) is tuple and len(parts) == 3 and type(parts[0]) is str and type(parts[1]) is str and causes > 0:
        return (parts[0], parts[1], detail_in(parts[2], causes - 1))
    return None


def linked(made: BaseException, detail: Detail, rebuild: Rebuild) -> BaseException:
    """`made` with the notes, the cause and the context (made by `rebuild`) and whether its context
    is shown, as they crossed with it."""
    if detail.notes:
        made.__notes__ = list(detail.notes)
    if detail.cause is not None:
        made.__cause__ = rebuild(*detail.cause)
    if detail.context is not None:
        made.__context__ = made.__cause__ if detail.context is detail.cause else rebuild(*detail.context)
    made.__suppress_context__ = detail.suppressed
    return made


def loaded_class(detail: Detail) -> type[Exception] | None:
    """The exception class a module this process has loaded holds under the name the other side
    gave (sandbox.class_names)."""
    return class_names.loaded_class(detail.module, detail.qualname, Exception)


def on_builtin_base(name: str, detail: Detail) -> type[BaseException] | None:
    """A class named `name` on the nearest builtin exception class the other side's derives from."""
    for base_name in detail.bases:
        base = getattr(builtins, base_name, None)
        if isinstance(base, type) and issubclass(base, Exception) and base is not Exception:
            try:
                return type(name[:200], (base,), {"__module__": detail.module[:200] or "builtins"})
            except TypeError:  # a base that takes no subclass, or one in layout conflict
                continue
    return None


def resolve(
    name: str, detail: Detail, own: Callable[[str], type[Exception] | None] = lambda name: None
) -> tuple[type[BaseException] | None, bool]:
    """The class to raise for an exception the other side reported, and whether it is a builtin:
    the builtin of that name (SystemExit too, which `except Exception` must not catch), else one
    `own` knows by that name, one a module this process loaded holds where the other side says it
    lives, or one of that name on its nearest builtin base; None for none of these."""
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return builtin, True
    return own(name) or loaded_class(detail) or on_builtin_base(name, detail), False


def instance(cls: type[BaseException], builtin: bool, arguments: tuple[object, ...]) -> BaseException | None:
    """An exception of `cls` holding `arguments`. A class not builtin is made without its __init__,
    which may want other arguments (json's JSONDecodeError) and is not the other side's to run;
    None for a builtin whose constructor refuses them."""
    if not builtin:
        made = cls.__new__(cls)
        BaseException.__init__(made, *arguments)
        return made
    try:
        return cls(*arguments)
    except Exception:  # noqa: BLE001 - a builtin whose constructor wants other arguments
        return None


def exception(name: str, message: str, detail: Detail = NOTHING) -> BaseException:
    """The exception the other side reported (`resolve`), else a RuntimeError; with the attributes
    it was raised with."""
    cls, builtin = resolve(name, detail)
    made = instance(cls, builtin, detail.args if detail.args is not None else (message,)) if cls else None
    made = made or RuntimeError(f"{name}: {message}" if message else name)
    set_attributes(made, detail.attributes)
    return linked(made, detail, exception)


def set_attributes(made: BaseException, attributes: dict[str, object]) -> None:
    """`made` with the attributes it crossed with, in its dict (no code of its class runs), and an
    OSError's file names in the members that hold them."""
    vars(made).update(attributes)
    if isinstance(made, OSError):
        for name in ("filename", "filename2"):
            if name in attributes:
                setattr(made, name, attributes[name])


def origin(detail: Detail) -> tuple[object, object]:
    """Which of the receiver's own exceptions this is, as the sender says: (owner, number)."""
    value = detail.attributes.get(ORIGIN)
    return (value[0], value[1]) if type(value) is tuple and len(value) == 2 else (None, None)
