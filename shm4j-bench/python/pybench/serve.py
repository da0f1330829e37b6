"""Workload E's Python worker: an HTTP server on a port shared with the other workers
(SO_REUSEPORT), answering top-k nearest-neighbour queries over a float32 embedding matrix.

    python3 -m pybench.serve shm|shm-inline|copy PORT NAME|POINTER_FILE [BATCH]

``shm``: the matrix is the current version of a shm4j dataset, followed in the background
(``Dataset(name).follow()``: a thread attaches each new version and touches its pages before
requests see it); each request takes ``current()`` (an attribute read).
``shm-inline``: the same without the follower: each request thread has its own handle and its
first request after an update re-attaches (a read of the shared counter; re-attach when it moved).
``copy`` (the baseline): the worker holds its own copy, ``np.load`` of the ``.npy`` file the
pointer file names (``"<version> <path>"``), at start and whenever the pointer changes (a thread
polls it every 20 ms, loads beside the old copy, then swaps).

Micro-batching (``BATCH`` > 0, default 8; the Java worker does the same): request threads only
parse and answer; one scanning thread takes every query waiting when it starts (at most
``BATCH``) and answers them in one pass over the matrix (one ``Q @ matrix.T`` matmul, each row
read once), all from the same version. ``BATCH`` 0: each request thread scans for itself.

Protocol (same as the Java worker, ``ServeWorker``): ``POST /knn?k=K`` with 64 little-endian
float32 as body; answer ``"<version> <pid> <idx> <score> ..."`` best first. Prints
``ready <pid> <version>`` once listening; exits when stdin closes. Standard library + numpy.
"""
import os
import queue
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
    k = min(k, scores.shape[0])
    idx = np.argpartition(scores, -k)[-k:]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return idx, scores[idx]


class Batcher:
    """One scanning thread answering the queries waiting, up to ``batch`` at a time, in one pass."""

    def __init__(self, current, batch):
        self._current = current
        self._batch = batch
        self._queue = queue.SimpleQueue()
        threading.Thread(target=self._scan, daemon=True, name="scan").start()

    def answer(self, q, k):
        """(version, indices, scores) of q's top k, from the scanning thread's next pass."""
        item = [q, k, threading.Event(), None]
        self._queue.put(item)
        item[2].wait()
        if isinstance(item[3], BaseException):
            raise item[3]
        return item[3]

    def _scan(self):
        while True:
            items = [self._queue.get()]
            while len(items) < self._batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            matrix = scores = None
            try:
                version, matrix = self._current()
                scores = np.stack([it[0] for it in items]) @ matrix.T  # (b, rows): each row read once
                for i, it in enumerate(items):
                    idx, sc = _top_k_row(scores[i], it[1])
                    it[3] = (version, idx, sc)
            except Exception as e:  # noqa: BLE001 - each waiting request answers 500 with it
                for it in items:
                    it[3] = e
            matrix = scores = None  # waiting for the next batch must not pin this version
            for it in items:
                it[2].set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def make_handler(current, batcher=None):
    pid = os.getpid()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args):
            pass

        def do_POST(self):
            try:
                k = 10
                if "k=" in self.path:
                    k = int(self.path.split("k=", 1)[1].split("&")[0])
                n = int(self.headers.get("Content-Length", "0"))
                if n != DIM * 4:
                    raise ValueError(f"query must be {DIM * 4} bytes: content-length={n}")
                q = np.frombuffer(self.rfile.read(n), dtype="<f4")
                if batcher is not None:
                    version, idx, scores = batcher.answer(q, k)
                else:
                    version, matrix = current()
                    idx, scores = top_k(matrix, q, k)
                parts = [str(version), str(pid)]
                for i, s in zip(idx.tolist(), scores.tolist()):
                    parts.append(str(i))
                    parts.append(repr(s))
                body = (" ".join(parts) + "\n").encode()
                status = 200
            except Exception as e:  # noqa: BLE001 - the answer says what went wrong
                body = (repr(e) + "\n").encode()
                status = 500
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def shm_source(name):
    from shm4j.dataset import Dataset

    ds = Dataset(name).follow()  # one handle for every request thread
    return ds.current


def shm_inline_source(name):
    from shm4j.dataset import Dataset

    local = threading.local()

    def current():
        ds = getattr(local, "ds", None)
        if ds is None:
            ds = local.ds = Dataset(name)  # one handle per thread (not thread-safe)
        return ds.current()

    return current


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

    def watch_stdin():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    batcher = Batcher(current, batch) if batch > 0 else None
    server = _Server(("127.0.0.1", port), make_handler(current, batcher))
    print(f"ready {os.getpid()} {version}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
