"""The segment protocol, exactly as Java's ``io.shm4j.segment`` implements it (docs/segment.md).

A segment is a regular file in the shm directory. shm4j's bookkeeping is the extended
attribute ``user.shm4j`` (ASCII ``key=value`` pairs, ``;``-separated, version first)::

    v=1;kind=array;life=scoped;pid=4242;start=123456;gen=9f1c2a7e55d0b3a1;created=1763730000000;mutable=0;pidns=4026531836

Creation: ``open(.shm4j-tmp.PID.START.RANDOM, O_CREAT|O_EXCL|O_NOFOLLOW, 0600)``, the xattr,
``posix_fallocate`` of every page (a full tmpfs fails here, never as a SIGBUS later), map and
write, then publish by hard-linking the temporary name to the final one (atomic; fails if the
name is taken) and unlinking the temporary name. Every file operation goes through a
descriptor of the directory (``dir_fd``) and ``O_NOFOLLOW``; types are checked with ``fstat``.

Owner identity: pid, start time (field 22 of ``/proc/PID/stat``) and pid namespace (inode of
``/proc/PID/ns/pid``). ``gc`` removes scoped segments of dead owners (same namespace only) and
temporary files of dead creators; it renames a file aside and checks its generation before
removing it, so a segment that replaced the name meanwhile is put back.

Threading: functions are thread-safe; the registry of owned files is guarded by a lock.
Process safety: every step is an atomic filesystem operation, like Java's.
"""

from __future__ import annotations

import atexit
import errno
import io
import mmap
import os
import secrets
import stat
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ._errors import (
    ImmutableSegmentError,
    InvalidNameError,
    NoSuchSegmentError,
    NotASegmentError,
    OutOfSharedMemoryError,
    SegmentExistsError,
    Shm4jError,
    StaleSegmentError,
)

#: The extended attribute holding shm4j's segment metadata.
XATTR = "user.shm4j"
#: The store's per-object attribute (``v=1;store=S;gen=G;codec=C``), see docs/store.md.
OBJ_XATTR = "user.shm4j.obj"
VERSION = 1
TEMP_PREFIX = ".shm4j-tmp."
GENERATED_PREFIX = "shm4j-"
MAX_NAME_BYTES = 255
DEFAULT_MODE = 0o600
KINDS = ("raw", "array", "frame", "object", "list", "dataset")


def shm_dir() -> str:
    """The shm directory in force: ``SHM4J_DIR``, else ``/dev/shm`` (as Java without ``-Dshm4j.dir``)."""
    d = os.environ.get("SHM4J_DIR")
    return os.path.abspath(d) if d else "/dev/shm"


# ------------------------------------------------------------------------------ identity

@dataclass(frozen=True)
class ProcessIdentity:
    """A process as an owner: pid and start time (clock ticks since boot), so a reused pid is
    never mistaken for the owner."""

    pid: int
    start: int

    def is_alive(self) -> bool:
        """True while this very process runs (not a zombie)."""
        return start_ticks(self.pid) == self.start


def start_ticks(pid: int) -> Optional[int]:
    """Field 22 of ``/proc/PID/stat``; None if there is no such process or it is a zombie."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as f:
            s = f.read().decode("ascii", "replace")
    except OSError:
        return None
    close = s.rfind(")")
    if close < 0:
        return None
    f = s[close + 2:].split()
    if len(f) < 20 or f[0] in ("Z", "X"):
        return None
    try:
        return int(f[19])
    except ValueError:
        return None


def _pid_namespace(pid="self") -> int:
    try:
        link = os.readlink(f"/proc/{pid}/ns/pid")
        return int(link[link.index("[") + 1:link.index("]")])
    except (OSError, ValueError):
        return 0


_SELF: Optional[Tuple[int, ProcessIdentity, int]] = None


def current() -> ProcessIdentity:
    """This process (re-read after a fork: the child is another owner)."""
    global _SELF
    pid = os.getpid()
    if _SELF is None or _SELF[0] != pid:
        ticks = start_ticks(pid)
        if ticks is None:
            raise Shm4jError(f"cannot read this process's start time: path=/proc/{pid}/stat")
        _SELF = (pid, ProcessIdentity(pid, ticks), _pid_namespace())
    return _SELF[1]


def current_pid_namespace() -> int:
    current()
    return _SELF[2]


# ------------------------------------------------------------------------------ metadata

@dataclass(frozen=True)
class Metadata:
    """The ``user.shm4j`` attribute, decoded (Java: ``io.shm4j.segment.internal.SegmentMetadata``)."""

    kind: str
    lifetime: str  # scoped | persistent
    owner: ProcessIdentity
    generation: int
    created_millis: int
    mutable: bool
    pidns: int = 0

    def encode(self) -> bytes:
        s = (f"v={VERSION};kind={self.kind};life={self.lifetime};pid={self.owner.pid};"
             f"start={self.owner.start};gen={self.generation:x};created={self.created_millis};"
             f"mutable={1 if self.mutable else 0}")
        if self.pidns:
            s += f";pidns={self.pidns}"
        return s.encode("ascii")

    @staticmethod
    def decode(raw: bytes) -> "Metadata":
        """Raises ValueError with the reason if ``raw`` is not version-1 metadata."""
        kv: Dict[str, str] = {}
        for part in raw.decode("ascii").split(";"):
            eq = part.find("=")
            if eq <= 0:
                raise ValueError(f"malformed metadata entry: entry={part}")
            kv[part[:eq]] = part[eq + 1:]
        if kv.get("v") != str(VERSION):
            raise ValueError(f"unsupported metadata version: v={kv.get('v')}, supported={VERSION}")
        for key in ("kind", "life", "pid", "start", "gen", "created"):
            if key not in kv:
                raise ValueError(f"metadata lacks a key: key={key}")
        if kv["kind"] not in KINDS:
            raise ValueError(f"unknown segment kind: kind={kv['kind']}")
        if kv["life"] not in ("scoped", "persistent"):
            raise ValueError(f"unknown lifetime: life={kv['life']}")
        return Metadata(kv["kind"], kv["life"], ProcessIdentity(int(kv["pid"]), int(kv["start"])),
                        int(kv["gen"], 16), int(kv["created"]), kv.get("mutable", "0") == "1",
                        int(kv.get("pidns", "0")))

    def owner_may_be_alive(self) -> bool:
        """False only when the owner is known dead: an owner in another pid namespace counts as alive."""
        here = current_pid_namespace()
        if self.pidns and here and self.pidns != here:
            return True
        return self.owner.is_alive()


@dataclass(frozen=True)
class SegmentInfo:
    """What the shm directory says about one segment (a snapshot; Java: ``SegmentInfo``)."""

    name: str
    path: str
    kind: str  #: raw, array, frame, object, list, or foreign (no shm4j metadata)
    size: int
    lifetime: Optional[str]  #: scoped, persistent, or None for foreign files
    owner: Optional[ProcessIdentity]
    pidns: int  #: the owner's pid namespace (0: unknown)
    generation: int  #: 0 for foreign files
    mutable: bool
    mode: int
    meta: Dict[str, str] = field(default_factory=dict)  #: the raw key=value pairs
    codec: Optional[str] = None  #: store objects: the codec id (blob, bytes, npy, arrow, java)

    @property
    def pid(self) -> Optional[int]:
        return self.owner.pid if self.owner else None

    @property
    def owner_alive(self) -> bool:
        """Whether the owner may still run (read now from /proc; False for foreign files; an
        owner in another pid namespace counts as alive)."""
        if self.owner is None:
            return False
        here = current_pid_namespace()
        if self.pidns and here and self.pidns != here:
            return True
        return self.owner.is_alive()

    @property
    def foreign(self) -> bool:
        return self.kind == "foreign"


# ------------------------------------------------------------------------------ names

def validate(name: str) -> str:
    """Java's naming rules: 1..255 UTF-8 bytes, no '/', no control character, no leading '.'."""
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"invalid segment name: name is empty; give 1 to {MAX_NAME_BYTES} characters without '/'")
    n = len(name.encode("utf-8", "surrogatepass"))
    if n > MAX_NAME_BYTES:
        raise InvalidNameError(f"invalid segment name: length={n} bytes, max={MAX_NAME_BYTES}; use a shorter name")
    if name.startswith("."):
        raise InvalidNameError(f"invalid segment name: name={name!r} starts with '.', which is reserved")
    for i, c in enumerate(name):
        if c == "/":
            raise InvalidNameError(f"invalid segment name: name={name!r} contains '/' at index={i}; "
                                   "a name is a file name, not a path")
        if ord(c) < 0x20 or ord(c) == 0x7F:
            raise InvalidNameError(f"invalid segment name: name={name!r} contains a control character "
                                   f"(code={ord(c)}) at index={i}")
    return name


def generate_name() -> str:
    return GENERATED_PREFIX + secrets.token_hex(16)


def new_generation() -> int:
    while True:
        g = secrets.randbits(64)
        if g:
            return g


def temp_name(creator: ProcessIdentity) -> str:
    return f"{TEMP_PREFIX}{creator.pid}.{creator.start}.{secrets.token_hex(8)}"


def temp_creator(file_name: str) -> Optional[ProcessIdentity]:
    if not file_name.startswith(TEMP_PREFIX):
        return None
    p = file_name[len(TEMP_PREFIX):].split(".")
    if len(p) != 3:
        return None
    try:
        return ProcessIdentity(int(p[0]), int(p[1]))
    except ValueError:
        return None


# ------------------------------------------------------------------------------ directory

class _Dir:
    """A descriptor of the shm directory, for ``*at`` calls (closed on exit of the with-block)."""

    def __init__(self, path: Optional[str] = None):
        self.path = path or shm_dir()
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise Shm4jError(f"shm directory does not exist: dir={self.path}; create it or point "
                             "SHM4J_DIR at a tmpfs such as /dev/shm") from None
        except NotADirectoryError:
            raise Shm4jError(f"shm directory is not a directory: dir={self.path}; point SHM4J_DIR "
                             "at a tmpfs such as /dev/shm") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def _getxattr(fd_or_path, name: str) -> Optional[bytes]:
    try:
        if isinstance(fd_or_path, int):
            return os.getxattr(fd_or_path, name)
        return os.getxattr(fd_or_path, name, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP):
            return None
        raise


class _PathDir:
    """The shm directory by path, for a single open (saves opening the directory itself)."""

    def __init__(self, path: str):
        self.path = path
        self.fd = None


def _open_regular(d, name: str, write: bool) -> Tuple[int, os.stat_result]:
    """Opens an existing segment with O_NOFOLLOW|O_NONBLOCK and checks it is a regular file."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        if d.fd is None:
            fd = os.open(os.path.join(d.path, name), flags)
        else:
            fd = os.open(name, flags, dir_fd=d.fd)
    except FileNotFoundError:
        raise NoSuchSegmentError(errno.ENOENT, f"no such segment: name={name}, dir={d.path}; "
                                 "list segments with shm4j.ls()") from None
    except PermissionError:
        raise ImmutableSegmentError(errno.EACCES, f"permission denied: op=attach, name={name}, dir={d.path}; "
                                    "the segment belongs to another user or its mode forbids this") from None
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise NotASegmentError(f"not a segment: name={name}, dir={d.path}; segments are regular files") from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotASegmentError(f"not a segment: name={name}, dir={d.path}; segments are regular files")
    return fd, st


def _info_from(name: str, path: str, st: os.stat_result, raw: Optional[bytes], obj: Optional[bytes]) -> SegmentInfo:
    mode = stat.S_IMODE(st.st_mode)
    if raw is None:
        return SegmentInfo(name, path, "foreign", st.st_size, None, None, 0, 0, True, mode)
    try:
        m = Metadata.decode(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise NotASegmentError(f"damaged shm4j metadata: name={name}, dir={os.path.dirname(path)}, "
                               f"problem={e}; remove it with shm4j.rm({name!r})") from None
    kv = dict(p.split("=", 1) for p in raw.decode("ascii").split(";"))
    codec = None
    if obj is not None:
        for part in obj.decode("ascii", "replace").split(";"):
            if part.startswith("codec="):
                codec = part[len("codec="):]
    return SegmentInfo(name, path, m.kind, st.st_size, m.lifetime, m.owner, m.pidns,
                       m.generation, m.mutable, mode, kv, codec)


def info(name: str) -> SegmentInfo:
    """The metadata of one segment; :class:`NoSuchSegmentError` (a FileNotFoundError) if there is none."""
    validate(name)
    with _Dir() as d:
        fd, st = _open_regular(d, name, False)
        try:
            return _info_from(name, os.path.join(d.path, name), st,
                              _getxattr(fd, XATTR), _getxattr(fd, OBJ_XATTR))
        finally:
            os.close(fd)


def ls(all: bool = False) -> List[SegmentInfo]:  # noqa: A002 - mirrors `shm4j ls --all`
    """The shm4j segments, by name; ``all=True`` adds foreign files (no shm4j metadata)."""
    out = []
    with _Dir() as d:
        for entry in sorted(os.listdir(d.fd)):
            if entry.startswith("."):
                continue
            try:
                st = os.stat(entry, dir_fd=d.fd, follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode):
                    continue
                i = info(entry)
            except (OSError, Shm4jError):
                continue  # vanished meanwhile, damaged, or not ours to read: info(name) says why
            if all or not i.foreign:
                out.append(i)
    return out


def _generation_at(d: _Dir, name: str) -> Optional[int]:
    try:
        raw = os.getxattr(_proc_path(d, name), XATTR, follow_symlinks=False)
        return Metadata.decode(raw).generation
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _proc_path(d: _Dir, name: str) -> str:
    return f"/proc/self/fd/{d.fd}/{name}"


def remove_if_same(d: _Dir, name: str, generation: int) -> bool:
    """Removes ``name`` if it still holds incarnation ``generation`` (0: any), renaming it aside
    first so a segment that replaced the name meanwhile is put back (Java: ``OwnedSegments``)."""
    if generation == 0:
        try:
            os.unlink(name, dir_fd=d.fd)
            return True
        except FileNotFoundError:
            return False
    aside = temp_name(current())
    try:
        os.rename(name, aside, src_dir_fd=d.fd, dst_dir_fd=d.fd)
    except OSError:
        return False
    if _generation_at(d, aside) == generation:
        os.unlink(aside, dir_fd=d.fd)
        return True
    try:
        os.link(aside, name, src_dir_fd=d.fd, dst_dir_fd=d.fd, follow_symlinks=False)
        os.unlink(aside, dir_fd=d.fd)
    except OSError:
        pass  # the name was taken again: the aside file carries our temp name, gc reclaims it later
    return False


def rm(name: str) -> None:
    """Removes a segment by name (``shm4j rm``). Existing mappings stay valid until dropped."""
    validate(name)
    with _Dir() as d:
        try:
            os.unlink(name, dir_fd=d.fd)
        except FileNotFoundError:
            raise NoSuchSegmentError(errno.ENOENT, f"no such segment: name={name}, dir={d.path}; "
                                     "list segments with shm4j.ls()") from None
        except IsADirectoryError:
            raise NotASegmentError(f"not a segment: name={name}, dir={d.path}; segments are regular files") from None
        _untrack(d.path, name)


@dataclass(frozen=True)
class GcReport:
    """What ``gc`` removed (or would remove, if ``dry_run``)."""

    segments: List[str]
    temporaries: List[str]
    bytes: int
    dry_run: bool


def gc(dry_run: bool = False) -> GcReport:
    """Removes scoped segments whose owner is dead and temporary files of dead creators
    (``shm4j gc``). Never touches a live owner's files, persistent segments, or foreign files."""
    segments, temps, total = [], [], 0
    with _Dir() as d:
        for entry in os.listdir(d.fd):
            try:
                st = os.stat(entry, dir_fd=d.fd, follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode):
                    continue
                creator = temp_creator(entry)
                if creator is not None:
                    if not creator.is_alive():
                        if dry_run or _unlink_quietly(d, entry):
                            temps.append(entry)
                            total += st.st_size
                    continue
                if entry.startswith("."):
                    continue
                raw = _getxattr(_proc_path(d, entry), XATTR)
                if raw is None:
                    continue
                m = Metadata.decode(raw)
                if m.lifetime == "scoped" and not m.owner_may_be_alive():
                    if dry_run or remove_if_same(d, entry, m.generation):
                        segments.append(entry)
                        total += st.st_size
            except (OSError, ValueError, UnicodeDecodeError):
                continue  # vanished meanwhile, or metadata this version cannot read: leave it alone
    return GcReport(sorted(segments), sorted(temps), total, dry_run)


def _unlink_quietly(d: _Dir, name: str) -> bool:
    try:
        os.unlink(name, dir_fd=d.fd)
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------------ owned files

_OWNED: Dict[Tuple[str, str], Tuple[int, int]] = {}  # (dir, name) -> (generation, owner pid)
_OWNED_LOCK = threading.Lock()


def _track(dirpath: str, name: str, generation: int) -> None:
    with _OWNED_LOCK:
        _OWNED[(dirpath, name)] = (generation, os.getpid())


def _untrack(dirpath: str, name: str) -> None:
    with _OWNED_LOCK:
        _OWNED.pop((dirpath, name), None)


@atexit.register
def _remove_owned() -> None:
    """At normal interpreter exit: remove this process's scoped segments and unfinished
    temporaries. A forked child inherits the registry but owns none of it (pid check)."""
    pid = os.getpid()
    with _OWNED_LOCK:
        items = [(k, v) for k, v in _OWNED.items() if v[1] == pid]
        _OWNED.clear()
    for (dirpath, name), (gen, _) in items:
        try:
            with _Dir(dirpath) as d:
                remove_if_same(d, name, gen)
        except Exception:  # noqa: BLE001 - best effort at exit; gc covers the rest
            pass


# ------------------------------------------------------------------------------ create

class Pending:
    """A segment being created: a temporary file, every page reserved, mapped read-write.
    Write ``memory``, then :meth:`publish`; :meth:`abort` removes it. Not thread-safe."""

    def __init__(self, name: Optional[str], size: int, kind: str, persistent: bool,
                 mutable: bool, mode: int = DEFAULT_MODE):
        self.name = validate(name) if name is not None else generate_name()
        self.size = int(size)
        self.kind = kind
        self.dir = _Dir()
        self.lifetime = "persistent" if persistent else "scoped"
        self.mutable = mutable
        self.memory: Optional[mmap.mmap] = None
        self.fd = -1
        try:
            self._reserve(mode)
        except BaseException:
            self.abort()
            raise

    def _reserve(self, mode: int) -> None:
        d = self.dir
        try:
            os.stat(self.name, dir_fd=d.fd, follow_symlinks=False)
            raise _exists(self.name, d.path)
        except FileNotFoundError:
            pass
        me = current()
        self.generation = new_generation()
        self.created = int(time.time() * 1000)
        self.temp = temp_name(me)
        self.fd = os.open(self.temp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                          mode, dir_fd=d.fd)
        _track(d.path, self.temp, 0)
        if mode != DEFAULT_MODE:
            os.fchmod(self.fd, mode)  # not subject to the umask
        self.meta = Metadata(self.kind, self.lifetime, me, self.generation, self.created,
                             self.mutable, current_pid_namespace())
        try:
            os.setxattr(self.fd, XATTR, self.meta.encode())
        except OSError as e:
            if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
                raise Shm4jError(f"create failed: name={self.name}, dir={d.path}: the filesystem lacks user "
                                 "extended attributes (tmpfs has them since Linux 6.6); point SHM4J_DIR at "
                                 "a filesystem that has them") from None
            if e.errno == errno.ENOSPC:
                raise _out_of_memory(self.name, self.size, d) from None
            raise
        if self.size > 0:
            try:
                os.posix_fallocate(self.fd, 0, self.size)
            except OSError as e:
                if e.errno in (errno.ENOSPC, errno.EFBIG):
                    raise _out_of_memory(self.name, self.size, d) from None
                raise

    def write(self, data, offset: int) -> int:
        """Writes ``data`` (a bytes-like object) at ``offset`` with ``pwrite``; returns the end.

        ``pwrite`` into the reserved pages is the fastest way to fill a tmpfs file (no page
        faults, no zeroing of pages about to be overwritten); the mapping comes after."""
        mv = memoryview(data).cast("B")
        end = offset + mv.nbytes
        if end > self.size:
            raise ValueError(f"write past the reserved size: end={end}, size={self.size}")
        while mv.nbytes:
            n = os.pwrite(self.fd, mv[:1 << 30], offset)
            mv = mv[n:]
            offset += n
        return end

    def writer(self):
        """A binary file object over the reserved file, from offset 0 (for pyarrow's writers)."""
        return _FdWriter(self)

    def publish(self) -> SegmentInfo:
        """Links the temporary file to its name (atomic, fails if taken) and returns its info.
        The mapping stays with the caller (``memory``)."""
        d = self.dir
        try:
            os.link(self.temp, self.name, src_dir_fd=d.fd, dst_dir_fd=d.fd, follow_symlinks=False)
        except FileExistsError:
            self.abort()
            raise _exists(self.name, d.path) from None
        if self.lifetime == "scoped":
            _track(d.path, self.name, self.generation)
        try:
            os.unlink(self.temp, dir_fd=d.fd)
        except OSError:
            pass  # gc removes the temporary name once this process is gone
        _untrack(d.path, self.temp)
        st = os.fstat(self.fd)
        if self.size > 0 and self.memory is None:
            self.memory = mmap.mmap(self.fd, self.size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(self.fd)
        self.fd = -1
        out = SegmentInfo(self.name, os.path.join(d.path, self.name), self.kind, self.size, self.lifetime,
                          self.meta.owner, self.meta.pidns, self.generation, self.mutable, stat.S_IMODE(st.st_mode),
                          dict(p.split("=", 1) for p in self.meta.encode().decode().split(";")))
        self.dir.__exit__()
        self.dir = None
        return out

    def abort(self) -> None:
        """Unmaps and removes the temporary file. Idempotent."""
        if self.memory is not None:
            try:
                self.memory.close()
            except BufferError:
                pass  # views of it still exist; they keep the (unlinked) pages alive
            self.memory = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.dir is not None:
            temp = getattr(self, "temp", None)
            if temp:
                _unlink_quietly(self.dir, temp)
                _untrack(self.dir.path, temp)
            self.dir.__exit__()
            self.dir = None


class _FdWriter(io.RawIOBase):
    """A write-only, sequential file object over a Pending segment's descriptor."""

    def __init__(self, pending: Pending):
        self._pending = pending
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        n = memoryview(b).nbytes
        self._pos = self._pending.write(b, self._pos)
        return n

    def tell(self) -> int:
        return self._pos


def _exists(name: str, dirpath: str) -> SegmentExistsError:
    return SegmentExistsError(errno.EEXIST, f"segment already exists: name={name}, dir={dirpath}; "
                              f"choose another name or remove it with shm4j.rm({name!r})")


def _out_of_memory(name: str, size: int, d: _Dir) -> OutOfSharedMemoryError:
    try:
        sv = os.statvfs(d.fd)
        free = sv.f_bavail * sv.f_frsize
    except OSError:
        free = -1
    return OutOfSharedMemoryError(errno.ENOSPC, f"out of shared memory: name={name}, requested={size} bytes, "
                                  f"free={free} bytes, dir={d.path}; free space (shm4j.ls(), shm4j.gc(), "
                                  "shm4j.rm()), share less, or use a larger tmpfs (SHM4J_DIR)")


# ------------------------------------------------------------------------------ attach

_PREFAULT_CHUNK = 8 << 20  # bytes per madvise call of a prefault: about 1 ms with the GIL held


class Mapping:
    """One open mapping of a published segment, with the info read from the same descriptor:
    the file is opened once (``O_NOFOLLOW``), checked with ``fstat``, and its metadata, size and
    mapping all come from that descriptor, as Java's attach does."""

    def __init__(self, name: str, write: bool = False, expected_generation: Optional[int] = None):
        validate(name)
        d = _PathDir(shm_dir())
        fd, st = _open_regular(d, name, write)
        try:
            raw = _getxattr(fd, XATTR)
            obj = _getxattr(fd, OBJ_XATTR) if raw is not None and b"kind=object" in raw else None
            self.info = i = _info_from(name, os.path.join(d.path, name), st, raw, obj)
            if expected_generation is not None and i.generation != expected_generation:
                raise StaleSegmentError(
                    f"segment was replaced: name={name}, generation={expected_generation:x}, "
                    f"current={i.generation:x}; the object the handle named is gone, ask its producer for a new one")
            if write and not i.mutable:
                raise ImmutableSegmentError(errno.EACCES, f"segment is immutable: name={name}, kind={i.kind}; "
                                            "attach it read-only, or share it mutable=True to share writes")
            size = os.lseek(fd, 0, os.SEEK_END)
            if write and i.foreign and size > 0:
                os.posix_fallocate(fd, 0, size)  # sparse SharedMemory files: no SIGBUS later
            self.memory = None if size == 0 else mmap.mmap(
                fd, size, mmap.MAP_SHARED, mmap.PROT_READ | (mmap.PROT_WRITE if write else 0))
            self.size = size
            self.writable = write
        finally:
            os.close(fd)

    def prefault(self) -> None:
        """Maps every page for reading now (``madvise(MADV_POPULATE_READ)`` instead of a fault per
        page), in calls of ``_PREFAULT_CHUNK`` bytes: ``mmap.madvise`` holds the GIL, and one call
        over 244 MiB kept every other thread of the process waiting for 25-40 ms."""
        if self.memory is None:
            return
        advice = getattr(mmap, "MADV_POPULATE_READ", 22)
        try:
            for start in range(0, self.size, _PREFAULT_CHUNK):
                self.memory.madvise(advice, start, min(_PREFAULT_CHUNK, self.size - start))
        except (OSError, AttributeError):
            pass  # kernel before 5.14: the reads fault the pages in one by one instead

    def buffer(self) -> memoryview:
        if self.memory is None:
            return memoryview(b"")
        return memoryview(self.memory)
