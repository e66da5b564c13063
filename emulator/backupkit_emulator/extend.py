"""The one way the emulator changes moto: ``extend(MotoClass, Extension)``.

What the emulator changes in one of moto's classes is written as a subclass of that class,
holding only the methods and properties it adds or changes, and made moto's own once, at
install time::

    class TableExtension(Table):  # DescribeTable returns TableId, as AWS does
        def describe(self, base_key: str = "TableDescription") -> dict[str, Any]:
            result = moto(Table, self).describe(base_key=base_key)  # moto's own describe
            ...

    def install() -> None:
        extend(Table, TableExtension)

From then on every ``Table`` has them, wherever moto creates it: moto builds its model
objects by class name inside its own modules (``Table(...)``, ``Item(...)``, ``Backup(...)``)
and finds backends and request handlers through names imported into several modules, so
changing the class itself is the one change that reaches every instance. The extension class
is never instantiated; its methods run on moto's objects, so they reach moto's version of a
method through ``moto(MotoClass, self)`` (``super()`` would look in the extension, and
:func:`extend` refuses a method that uses it). Methods of the extension's own bases (mixins)
come along too: ``backup/`` builds AWS Backup's operations from one mixin per concern.

Everything the emulator changes in moto is an ``extend`` call in an ``install()`` (the URL
paths of AWS Backup's new operations too: the extended backend's ``_url_module``). The one
change that is not to a class is the clock's: moto's ``utcnow`` function, imported by name
into many modules, is replaced in each of them (``clock.py``).
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["extend", "moto"]

# moto class -> {name: moto's own attribute, or _INHERITED when moto's class did not define it itself}
_ORIGINALS: dict[type, dict[str, Any]] = {}
_INHERITED = object()


def _members(moto_class: type, extension: type) -> dict[str, Any]:
    """Methods, properties, class and static methods the extension (and its mixins) define."""
    members: dict[str, Any] = {}
    for klass in reversed(extension.__mro__[: extension.__mro__.index(moto_class)]):
        for name, value in vars(klass).items():
            if isinstance(value, (types.FunctionType, property, classmethod, staticmethod)):
                members[name] = value
    return members


def _uses_super(value: Any) -> bool:
    functions = [value.fget, value.fset, value.fdel] if isinstance(value, property) else [
        getattr(value, "__func__", value)]
    return any(isinstance(f, types.FunctionType) and "__class__" in f.__code__.co_freevars for f in functions)


def extend(moto_class: type, extension: type) -> None:
    """Make the methods and properties ``extension`` (a subclass of ``moto_class``) defines
    ``moto_class``'s own; moto's versions stay reachable through :func:`moto`. Idempotent."""
    if not issubclass(extension, moto_class) or extension is moto_class:
        raise TypeError(f"{extension.__name__} must be a subclass of {moto_class.__name__}")
    originals = _ORIGINALS.setdefault(moto_class, {})
    for name, value in _members(moto_class, extension).items():
        if _uses_super(value):
            raise TypeError(f"{extension.__name__}.{name} uses super(); call moto({moto_class.__name__}, self).{name}")
        if name not in originals:
            originals[name] = vars(moto_class).get(name, _INHERITED)
        setattr(moto_class, name, value)


class _Moto:
    """``moto(MotoClass, obj).name``: moto's own ``name`` of ``MotoClass``, bound to ``obj``
    (every attribute, ``__init__`` included, is looked up this way)."""

    __slots__ = ("_class", "_obj")

    def __init__(self, moto_class: type, obj: Any):
        object.__setattr__(self, "_class", moto_class)
        object.__setattr__(self, "_obj", obj)

    def __getattribute__(self, name: str) -> Any:
        moto_class = object.__getattribute__(self, "_class")
        originals = _ORIGINALS.get(moto_class, {})
        original = originals.get(name, _INHERITED)
        if original is _INHERITED:  # not extended (moto's class as it is), or extended where moto inherits it
            start = 1 if name in originals else 0
            original = next((vars(base)[name] for base in moto_class.__mro__[start:] if name in vars(base)), _INHERITED)
            if original is _INHERITED:
                raise AttributeError(f"moto's {moto_class.__name__} has no {name}")
        get = getattr(original, "__get__", None)
        return get(object.__getattribute__(self, "_obj"), moto_class) if get is not None else original


def moto(moto_class: type, obj: Any) -> Any:
    """moto's own version of ``moto_class``'s members, for ``obj``: ``moto(Table, self).describe()``."""
    return _Moto(moto_class, obj)
