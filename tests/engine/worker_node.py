"""A second Ray node on this machine, bound to 127.0.0.1: what ``ray start --address ... --block`` does,
minus its refusal to add a node while Ray's cluster mode is off (cluster mode on would swap 127.0.0.1 for
the machine's outward address and listen on every interface). Used by the engine tests only.

    python worker_node.py GCS_ADDRESS TEMP_DIR NUM_CPUS OBJECT_STORE_BYTES PORT PORT PORT PORT PORT
"""

from __future__ import annotations

import signal
import sys
import time


def main() -> None:
    import ray._private.node
    import ray._private.parameter

    gcs, temp_dir, cpus, store, *ports = sys.argv[1:]
    manager, objects, agent_listen, agent_grpc, metrics, runtime_env = (int(p) for p in ports)
    params = ray._private.parameter.RayParams(
        node_ip_address="127.0.0.1", node_name="worker-node-2", gcs_address=gcs, temp_dir=temp_dir,
        num_cpus=int(cpus), object_store_memory=int(store), node_manager_port=manager,
        object_manager_port=objects, dashboard_agent_listen_port=agent_listen, metrics_agent_port=agent_grpc,
        metrics_export_port=metrics, runtime_env_agent_port=runtime_env,
    )
    node = ray._private.node.Node(params, head=False, shutdown_at_exit=True, spawn_reaper=True,
                                  connect_only=False)

    def stop(*_: object) -> None:
        node.kill_all_processes(check_alive=False, allow_graceful=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
