"""A fine-tuned student: all-MiniLM-L6-v2 trained end to end, multi-task, on the labelled conversations.

One encoder reads the pair (user side, assistant side) of a conversation (at most ``max_len`` word pieces),
mean-pools the last layer and feeds one linear layer per task (response type, subjective, human values
present, stated AI values present). Training is plain PyTorch on the CPU, deterministic under a seed
(fixed shuffles, seeded dropout, ``torch.use_deterministic_algorithms``). The fitted weights ship as one
float16 safetensors file (45 MB, kept out of git: in the model cache, ``$WILDVALUES_CACHE/student``) and a
JSON card committed in ``student/`` (tasks, classes, settings, base model, stack weights and the weights'
sha256, checked on load); the tokenizer and architecture come from the pinned base model package. torch
and transformers are imported lazily (extra ``embed``).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from wildvalues.extract.transcript import Turn, side_text

STUDENT_DIR = Path(__file__).parent / "student"  # the committed cards
BASE_MODEL = "all-MiniLM-L6-v2"
REBUILD = ".venv/bin/python bench/students.py fit  # ~5 min on 2 cores; needs ../shared/eval"


def weights_dir() -> Path:
    """Where fitted weights live: the model cache, not the package (they are 45 MB)."""
    from wildvalues.pypi_assets import cache_dir

    return cache_dir() / "student"


@dataclass(frozen=True)
class StudentSettings:
    max_len: int = 128
    epochs: int = 4
    batch_size: int = 16
    lr_encoder: float = 5e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_share: float = 0.1
    user_chars: int = 1000
    assistant_chars: int = 1500
    seed: int = 0


@dataclass
class StudentCard:
    """What the weights file needs to be used: task classes, settings, provenance."""

    tasks: dict[str, list[str]]
    settings: StudentSettings
    base_model: str = BASE_MODEL
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "settings": self.settings.__dict__,
            "base_model": self.base_model,
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudentCard:
        return cls(
            data["tasks"], StudentSettings(**data["settings"]), data["base_model"], data.get("info", {})
        )


def student_pair(turns: Sequence[Turn], settings: StudentSettings) -> tuple[str, str]:
    """(user side, assistant side) as the student reads them."""
    user = side_text(turns, "user", settings.user_chars) or "(empty)"
    return user, side_text(turns, "assistant", settings.assistant_chars) or "(empty)"


def base_model_dir(name: str = BASE_MODEL) -> Path:
    from wildvalues.embed.models import pull

    return Path(pull(name))


def _network(tasks: dict[str, list[str]], base: Path) -> Any:
    import torch
    from transformers import AutoModel

    class Student(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            dim = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.heads = torch.nn.ModuleDict({t: torch.nn.Linear(dim, len(c)) for t, c in tasks.items()})

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> dict[str, Any]:
            out = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            pooled = self.dropout((out * mask).sum(1) / mask.sum(1).clamp(min=1.0))
            return {t: head(pooled) for t, head in self.heads.items()}

    return Student()


def tokenize(
    pairs: Sequence[tuple[str, str]], settings: StudentSettings, base: Path | None = None
) -> list[dict[str, list[int]]]:
    """Word pieces of each (user, assistant) pair, cut longest-first to ``max_len``."""
    tok = _tokenizer(str(base or base_model_dir()))
    enc = tok(
        [p[0] for p in pairs], [p[1] for p in pairs], truncation="longest_first", max_length=settings.max_len
    )
    return [
        {k: enc[k][i] for k in ("input_ids", "attention_mask", "token_type_ids")} for i in range(len(pairs))
    ]


@lru_cache(maxsize=2)
def _tokenizer(base: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base)


def _batch(items: Sequence[dict[str, list[int]]]) -> dict[str, Any]:
    import torch

    width = max(len(it["input_ids"]) for it in items)
    return {
        k: torch.tensor([it[k] + [0] * (width - len(it[k])) for it in items])
        for k in ("input_ids", "attention_mask", "token_type_ids")
    }


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def train_student(
    encoded: Sequence[dict[str, list[int]]],
    targets: dict[str, np.ndarray],
    tasks: dict[str, list[str]],
    settings: StudentSettings,
    *,
    log: Callable[[str], None] | None = None,
) -> Any:
    """Fine-tune encoder + heads on ``encoded`` conversations; ``targets[task]`` holds class indices."""
    import torch

    _seed_everything(settings.seed)
    model = _network(tasks, base_model_dir())
    heads = [p for n, p in model.named_parameters() if n.startswith("heads.")]
    encoder = [p for n, p in model.named_parameters() if not n.startswith("heads.")]
    optim = torch.optim.AdamW(
        [{"params": encoder, "lr": settings.lr_encoder}, {"params": heads, "lr": settings.lr_heads}],
        weight_decay=settings.weight_decay,
    )
    order_rng = np.random.default_rng(settings.seed)
    steps_per_epoch = -(-len(encoded) // settings.batch_size)
    total = steps_per_epoch * settings.epochs
    warmup = max(1, int(total * settings.warmup_share))
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    started = time.perf_counter()
    for epoch in range(settings.epochs):
        order = order_rng.permutation(len(encoded))
        running = 0.0
        for start in range(0, len(order), settings.batch_size):
            idx = order[start : start + settings.batch_size]
            logits = model(**_batch([encoded[i] for i in idx]))
            loss = sum(loss_fn(logits[t], torch.as_tensor(targets[t][idx])) for t in tasks)
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            running += float(loss.detach())
        if log:
            log(
                f"epoch {epoch + 1}/{settings.epochs}: loss {running / steps_per_epoch:.3f} "
                f"({time.perf_counter() - started:.0f} s)"
            )
    model.eval()
    return model


def predict_student(
    model: Any, encoded: Sequence[dict[str, list[int]]], batch_size: int = 32
) -> dict[str, np.ndarray]:
    """Class probabilities per task, one row per conversation, in input order (batched by length)."""
    import torch

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]["input_ids"]))
    chunks: dict[str, list[np.ndarray]] = {}
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            logits = model(**_batch([encoded[i] for i in order[start : start + batch_size]]))
            for task, value in logits.items():
                chunks.setdefault(task, []).append(torch.softmax(value.float(), -1).numpy())
    inverse = np.argsort(order)
    return {task: np.concatenate(parts)[inverse] for task, parts in chunks.items()}


def save_weights(model: Any, folder: Path | None = None, name: str = "student_v1") -> tuple[Path, str]:
    """Write ``name.safetensors`` (float16) into ``folder`` (default: the model cache); (path, sha256)."""
    from safetensors.torch import save_file

    from wildvalues.pypi_assets import sha256_file

    folder = folder or weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{name}.safetensors"
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(weights))
    return weights, sha256_file(weights)


def save_student(model: Any, card: StudentCard, folder: Path | None = None, name: str = "student_v1",
                 *, weights_folder: Path | None = None) -> Path:
    """Write the weights (default: the model cache) and pin their sha256 in the card ``folder/name.json``
    (default: the committed ``student/``)."""
    weights, sha = save_weights(model, weights_folder, name)
    card.info["weights_sha256"] = sha
    folder = folder or STUDENT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(card.to_json(), indent=1), encoding="utf-8")
    return weights


@dataclass(frozen=True)
class Student:
    """A loaded student: ``probabilities(turns_list)`` gives per-task class probabilities."""

    card: StudentCard
    model: Any
    base: Path
    name: str

    def probabilities(self, all_turns: Sequence[Sequence[Turn]]) -> dict[str, dict[str, np.ndarray]]:
        pairs = [student_pair(t, self.card.settings) for t in all_turns]
        probs = predict_student(self.model, tokenize(pairs, self.card.settings, self.base))
        return {task: {"classes": np.asarray(self.card.tasks[task]), "proba": p} for task, p in probs.items()}


def load_card(folder: Path | None = None, name: str = "student_v1") -> StudentCard:
    path = (folder or STUDENT_DIR) / f"{name}.json"
    return StudentCard.from_json(json.loads(path.read_text(encoding="utf-8")))


def weights_file(name: str = "student_v1", weights_folder: Path | None = None) -> Path:
    return (weights_folder or weights_dir()) / f"{name}.safetensors"


def load_student(folder: Path | None = None, name: str = "student_v1", *,
                 weights_folder: Path | None = None) -> Student:
    """The card ``folder/name.json`` (default: the committed one) with its weights (default: the model
    cache); :class:`~wildvalues.stage.MissingInput` names the rebuild command when the weights are absent."""
    weights = weights_file(name, weights_folder)
    if not weights.exists():
        from wildvalues.stage import MissingInput

        raise MissingInput(weights, "fitted student weights", REBUILD)
    return _load(str(folder or STUDENT_DIR), name, str(weights))


@lru_cache(maxsize=2)
def _load(folder: str, name: str, weights_path: str) -> Student:
    import torch
    from safetensors.torch import load_file

    from wildvalues.pypi_assets import sha256_file

    weights = Path(weights_path)
    card = load_card(Path(folder), name)
    expected = card.info.get("weights_sha256")
    if expected and sha256_file(weights) != expected:
        raise ValueError(
            f"{weights}: sha256 differs from the card's {expected[:12]}... (corrupt, replaced, or rebuilt"
            " on a machine whose float arithmetic differs)"
        )
    base = base_model_dir(card.base_model)
    model = _network(card.tasks, base)
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    model.load_state_dict(state)
    model.eval()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    return Student(card, model, base, name)
