"""Workload E's Python worker (pybench/serve.py) as a real process over real sockets: keep-alive
and pipelined requests, answers equal to a direct top-k of the version named, a hot update of the
baseline's copy, and malformed requests answered 400/411 with the connection closed while the
worker keeps serving the others. (Across dataset updates, with a Java writer and checker:
ServeTest.) Run: python3 -m pytest -q shm4j-bench/python/test_serve.py
"""
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from pybench.serve import DIM, top_k

HERE = os.path.dirname(os.path.abspath(__file__))
SERVE = os.path.join(HERE, "pybench", "serve.py")
ROWS = 20_000  # above the block top-k's threshold (16 x 1024 rows)
TIMEOUT = 30  # seconds any socket operation may take before the test fails (never a hang)


def matrix(version):
    return np.random.default_rng(version).standard_normal((ROWS, DIM)).astype(np.float32)


def publish(tmp_path, version):
    """The baseline's update: a new .npy, then the pointer file replaced atomically."""
    path = tmp_path / f"v{version}.npy"
    np.save(path, matrix(version))
    tmp = tmp_path / "pointer.tmp"
    tmp.write_text(f"{version} {path}", encoding="utf-8")
    os.replace(tmp, tmp_path / "pointer")


@pytest.fixture
def worker(tmp_path):
    publish(tmp_path, 1)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", SHM4J_SERVE_GATHER_MS="3")
    p = subprocess.Popen([sys.executable, SERVE, "copy", "0", str(tmp_path / "pointer")], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        line = p.stdout.readline().split()
        assert line[:1] == ["ready"], f"worker did not start: said={line}, stderr={p.stderr.read()}"
        yield p, int(line[3]), tmp_path
    finally:
        p.stdin.close()  # the worker exits when its stdin closes
        try:
            p.wait(TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
    assert p.returncode == 0


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")


def request(q, k=10):
    body = np.asarray(q, dtype="<f4").tobytes()
    return (b"POST /knn?k=%d HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % (k, len(body))) + body


def read_response(f):
    """(status, headers, body) of one response; None at end of stream."""
    line = f.readline()
    if not line:
        return None
    status = int(line.split()[1])
    headers = {}
    while True:
        h = f.readline()
        assert h, "connection closed inside a response head"
        if h == b"\r\n":
            break
        name, value = h.decode("ascii").split(":", 1)
        headers[name.strip().lower()] = value.strip()
    body = f.read(int(headers["content-length"]))
    return status, headers, body.decode()


def check(body, pid, version, q, k=10):
    """The answer names this worker and version, and is that version's top k (the previous
    server's computation, one ``matrix @ q``): the same rows in the same order, the same scores
    up to float32 rounding (the pass multiplies a chunk of rows by several queries at once)."""
    f = body.split()
    assert int(f[0]) == version and int(f[1]) == pid, body
    idx = [int(x) for x in f[2::2]]
    scores = [float(x) for x in f[3::2]]
    want_idx, want_scores = top_k(matrix(version), np.asarray(q, dtype=np.float32), k)
    assert idx == want_idx.tolist()
    assert scores == pytest.approx(want_scores.tolist(), rel=1e-5, abs=1e-5)


def queries(n, seed=7):
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


def test_keep_alive_connection_answers_several_requests_and_pipelined_ones_in_order(worker):
    p, port, _ = worker
    s, f = connect(port)
    with s, f:
        qs = queries(6)
        for q in qs[:3]:  # one after the other on one connection
            s.sendall(request(q))
            status, headers, body = read_response(f)
            assert status == 200 and "connection" not in headers, body
            check(body, p.pid, 1, q)
        s.sendall(b"".join(request(q, k=5) for q in qs[3:]))  # three at once: answered in order
        for q in qs[3:]:
            status, _, body = read_response(f)
            assert status == 200, body
            check(body, p.pid, 1, q, k=5)


def test_queries_of_several_connections_share_passes_and_each_gets_its_own_answer(worker):
    p, port, _ = worker
    conns = [connect(port) for _ in range(4)]
    try:
        qs = queries(12, seed=11)
        for round_ in range(3):
            for i, (s, _) in enumerate(conns):
                s.sendall(request(qs[4 * round_ + i], k=3 + i))
            for i, (_, f) in enumerate(conns):
                status, _, body = read_response(f)
                assert status == 200, body
                check(body, p.pid, 1, qs[4 * round_ + i], k=3 + i)
    finally:
        for s, f in conns:
            f.close()
            s.close()


def test_answers_move_to_a_new_version_of_the_copy(worker):
    p, port, tmp_path = worker
    s, f = connect(port)
    with s, f:
        q = queries(1, seed=3)[0]
        publish(tmp_path, 2)
        deadline = time.monotonic() + TIMEOUT
        while True:  # the worker polls its pointer every 20 ms
            s.sendall(request(q))
            status, _, body = read_response(f)
            assert status == 200, body
            if body.startswith("2 "):
                break
            check(body, p.pid, 1, q)
            assert time.monotonic() < deadline, "the worker never served version 2"
        check(body, p.pid, 2, q)


@pytest.mark.parametrize("raw, status, says", [
    (b"GET /knn HTTP/1.1\r\nHost: x\r\n\r\n", 400, "expected POST /knn"),
    (b"POST /other HTTP/1.1\r\nContent-Length: 256\r\n\r\n" + bytes(256), 400, "expected POST /knn"),
    (b"POST /knn?k=10 HTTP/1.1\r\nHost: x\r\n\r\n", 411, "content-length required"),
    (b"POST /knn?k=10 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "chunked"),
    (b"POST /knn?k=10 HTTP/1.1\r\nContent-Length: 12\r\n\r\n" + bytes(12), 400, "content-length=12"),
    (b"POST /knn?k=abc HTTP/1.1\r\nContent-Length: 256\r\n\r\n" + bytes(256), 400, "k is not an integer"),
    (b"POST /knn?k=0 HTTP/1.1\r\nContent-Length: 256\r\n\r\n" + bytes(256), 400, "k out of range"),
    (b"POST /knn HTTP/2.0\r\nContent-Length: 256\r\n\r\n" + bytes(256), 400, "unsupported protocol"),
    (b"POST /knn HTTP/1.1\r\nno colon here\r\nContent-Length: 256\r\n\r\n" + bytes(256), 400, "malformed header"),
    (b"POST /knn HTTP/1.1\r\nX: " + b"y" * 9000, 400, "longer than 8192"),
])
def test_a_malformed_request_is_answered_400_or_411_and_its_connection_closed(worker, raw, status, says):
    p, port, _ = worker
    s, f = connect(port)
    with s, f:
        q = queries(1, seed=5)[0]
        s.sendall(request(q))  # a good request first: answered before the bad one's error
        got, _, body = read_response(f)
        assert got == 200, body
        check(body, p.pid, 1, q)
        s.sendall(raw)
        got, headers, body = read_response(f)
        assert (got, headers.get("connection")) == (status, "close"), body
        assert says in body
        assert read_response(f) is None  # closed by the worker, not left hanging
    assert_serves(p, port, q)  # the worker still serves


def assert_serves(p, port, q):
    """A fresh connection gets a right answer to query q from worker process p."""
    s, f = connect(port)
    with s, f:
        s.sendall(request(q))
        got, _, body = read_response(f)
        assert got == 200, body
        check(body, p.pid, 1, q)


def test_a_client_gone_mid_request_does_not_stop_the_worker(worker):
    p, port, _ = worker
    s, f = connect(port)
    s.sendall(request(queries(1)[0])[:100])  # half a head, then gone
    f.close()
    s.close()
    assert_serves(p, port, queries(1, seed=9)[0])


def test_connection_close_from_the_client_is_honoured_after_the_answer(worker):
    p, port, _ = worker
    s, f = connect(port)
    with s, f:
        q = queries(1, seed=13)[0]
        s.sendall(request(q).replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n"))
        got, _, body = read_response(f)
        assert got == 200, body
        check(body, p.pid, 1, q)
        assert read_response(f) is None
