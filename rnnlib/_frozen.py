"""A base for configuration-only objects (private): immutable, compared by ``repr``.

``Embedding`` and ``RecurrentStack`` hold sizes and options only, like the
cells: arrays live in the ``params`` dicts passed to their methods, so an
object can be shared freely and never changes between calls.
"""

__all__ = ["Frozen"]


class Frozen:
    """Immutable object: ``__init__`` sets its attributes once with ``_set``; equal when ``repr`` is."""

    def _set(self, **values):
        """Set attributes during ``__init__`` (the only way: ``__setattr__`` refuses)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable; create a new one instead")

    def __eq__(self, other):
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self):
        return hash(repr(self))
