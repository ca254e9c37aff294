"""A real two-node Ray cluster on 127.0.0.1 for the tests: ``ray start --head --block`` plus a second
``ray start --block`` worker node, each in its own process group with its own temp dir and ports; torn
down by signalling exactly those processes (never a machine-wide ``ray stop``)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

RAY = str(Path(sys.executable).with_name("ray"))
OBJECT_STORE = str(100 * 1024 * 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_ports() -> list[str]:
    flags = ["--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
             "--dashboard-agent-grpc-port", "--metrics-export-port", "--runtime-env-agent-port"]
    return [part for flag in flags for part in (flag, str(free_port()))]


def ray_env(src: Path, token: str) -> dict[str, str]:
    """The environment of the nodes and of every driver that joins them."""
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{src}{os.pathsep}{env['PYTHONPATH']}" if env.get("PYTHONPATH") else str(src)
    # RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0: Ray keeps 127.0.0.1 as the node address and binds every
    # server (GCS, raylets, agents) to it; otherwise it swaps in the machine's outward address
    env |= {"RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
            # token authentication with a token made for this cluster (nothing read from or written to ~/.ray)
            "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    return env


def _own_processes(temp_dir: str) -> list[psutil.Process]:
    """Every process whose command line names our temp dir (the nodes' raylets, GCS, workers, agents)."""
    out = []
    for proc in psutil.process_iter(["cmdline"]):
        with suppress(psutil.Error):
            if any(temp_dir in part for part in proc.info["cmdline"] or []):
                out.append(proc)
    return out


@dataclass
class RayCluster:
    address: str  # 127.0.0.1:PORT of the head's GCS
    env: dict[str, str]  # what a driver needs to join (PYTHONPATH, the auth token, loopback mode)
    temp_dir: str  # every process of the cluster names it on its command line

    def listening_addresses(self) -> set[str]:
        """The local addresses every process of the cluster listens on (TCP)."""
        found = set()
        for proc in _own_processes(self.temp_dir):
            with suppress(psutil.Error):
                listening = [c for c in proc.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
                found |= {c.laddr.ip for c in listening}
        return found


@contextmanager
def ray_cluster(src: Path) -> Iterator[RayCluster]:
    """Start head + one worker node on 127.0.0.1; yield the cluster; stop both (and only them) on exit."""
    temp_dir = tempfile.mkdtemp(prefix="wvray-", dir="/tmp")  # short: Ray's socket paths must stay < 108
    port = free_port()
    env = ray_env(src, secrets.token_hex(24))
    common = ["--block", "--object-store-memory", OBJECT_STORE, "--disable-usage-stats"]
    log = open(Path(temp_dir) / "cluster.log", "wb")  # noqa: SIM115 - closed in finally
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(
            [RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus", "2",
             "--include-dashboard", "false",
             "--temp-dir", temp_dir, *common, *_node_ports()],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        address = f"127.0.0.1:{port}"
        _wait_nodes(address, 1, env, Path(temp_dir) / "cluster.log")
        procs.append(subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("worker_node.py")), address, temp_dir, "1",
             OBJECT_STORE, *_node_ports()[1::2]],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        _wait_nodes(address, 2, env, Path(temp_dir) / "cluster.log")
        yield RayCluster(address, env, temp_dir)
    finally:
        for proc in reversed(procs):
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        leftovers = _own_processes(temp_dir) + _session_processes(procs)
        for proc in leftovers:
            with suppress(psutil.Error):
                proc.kill()
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)


def _session_processes(procs: list[subprocess.Popen]) -> list[psutil.Process]:
    """Processes still in the sessions we created (start_new_session: sid == the ray start pid)."""
    sids = {p.pid for p in procs}
    out = []
    for proc in psutil.process_iter():
        with suppress(psutil.Error, OSError):
            if os.getsid(proc.pid) in sids:
                out.append(proc)
    return out


def _wait_nodes(address: str, count: int, env: dict[str, str], log: Path, timeout: float = 90.0) -> None:
    code = ("import ray,sys; ray.init(address=sys.argv[1], logging_level='ERROR'); "
            "print(sum(1 for n in ray.nodes() if n['Alive']))")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run([sys.executable, "-c", code, address], env=env, capture_output=True, text=True,
                             timeout=60)
        if out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == [str(count)]:
            return
        time.sleep(1)
    tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
    raise RuntimeError(f"the Ray cluster at {address} did not reach {count} nodes in {timeout} s: "
                       f"{out.stderr[-1500:]}\n{tail}")
