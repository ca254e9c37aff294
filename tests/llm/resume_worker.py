"""Subprocess for the kill -9 test: N calls through the layer (openai backend) into a workspace."""

from __future__ import annotations

import sys

from wildvalues.llm import ChatMessage, LLMConfig, LLMRequest, get_client
from wildvalues.workspace import Workspace


def main(workspace_dir: str, base_url: str, n: int, concurrency: int) -> None:
    ws = Workspace(workspace_dir)
    cfg = LLMConfig(backend="openai", base_url=base_url, model="resume-model", concurrency=concurrency)
    client = get_client(cfg, workspace=ws, run_id=f"resume-{n}")
    reqs = [LLMRequest(messages=(ChatMessage("user", f"item #{i}"),)) for i in range(n)]
    out = client.complete_many(reqs)
    print("DONE", sum(1 for o in out if hasattr(o, "text")), client.accounting()["new"], flush=True)
    client.close()
    ws.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
