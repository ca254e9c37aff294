"""Small local HTTP servers (127.0.0.1 only, bounded) speaking the OpenAI and Anthropic API shapes.

They are real sockets and real HTTP, so the official SDKs run their full code paths (retries,
timeouts, parsing); only the model behind them is scripted. Used by the fault-injection, Anthropic
and kill -9 resume tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# a fault plan maps (prompt text, attempt number starting at 1) to one of:
# "ok", "429", "500", "timeout", "garbage"
FaultPlan = Callable[[str, int], str]


class Recorder:
    """What the server saw: request bodies and per-prompt attempt counts (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bodies: list[dict[str, Any]] = []
        self.attempts: dict[str, int] = {}
        self.answered = 0  # 200 replies with a valid answer

    def record(self, body: dict[str, Any], prompt: str) -> int:
        with self.lock:
            self.bodies.append(body)
            self.attempts[prompt] = self.attempts.get(prompt, 0) + 1
            return self.attempts[prompt]


def answer_for(prompt: str) -> str:
    """The scripted model: a deterministic answer derived from the prompt."""
    return f"echo:{prompt[-40:]}"


def _handler(kind: str, rec: Recorder, plan: FaultPlan, delay: float, hang: float):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, code: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            prompt = _last_text(body)
            attempt = rec.record(body, prompt)
            action = plan(prompt, attempt)
            if delay:
                time.sleep(delay)
            if action == "429":
                return self._send(429, b'{"error": {"message": "slow down", "type": "rate_limit"}}',
                                  {"retry-after-ms": "20"})
            if action == "500":
                return self._send(500, b'{"error": {"message": "boom", "type": "server_error"}}')
            if action == "timeout":
                time.sleep(hang)
                return self._send(500, b'{"error": {"message": "too late"}}')
            if action == "garbage":
                return self._send(200, b"<html>\x00not json at all")
            with rec.lock:
                rec.answered += 1
            text = answer_for(prompt)
            reply = _openai_reply(body, text) if kind == "openai" else _anthropic_reply(body, text, rec)
            return self._send(200, json.dumps(reply).encode())

    return Handler


def _last_text(body: dict[str, Any]) -> str:
    msgs = body.get("messages") or [{}]
    content = msgs[-1].get("content", "")
    if isinstance(content, list):
        content = content[-1].get("text", "") if content else ""  # the last block (the question)
    return str(content)


def _openai_reply(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
    }


def _anthropic_reply(body: dict[str, Any], text: str, rec: Recorder) -> dict[str, Any]:
    cached_blocks = [b for m in body.get("messages", []) for b in m.get("content", [])
                     if isinstance(b, dict) and "cache_control" in b]
    cached_blocks += [b for b in body.get("system", []) or [] if "cache_control" in b]
    prefix = json.dumps(cached_blocks, sort_keys=True)
    with rec.lock:
        seen = getattr(rec, "prefixes", set())
        rec.prefixes = seen
        hit = bool(cached_blocks) and prefix in seen
        seen.add(prefix)
    if _last_text(body).startswith("Reply with exactly one of these labels"):  # a choices request
        labels = [line[2:] for line in _last_text(body).splitlines() if line.startswith("- ")]
        text = labels[-1]  # deterministic: the last label offered
    if body.get("tool_choice"):
        content = [{"type": "tool_use", "id": "toolu_1", "name": body["tool_choice"]["name"],
                    "input": {"answer": text}}]
    else:
        content = [{"type": "text", "text": text}]
    return {
        "id": "msg_test", "type": "message", "role": "assistant", "model": body.get("model", "test"),
        "content": content, "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 7, "output_tokens": 3,
                  "cache_creation_input_tokens": 0 if hit or not cached_blocks else 1200,
                  "cache_read_input_tokens": 1200 if hit else 0},
    }


@contextmanager
def serve(kind: str, plan: FaultPlan = lambda prompt, attempt: "ok", delay: float = 0.0,
          hang: float = 3.0) -> Iterator[tuple[str, Recorder]]:
    """Run a fake ``kind`` ("openai" | "anthropic") server; yield (base_url, recorder)."""
    rec = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(kind, rec, plan, delay, hang))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    base = f"http://{host}:{port}" + ("/v1" if kind == "openai" else "")
    try:
        yield base, rec
    finally:
        server.shutdown()
        server.server_close()
