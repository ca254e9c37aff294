"""A test double for other stages' unit tests: a backend that answers from a Python function.

    from wildvalues.llm import get_client, LLMConfig
    from wildvalues.llm.testing import ScriptedBackend

    backend = ScriptedBackend(lambda req: "strong support" if "thanks" in req.messages[-1].content
                              else "no values")
    client = get_client(LLMConfig(), workspace=ws, backend=backend)   # real cache/budget/accounting

The function gets the :class:`LLMRequest` and returns a ``str``, an :class:`LLMResponse`, or raises
:class:`LLMError`. For ``choices`` requests a returned label becomes ``text`` and ``choice_logprobs``
(0 for it, -1e9 for the others); a string that is not one of the labels raises LLMError, like the
real constrained backends. ``backend.calls`` lists every request it received (to count hits).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from wildvalues.llm.base import LLMBackend, LLMError, LLMRequest, LLMResponse
from wildvalues.llm.choices import NOT_CHOSEN

Script = Callable[[LLMRequest], "str | LLMResponse"]


class ScriptedBackend(LLMBackend):
    name = "scripted"

    def __init__(self, fn: Script, model: str = "scripted") -> None:
        self.fn = fn
        self.model = model
        self.calls: list[LLMRequest] = []
        self._lock = threading.Lock()

    def complete(self, request: LLMRequest) -> LLMResponse:
        with self._lock:
            self.calls.append(request)
        answer = self.fn(request)
        resp = answer if isinstance(answer, LLMResponse) else LLMResponse(text=str(answer))
        if not resp.prompt_tokens:
            resp.prompt_tokens = sum(len(m.content) for m in request.messages) // 4 + 1
        if not resp.completion_tokens:
            resp.completion_tokens = max(1, len(resp.text) // 4)
        resp.model = resp.model or self.model
        if request.choices and resp.choice_logprobs is None:
            if resp.text not in request.choices:
                raise LLMError(f"scripted answer {resp.text!r} is none of the labels {list(request.choices)}")
            resp.choice_logprobs = {c: (0.0 if c == resp.text else NOT_CHOSEN) for c in request.choices}
        return resp
