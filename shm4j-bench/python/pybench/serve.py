"""Workload E's Python worker: an HTTP server on a port shared with the other workers
(SO_REUSEPORT), answering top-k nearest-neighbour queries over a float32 embedding matrix.

    python3 -m pybench.serve shm|shm-inline|copy PORT NAME|POINTER_FILE [BATCH]

``shm``: the matrix is the current version of a shm4j dataset, followed in the background
(``Dataset(name).follow()``: a thread attaches each new version and touches its pages before
requests see it); each pass takes ``current()`` (an attribute read).
``shm-inline``: the same without the follower: the server's own handle re-attaches on the first
pass after an update (a read of the shared counter; re-attach when it moved).
``copy`` (the baseline): the worker holds its own copy, ``np.load`` of the ``.npy`` file the
pointer file names (``"<version> <path>"``), at start and whenever the pointer changes (a thread
polls it every 20 ms, loads beside the old copy, then swaps). All three modes use the same server.

The server (:class:`Server`) is one thread: a ``selectors`` (epoll) loop over the listening
socket and the keep-alive connections, no thread per connection. Micro-batching (``BATCH`` > 0,
default 8, the Java worker's cap too): every query that arrived complete in one loop turn is
answered in passes of at most ``BATCH`` queries, each one ``Q @ matrix.T`` matmul (each row of
the matrix read once per pass), all from the same version; then the answers go out together.
Before a pass the loop waits up to 3 ms (``SHM4J_SERVE_GATHER_MS``; 0: no wait) for a query
from every open connection (at most ``BATCH``): a pass costs nearly the same for 1 query as for 4
(the matrix's memory traffic), so connections whose queries arrived one pass apart would otherwise
stay in separate passes for good. ``BATCH`` 0: one ``matrix @ q`` per query, no wait.
Set ``SHM4J_SERVE_PROFILE=FILE`` to append the loop's CPU by step (JSON) to FILE at exit.

Protocol (same as the Java worker, ``ServeWorker``): ``POST /knn?k=K`` with 64 little-endian
float32 as body; answer ``"<version> <pid> <idx> <score> ..."`` best first. Prints
``ready <pid> <version> <port>`` once listening (``PORT`` 0: a free port); exits when stdin closes. Standard library + numpy.
"""
import json
import os
import selectors
import socket
import sys
import threading
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO_PYTHON = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "python"))
if os.path.isdir(os.path.join(_REPO_PYTHON, "shm4j")) and _REPO_PYTHON not in sys.path:
    sys.path.insert(0, _REPO_PYTHON)

DIM = 64


def top_k(matrix, q, k):
    """Indices (best first) and scores of the k rows with the largest dot product with q."""
    scores = matrix @ q
    k = min(k, scores.shape[0])
    idx = np.argpartition(scores, -k)[-k:]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return idx, scores[idx]


def _top_k_row(scores, k):
    """``top_k`` of one row of scores, without a partition of the whole row: the k-th largest of
    the blocks' maxima is at most the k-th largest score (k blocks each hold a score at least
    that large), so only the scores at or above it are candidates (a few dozen for 1 M rows,
    against a partition of all of them: 0.6 ms instead of 2.5-7 ms per query)."""
    n = scores.shape[0]
    k = min(k, n)
    if n >= 16 * _BLOCKS:
        block = n // max(_BLOCKS, 4 * k)
        full = n - n % block
        maxima = scores[:full].reshape(-1, block).max(axis=1)
        if full < n:
            maxima = np.append(maxima, scores[full:].max())
        floor = np.partition(maxima, -k)[-k]
        cand = np.flatnonzero(scores >= floor)
        if cand.shape[0] >= k:  # fewer only with NaN scores: then the whole partition below
            sc = scores[cand]
            if cand.shape[0] > k:
                keep = np.argpartition(sc, -k)[-k:]
                cand, sc = cand[keep], sc[keep]
            order = np.argsort(-sc, kind="stable")
            return cand[order], sc[order]
    idx = np.argpartition(scores, -k)[-k:]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return idx, scores[idx]


_BLOCKS = 1024  # blocks of a row of scores whose maxima bound the k-th largest (at least 4 k)
_CHUNK = 8192  # matrix rows per matmul of a pass (2 MiB at 64 float32)


def batch_scores(matrix, qs, out):
    """``out[:] = qs @ matrix.T`` (one row of scores per query; each row of the matrix read
    once), computed as ``matrix[chunk] @ qs.T`` a chunk of rows at a time: BLAS's kernels for one
    big product with so few queries take 20-50 % longer (b = 4: 18 against 23-28 ms for 1 M
    rows). ``out`` is reused from pass to pass: a fresh 4-32 MiB array would fault in its
    pages every time."""
    n = matrix.shape[0]
    qt = np.ascontiguousarray(qs.T)
    tmp = np.empty((min(_CHUNK, n), qs.shape[0]), dtype=np.float32)
    for i in range(0, n, _CHUNK):
        j = min(i + _CHUNK, n)
        np.matmul(matrix[i:j], qt, out=tmp[:j - i])
        out[:, i:j] = tmp[:j - i].T
    return out


_MAX_HEAD = 8192  # bytes of a request line and headers
_MAX_K = 1000


class BadRequest(Exception):
    """A request the worker does not serve: answered with ``status`` and the connection closed."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def parse_request(buf, start=0):
    """One request from ``buf[start:]``: ``(k, query bytes, keep_alive, end)``, or None while it
    is incomplete. Raises :class:`BadRequest` for anything but what the load
    generator sends (``POST /knn[?k=K] HTTP/1.1`` with ``Content-Length: 256``)."""
    end = buf.find(b"\r\n\r\n", start, start + _MAX_HEAD + 4)
    if end < 0:
        if len(buf) - start > _MAX_HEAD:
            raise BadRequest(400, f"request head longer than {_MAX_HEAD} bytes")
        return None
    lines = bytes(buf[start:end]).split(b"\r\n")
    first = lines[0].split(b" ")
    if len(first) != 3 or first[0] != b"POST" or not (first[1] == b"/knn" or first[1].startswith(b"/knn?")):
        raise BadRequest(400, f"expected POST /knn?k=K HTTP/1.1: request line={lines[0][:200]!r}")
    if first[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise BadRequest(400, f"unsupported protocol: version={first[2][:20]!r}")
    k = 10
    target = first[1]
    if b"?" in target:
        for param in target.split(b"?", 1)[1].split(b"&"):
            if param.startswith(b"k="):
                try:
                    k = int(param[2:])
                except ValueError:
                    raise BadRequest(400, f"k is not an integer: k={param[2:][:20]!r}") from None
    if not 1 <= k <= _MAX_K:
        raise BadRequest(400, f"k out of range [1, {_MAX_K}]: k={k}")
    length = None
    keep_alive = first[2] == b"HTTP/1.1"
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise BadRequest(400, f"malformed header line: {line[:100]!r}")
        name = name.strip().lower()
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise BadRequest(400, f"content-length is not an integer: {value.strip()[:20]!r}") from None
        elif name == b"transfer-encoding":
            raise BadRequest(411, "chunked bodies are not served: send content-length")
        elif name == b"connection":
            v = value.strip().lower()
            if v == b"close":
                keep_alive = False
            elif v == b"keep-alive":
                keep_alive = True
    if length is None:
        raise BadRequest(411, f"content-length required ({DIM * 4} bytes: {DIM} little-endian float32)")
    if length != DIM * 4:
        raise BadRequest(400, f"query must be {DIM * 4} bytes: content-length={length}")
    stop = end + 4 + length
    if len(buf) < stop:
        return None
    return k, bytes(buf[end + 4:stop]), keep_alive, stop


def _response(status, body):
    reason = {200: "OK", 400: "Bad Request", 411: "Length Required", 500: "Internal Server Error"}[status]
    close = b"Connection: close\r\n" if status in (400, 411) else b""
    return (b"HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n"
            % (status, reason.encode(), len(body), close)) + body


_LINGER = 2.0  # seconds a closing connection's late bytes are read and dropped before the close


class _Conn:
    __slots__ = ("sock", "inbuf", "out", "closing", "linger")

    def __init__(self, sock):
        self.sock = sock
        self.inbuf = bytearray()
        self.out = bytearray()
        self.closing = False  # close once ``out`` is written
        self.linger = None  # once written and shut down for writing: when to close at the latest


class Server:
    """A lean HTTP/1.1 server on one thread: a ``selectors`` loop (epoll) over the listening
    socket (``SO_REUSEPORT``) and every keep-alive connection; no thread per connection, no
    handoff between threads. Each loop turn reads what every ready connection sent, answers all
    complete queries together (in passes of at most ``batch``: one ``Q @ matrix.T`` each, all
    from the same version) and writes the answers. A request that is not what the protocol
    says is answered 400 (411 without a content-length) and its connection closed (after the
    answers to the queries it sent before; the server reads and drops what the client still
    sends for up to 2 s, so the close does not reset the connection before the client read the
    answer). ``gather``: seconds to wait for the other connections' queries before a pass."""

    def __init__(self, port, current, batch, host="127.0.0.1", gather=0.0):
        self._current = current
        self._batch = batch
        self._gather = gather if batch > 1 else 0.0
        self._conns = {}  # id -> every open connection
        self._pid = os.getpid()
        self._sel = selectors.DefaultSelector()
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        ls.bind((host, port))
        ls.listen(128)
        ls.setblocking(False)
        self._listener = ls
        self.port = ls.getsockname()[1]  # the one asked for, or the kernel's choice for 0
        self._sel.register(ls, selectors.EVENT_READ, None)
        self._lingering = {}  # id -> conn: shut down for writing, closed at EOF or their deadline
        self.prof = None
        self._scores = None  # the passes' scores, (batch, rows) float32, reused

    def serve_forever(self):
        while True:
            self.turn(None)

    def profile(self):
        """Turns on the loop's CPU accounting (:attr:`prof`: thread CPU seconds by step, pass
        sizes); for one-off runs (``SHM4J_SERVE_PROFILE``), it costs a clock read per step."""
        self.prof = {"turns": 0, "passes": 0, "queries": 0, "pass_sizes": {}, "poll_s": 0.0, "io_s": 0.0,
                     "matmul_s": 0.0, "topk_s": 0.0, "format_s": 0.0, "loop_cpu_s": 0.0,
                     "start_process_cpu_s": time.process_time()}
        self._clock = time.thread_time

    def turn(self, timeout):
        """One loop turn: accept, read, answer what arrived complete, write."""
        queries = []  # (conn, k, query bytes, keep_alive) in arrival order, per connection in order
        bad = []  # (conn, BadRequest) after that connection's good requests
        if self._lingering:
            wait = min(c.linger for c in self._lingering.values()) - time.monotonic()
            timeout = max(0.0, wait if timeout is None else min(timeout, wait))
        prof = self.prof
        if prof is not None:
            t0 = self._clock()
        self._poll(timeout, queries, bad)
        if queries and self._gather > 0:
            # wait a little for the other connections' next queries, so that they share this pass
            # (a pass over the matrix costs nearly the same for 1 query as for 4)
            deadline = time.monotonic() + self._gather
            while len(queries) < min(self._batch, sum(1 for c in self._conns.values() if not c.closing) or 1):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._poll(left, queries, bad)
        if prof is not None:
            t1 = self._clock()
            prof["turns"] += 1
            prof["poll_s"] += t1 - t0  # select, accept, read, parse (the gathering wait costs no CPU)
        if queries:
            self._answer(queries)
            if prof is not None:
                t1 = self._clock()
        for conn, e in bad:
            conn.out += _response(e.status, (f"{e}\n").encode())
        touched = {id(q[0]): q[0] for q in queries}
        for conn, _ in bad:
            touched[id(conn)] = conn
        for conn in touched.values():
            self._flush(conn)
        if self._lingering:
            now = time.monotonic()
            for conn in [c for c in self._lingering.values() if c.linger <= now]:
                self._close(conn)
        if prof is not None:
            t2 = self._clock()
            prof["io_s"] += t2 - t1  # the answers' writes
            prof["loop_cpu_s"] += t2 - t0

    def _poll(self, timeout, queries, bad):
        for key, events in self._sel.select(timeout):
            conn = key.data
            if conn is None:
                self._accept()
                continue
            if events & selectors.EVENT_WRITE:
                self._flush(conn)
                if conn.sock is None:
                    continue
            if events & selectors.EVENT_READ:
                if conn.linger is not None:
                    self._drain(conn)
                elif not conn.closing:
                    self._read(conn, queries, bad)

    def _accept(self):
        while True:
            try:
                s, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:  # e.g. EMFILE: keep serving the connections we have
                print(f"accept failed: {e!r}", file=sys.stderr)
                return
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Conn(s)
            self._sel.register(s, selectors.EVENT_READ, conn)
            self._conns[id(conn)] = conn

    def _read(self, conn, queries, bad):
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            self._close(conn)  # the client closed (a request cut short is dropped with it)
            return
        buf = conn.inbuf
        buf += data
        pos = 0
        try:
            while True:
                r = parse_request(buf, pos)
                if r is None:
                    break
                k, body, keep_alive, pos = r
                queries.append((conn, k, body, keep_alive))
                if not keep_alive:
                    conn.closing = True
                    break
        except BadRequest as e:
            bad.append((conn, e))  # answered after this connection's queries read before it
            conn.closing = True
            pos = len(buf)
        del buf[:pos]

    def _answer(self, queries):
        pid = self._pid
        step = self._batch if self._batch > 0 else 1
        for start in range(0, len(queries), step):
            part = queries[start:start + step]
            matrix = scores = None
            prof = self.prof
            if prof is not None:
                t0 = t2 = self._clock()
            try:
                version, matrix = self._current()
                qs = np.frombuffer(b"".join(q[2] for q in part), dtype="<f4").reshape(len(part), DIM)
                if self._batch > 0:
                    n = matrix.shape[0]
                    if self._scores is None or self._scores.shape[1] != n:
                        self._scores = None
                        self._scores = np.empty((self._batch, n), dtype=np.float32)
                    scores = batch_scores(matrix, qs, self._scores[:len(part)])
                    if prof is not None:
                        t1 = self._clock()
                    answers = [_top_k_row(scores[i], q[1]) for i, q in enumerate(part)]
                else:
                    if prof is not None:
                        t1 = self._clock()
                    answers = [top_k(matrix, qs[0], part[0][1])]  # (profiled as top-k, its matvec too)
                if prof is not None:
                    t2 = self._clock()
                    prof["matmul_s"] += t1 - t0
                    prof["topk_s"] += t2 - t1
                    prof["passes"] += 1
                    prof["queries"] += len(part)
                    prof["pass_sizes"][len(part)] = prof["pass_sizes"].get(len(part), 0) + 1
                for (conn, _, _, _), (idx, sc) in zip(part, answers):
                    parts = [str(version), str(pid)]
                    for i, s in zip(idx.tolist(), sc.tolist()):
                        parts.append(str(i))
                        parts.append(repr(s))
                    conn.out += _response(200, (" ".join(parts) + "\n").encode())
            except Exception as e:  # noqa: BLE001 - each query of the pass answers 500 with it
                for conn, _, _, _ in part:
                    conn.out += _response(500, (repr(e) + "\n").encode())
            if prof is not None:
                prof["format_s"] += self._clock() - t2
            matrix = scores = None  # the loop's wait for the next requests must not pin this version

    def _flush(self, conn):
        if conn.sock is None:
            return
        if conn.out:
            try:
                n = conn.sock.send(conn.out)
                del conn.out[:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close(conn)
                return
        if conn.out:
            self._sel.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
            return
        if conn.closing:
            # the answer is written: stop sending, then read and drop what the client still sends
            # until it closes (closing with unread bytes would reset the connection, and the
            # client could lose the answer that says what was wrong)
            if conn.linger is None:
                try:
                    conn.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    self._close(conn)
                    return
                conn.linger = time.monotonic() + _LINGER
                self._lingering[id(conn)] = conn
                if self._sel.get_key(conn.sock).events & selectors.EVENT_WRITE:
                    self._sel.modify(conn.sock, selectors.EVENT_READ, conn)
            return
        if self._sel.get_key(conn.sock).events & selectors.EVENT_WRITE:
            self._sel.modify(conn.sock, selectors.EVENT_READ, conn)

    def _drain(self, conn):
        try:
            if conn.sock.recv(65536):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self._close(conn)

    def _close(self, conn):
        self._lingering.pop(id(conn), None)
        self._conns.pop(id(conn), None)
        if conn.sock is None:
            return
        self._sel.unregister(conn.sock)
        conn.sock.close()
        conn.sock = None


def shm_source(name):
    from shm4j.dataset import Dataset

    ds = Dataset(name).follow()  # one handle for every request thread
    return ds.current


def shm_inline_source(name):
    from shm4j.dataset import Dataset

    ds = Dataset(name)  # the server's one thread uses it (a handle is not thread-safe)
    return ds.current


def copy_source(pointer):
    held = [None]

    def reload():
        with open(pointer, encoding="utf-8") as f:
            v, path = f.read().strip().split(" ", 1)
        v = int(v)
        if held[0] is None or held[0][0] != v:
            held[0] = (v, np.load(path))  # the whole file into this process's memory

    def poll():
        while True:
            time.sleep(0.02)  # the baseline's own update check
            try:
                reload()
            except Exception as e:  # noqa: BLE001 - keep serving the old copy
                print(f"reload failed: {e!r}", file=sys.stderr)

    reload()
    threading.Thread(target=poll, daemon=True).start()
    return lambda: held[0]


def main(argv):
    if len(argv) not in (3, 4) or argv[0] not in ("shm", "shm-inline", "copy"):
        print("usage: serve.py shm|shm-inline|copy PORT NAME|POINTER_FILE [BATCH]", file=sys.stderr)
        return 2
    mode, port, source = argv[0], int(argv[1]), argv[2]
    batch = int(argv[3]) if len(argv) == 4 else 8
    if mode == "shm":
        current = shm_source(source)
        version = current()[0]
    elif mode == "shm-inline":
        from shm4j.dataset import Dataset

        with Dataset(source) as ds:  # a handle of its own: this thread must not pin version 1
            version = ds.current()[0]
        current = shm_inline_source(source)
    else:
        current = copy_source(source)
        version = current()[0]

    gather_ms = float(os.environ.get("SHM4J_SERVE_GATHER_MS", "3"))
    if not 0 <= gather_ms <= 1000:
        print(f"SHM4J_SERVE_GATHER_MS must be in [0, 1000]: SHM4J_SERVE_GATHER_MS={gather_ms}", file=sys.stderr)
        return 2
    server = Server(port, current, batch, gather=gather_ms / 1000)
    profile_to = os.environ.get("SHM4J_SERVE_PROFILE")
    if profile_to:
        server.profile()

    def watch_stdin():
        sys.stdin.buffer.read()
        if profile_to:
            prof = dict(server.prof, pid=os.getpid(), mode=mode,
                        process_cpu_s=time.process_time() - server.prof["start_process_cpu_s"])
            with open(profile_to, "a", encoding="utf-8") as f:
                f.write(json.dumps(prof) + "\n")
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"ready {os.getpid()} {version} {server.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
