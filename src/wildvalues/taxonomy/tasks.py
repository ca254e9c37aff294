"""A task hierarchy from the users' own requests, without a generated sentence per conversation.

The fast profile writes no task sentence. Here the task facet is the embedding of each conversation's
first user turns (scrubbed text): k-means groups them into base-level tasks (about
``conversations_per_base_task`` conversations each, as in the paper's 308,210 / 6,745), the Clio
hierarchizer stacks levels above them, and every cluster is named by its **c-TF-IDF keywords**: the
words and two-word phrases most typical of its members' requests compared with the other clusters of
the same level. A keyword must occur in at least ``min_term_conversations`` member requests, so no
single conversation's words (a name, a file, a secret) can become a cluster name. Names are then
checked for PII; a cluster with no qualifying keyword is named after its level's rank ("Other requests").

An LLM namer may be passed instead: its names are kept only when they pass the grounding check against
the keyword names of their members (``taxonomy/grounding.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wildvalues.taxonomy.grounding import GroundingRule, ground_hierarchy
from wildvalues.taxonomy.hierarchy import (
    BaseItem,
    EmbedFn,
    Hierarchy,
    HierarchySettings,
    ProgressFn,
    build_hierarchy,
    names_pii_free,
)
from wildvalues.taxonomy.naming import ExtractiveNamer, Proposal

_PLACEHOLDER = re.compile(r"\[[A-Z_]{2,}\]|<[A-Z_]{2,}>")  # the scrubber's [PERSON], <EMAIL>, ...
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of two or more letters, any script
# Filler of requests (on top of scikit-learn's English stop words): on 1,000 ShareGPT requests these
# topped whole clusters ("write, make, use") without saying what was asked. Task verbs stay.
_REQUEST_FILLER = frozenset((
    "make", "use", "using", "used", "want", "need", "like", "please", "does", "let", "continue", "know",
    "just", "new", "give", "following", "based", "provide", "thing", "things", "way", "good", "ok", "okay",
    "yes", "thanks", "thank", "hi", "hello", "tell", "say", "sure", "also", "time", "day", "old", "year",
    "years", "help", "answer", "question", "questions", "act", "did", "don", "doesn", "isn", "ll", "ve",
    "re", "im", "gpt", "chatgpt", "chat", "assistant", "prompt", "response", "acknowledged", "information"))


@dataclass
class TaskTreeSettings:
    conversations_per_base_task: int = 45
    levels: int = 3  # base tasks + 2 levels above (paper: 6,745 -> 458 -> 30)
    top: int = 30  # at most this many top-level tasks ...
    base_per_top: int = 3  # ... and about one per this many base tasks on small samples
    min_top: int = 5
    min_term_conversations: int = 3
    # a base task smaller than this joins its nearest one: every node then holds at least this many
    # conversations and passes the report's k (default 10) instead of being withheld
    min_base_conversations: int = 10
    name_terms: int = 3
    max_request_chars: int = 1000
    seed: int = 0


def request_text(user_turns: Sequence[str], max_chars: int = 1000) -> str:
    """The request of a conversation: its first user turns joined, placeholders dropped, cut."""
    text = " ".join(t.strip() for t in user_turns if t and t.strip())
    return re.sub(r"\s+", " ", _PLACEHOLDER.sub(" ", text)).strip()[:max_chars]


def top_size(n_base: int, s: TaskTreeSettings) -> int:
    """How many top-level tasks: ``n_base / base_per_top`` within [min_top, top] (never above n_base)."""
    return max(1, min(n_base, max(s.min_top, min(s.top, round(n_base / s.base_per_top)))))


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def keyword_names(texts: Sequence[str], groups: Sequence[Sequence[int]], s: TaskTreeSettings
                  ) -> list[Proposal | None]:
    """c-TF-IDF names of each group of ``texts`` against the other groups (None: no shared keyword).

    Per group g and term t: (member texts holding t / |g|) * log(1 + all texts / texts holding t), over
    terms held by at least ``min_term_conversations`` members of g.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    if not groups:
        return []
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vectorizer = CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | _REQUEST_FILLER), ngram_range=(1, 2),
                                 binary=True, token_pattern=_TOKEN, lowercase=True,
                                 min_df=min(s.min_term_conversations, len(texts)))
    try:
        holds = vectorizer.fit_transform(texts).tocsc()
    except ValueError:  # no term occurs often enough anywhere
        return [None] * len(groups)
    terms = vectorizer.get_feature_names_out()
    idf = np.log1p(len(texts) / np.maximum(1, np.asarray(holds.sum(axis=0)).ravel()))
    holds = holds.tocsr()
    names: list[Proposal | None] = []
    for group in groups:
        counts = np.asarray(holds[list(group)].sum(axis=0)).ravel()
        score = np.where(counts >= s.min_term_conversations, counts / max(1, len(group)) * idf, 0.0)
        picked: list[str] = []
        for t in np.argsort(-score, kind="stable"):
            if score[t] <= 0 or len(picked) >= s.name_terms + 3:
                break
            term = str(terms[t])
            if any(term in p or p in term for p in picked):  # 'react' next to 'react component'
                continue
            picked.append(term)
        if not picked:
            names.append(None)
            continue
        names.append(Proposal(", ".join(picked[: s.name_terms]),
                              f"Requests typically mentioning {', '.join(picked)}.", "keywords"))
    return names


def _name_all(texts: list[str], groups: list[list[int]], s: TaskTreeSettings, level: int) -> list[Proposal]:
    named = keyword_names(texts, groups, s)
    flags = iter(names_pii_free([n for n in named if n is not None]))
    out = []
    for rank, n in enumerate(named):
        clean = n is not None and next(flags)
        out.append(n if clean else Proposal(f"Other requests {level}.{rank + 1}",
                                            "No keyword is shared by enough of these requests.", "keywords"))
    return out


def task_hierarchy(request_texts: Sequence[str], embeddings: np.ndarray, conversation_ids: Sequence[str], *,
                   settings: TaskTreeSettings | None = None, namer=None, embed_fn: EmbedFn | None = None,
                   rule: GroundingRule | None = None, progress: ProgressFn | None = None
                   ) -> tuple[Hierarchy, dict[str, str]]:
    """The task tree over conversations (``request_texts[i]`` / ``embeddings[i]`` of ``conversation_ids[i]``).

    Returns the tree (level 0 = base-level tasks) and conversation_id -> base task cluster id. With an LLM
    ``namer`` (and ``embed_fn`` + ``rule`` for the grounding check) parents get LLM names where grounded.
    """
    from sklearn.cluster import KMeans

    s = settings or TaskTreeSettings()
    if not (len(request_texts) == len(conversation_ids) == len(embeddings)):
        raise ValueError(f"{len(request_texts)} requests, {len(embeddings)} embeddings and "
                         f"{len(conversation_ids)} conversation ids: they must match")
    if len(conversation_ids) < 2:
        raise ValueError("a task tree needs at least 2 conversations")
    order = sorted(range(len(conversation_ids)), key=lambda i: conversation_ids[i])  # input order is moot
    ids = [conversation_ids[i] for i in order]
    texts = [request_texts[i] for i in order]
    vectors = _unit(np.asarray(embeddings, dtype=np.float32)[order])
    n_base = max(2, round(len(ids) / s.conversations_per_base_task))
    n_base = min(n_base, len(ids))
    assignment = KMeans(n_clusters=n_base, n_init=3, random_state=s.seed).fit_predict(vectors)
    base_groups = _merge_small([list(np.flatnonzero(assignment == j)) for j in range(n_base)], vectors,
                               s.min_base_conversations)
    if progress:
        progress(f"tasks: naming {len(base_groups)} base tasks from their requests")
    base_names = _name_all(texts, base_groups, s, 0)
    items, item_vectors, base_of, rows_of = [], [], {}, {}
    for j, (group, named) in enumerate(zip(base_groups, base_names, strict=True)):
        cid = f"tasks:l0:{j:05d}"
        items.append(BaseItem(cid, named.name, float(len(group)), named.description))
        item_vectors.append(_unit(vectors[group].mean(axis=0)))
        rows_of[cid] = group
        for i in group:
            base_of[ids[i]] = cid
    n_top = top_size(len(items), s)
    hs = HierarchySettings(levels=s.levels, top=n_top, seed=s.seed,
                           calls_per_leaf=0.0 if namer is None else 1.0)
    use_llm = namer is not None and not isinstance(namer, ExtractiveNamer)
    tree = build_hierarchy(items, np.stack(item_vectors), embed_fn or _no_embedding,
                           namer if use_llm else None, hs, "tasks", progress)
    for node in tree.level(0):
        node.name_source = "keywords"
    top = max(n.level for n in tree.nodes.values())
    for level in range(1, top + 1):  # keyword names over each parent's conversations vs its level
        parents = tree.level(level)
        groups = [_rows_under(tree, p.cluster_id, rows_of) for p in parents]
        names = _name_all(texts, groups, s, level)
        for parent, named in zip(parents, names, strict=True):
            if use_llm and parent.name_source == "llm":
                continue
            parent.name, parent.description, parent.name_source = named.name, named.description, named.source
    if use_llm and embed_fn is not None and rule is not None:
        tree.stats["grounding"] = ground_hierarchy(tree, embed_fn, rule)
    tree.stats["base_tasks"] = len(items)
    return tree, base_of


def _merge_small(groups: list[list[int]], vectors: np.ndarray, least: int) -> list[list[int]]:
    """Merge the smallest group into the one with the nearest centroid until all hold ``least`` rows."""
    groups = [g for g in groups if g]
    while len(groups) > 2:
        smallest = min(range(len(groups)), key=lambda j: (len(groups[j]), groups[j][0]))
        if len(groups[smallest]) >= least:
            break
        centroids = _unit(np.stack([vectors[g].mean(axis=0) for g in groups]))
        sims = centroids @ centroids[smallest]
        sims[smallest] = -np.inf
        target = int(np.argmax(sims))
        groups[target] = sorted(groups[target] + groups[smallest])
        del groups[smallest]
    return groups


def _rows_under(tree: Hierarchy, cluster_id: str, rows_of: dict[str, list[int]]) -> list[int]:
    node = tree.nodes[cluster_id]
    if node.level == 0:
        return list(rows_of[cluster_id])
    return [i for child in node.children for i in _rows_under(tree, child, rows_of)]


def _no_embedding(texts: list[str]) -> np.ndarray:
    raise RuntimeError("the keyword-named task tree embeds no names; pass embed_fn with an LLM namer")
