#!/usr/bin/env python3
"""A provider that never answers, for the e2e Stop test.

It accepts HTTP connections on 127.0.0.1, reads the request and then holds
the connection open without replying. Each event goes to the log file named
by argv[1] ("open N", "request N <request line>", "closed N"), so the test can
see that pressing Stop in the chat made llxprt-ls drop the provider call.
Prints the port it listens on as its first line of output.
"""
import socket
import sys
import threading

log_path = sys.argv[1]
log_lock = threading.Lock()


def log(line):
    with log_lock, open(log_path, "a") as f:
        f.write(line + "\n")


def serve(conn, n):
    log(f"open {n}")
    first = b""
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            if not first:
                first = data.split(b"\r\n", 1)[0]
                log(f"request {n} {first.decode('latin-1')}")
    except OSError:
        pass
    finally:
        log(f"closed {n}")
        conn.close()


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    n = 0
    while True:
        conn, _ = srv.accept()
        n += 1
        threading.Thread(target=serve, args=(conn, n), daemon=True).start()


if __name__ == "__main__":
    main()
