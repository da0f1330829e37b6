"""shm4j's exceptions: one root (:class:`Shm4jError`), each also the built-in exception a
Python caller already catches (``FileNotFoundError``, ``FileExistsError``, ``OSError`` …).
Messages carry facts as ``name=value`` and say what to do next."""

from __future__ import annotations

__all__ = [
    "Shm4jError", "InvalidNameError", "NoSuchSegmentError", "SegmentExistsError",
    "OutOfSharedMemoryError", "ImmutableSegmentError", "NotASegmentError", "StaleSegmentError",
    "UnsupportedTypeError", "MissingExtraError", "SegmentClosedError",
]


class Shm4jError(Exception):
    """Root of every exception shm4j raises on purpose."""


class InvalidNameError(Shm4jError, ValueError):
    """The name breaks the naming rules (1..255 bytes, no '/', no control character, no leading '.')."""


class NoSuchSegmentError(Shm4jError, FileNotFoundError):
    """No segment has this name in the shm directory."""


class SegmentExistsError(Shm4jError, FileExistsError):
    """The name is taken (publication is atomic: nothing was replaced)."""


class OutOfSharedMemoryError(Shm4jError, OSError):
    """The shm directory cannot hold the segment (``posix_fallocate`` failed at creation:
    nothing was published, the temporary file is gone)."""


class ImmutableSegmentError(Shm4jError, PermissionError):
    """A write access to a segment that is not mutable, or the file's mode forbids the access."""


class NotASegmentError(Shm4jError, ValueError):
    """The name is not a regular file, its metadata is damaged, or its bytes are not the format its kind says."""


class StaleSegmentError(Shm4jError, LookupError):
    """The name now holds another incarnation (generation) than the one a handle or ref named."""


class UnsupportedTypeError(Shm4jError, TypeError):
    """A value or column type shm4j cannot carry without changing it; nothing was written."""


class MissingExtraError(Shm4jError, ModuleNotFoundError):
    """An optional dependency is missing; the message names the extra to install."""


class SegmentClosedError(Shm4jError, ValueError):
    """Use of a handle after ``close()``."""
