"""Load a workspace's features into integer-coded arrays and sparse conversation x label matrices.

Everything downstream is pure numpy/scipy over this :class:`StudyData`; only this module and
``analyze.run`` touch DuckDB. Raw text is never read: ``raw.conversations`` gives model and user id only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from wildvalues.records import RESPONSE_TYPES
from wildvalues.stage import MissingInput

SIDE_COLUMNS = {"ai": "ai_values", "human": "human_values", "stated": "stated_ai_values"}
SIDE_TREES = {"ai": "ai_values", "human": "human_values", "stated": "ai_values"}
UNMAPPED = "unmapped"


@dataclass
class Labels:
    """A conversation x label incidence matrix (CSR, 0/1) with its label names."""

    names: np.ndarray
    matrix: sp.csr_matrix

    @property
    def per_conversation(self) -> np.ndarray:
        return np.diff(self.matrix.indptr)


@dataclass
class Coded:
    """One categorical value per conversation: integer codes into ``names`` (every code is valid)."""

    names: np.ndarray
    codes: np.ndarray
    display: np.ndarray | None = None  # human-readable name per code when ``names`` are ids

    def onehot(self) -> sp.csr_matrix:
        n = len(self.codes)
        return sp.csr_matrix((np.ones(n, np.int32), (np.arange(n), self.codes)), shape=(n, len(self.names)))


@dataclass
class StudyData:
    conversation_ids: np.ndarray
    sides: dict[str, Labels]
    response: Coded
    model: Coded | None
    user_codes: np.ndarray | None  # -1 = unknown user
    tasks: dict[int, Coded]
    value_paths: dict[str, dict[int, Coded]]  # side -> level -> label -> cluster (codes over side's labels)
    population: str
    n_features: int
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.conversation_ids)


def arrow_query(con, query: str, params: list | None = None) -> pa.Table:
    """Run ``query`` and return an Arrow table (works after other ``execute`` calls on the connection)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # DuckDB notes the extra copy; the tables are small
        return con.execute(query, params or []).to_arrow_table()


def _labels(column: pa.ChunkedArray, n: int) -> Labels:
    """Conversation x label 0/1 matrix; labels are whitespace-trimmed, empty ones dropped, names sorted."""
    lists = column.combine_chunks()
    if lists.null_count:
        lists = pc.fill_null(lists, pa.scalar([], type=lists.type))
    offsets = lists.offsets.to_numpy().astype(np.int64)
    offsets = offsets - offsets[0]
    conv = np.repeat(np.arange(n), np.diff(offsets))
    encoded = pc.dictionary_encode(lists.flatten().cast(pa.string()))
    # trim the (few) distinct strings, not every occurrence; "" and NULL -> dropped
    raw_names = [s.strip() if s is not None else "" for s in encoded.dictionary.to_pylist()]
    names = np.array(sorted(set(raw_names) - {""}), dtype=object)
    position = {name: i for i, name in enumerate(names)}
    remap = np.array([position.get(name, -1) for name in raw_names] + [-1], dtype=np.int64)
    idx = remap[pc.fill_null(encoded.indices, len(raw_names)).to_numpy()]
    keep = idx >= 0
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.int32), (conv[keep], idx[keep])), shape=(n, len(names))
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1  # a label counts once per conversation
    return Labels(names, matrix)


def _coded(values: pa.Array | pa.ChunkedArray | list, default: str) -> Coded:
    """Integer-code a column of strings (NULL -> ``default``); names sorted so codes are reproducible."""
    if isinstance(values, list):
        values = pa.array(values, type=pa.string())
    arr = pc.fill_null(values.cast(pa.string()), default)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    names = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(names.astype(str), kind="stable")
    remap = np.empty(len(names), np.int64)
    remap[order] = np.arange(len(names))
    return Coded(names[order], remap[encoded.indices.to_numpy()])


def _paths(con, tree: str, labels: np.ndarray) -> dict[int, Coded]:
    rows = con.execute(
        "SELECT label, level, cluster_id, coalesce(cluster_name, cluster_id) FROM label_paths "
        "WHERE tree = ? ORDER BY level",
        [tree],
    ).fetchall()
    index = {name: i for i, name in enumerate(labels)}
    by_level: dict[int, dict[int, str]] = {}
    display = {UNMAPPED: UNMAPPED}
    for label, level, cluster_id, cluster_name in rows:
        if label in index:
            by_level.setdefault(int(level), {})[index[label]] = cluster_id
            display[cluster_id] = cluster_name
    out = {}
    for level, mapping in sorted(by_level.items()):
        coded = _coded([mapping.get(i, UNMAPPED) for i in range(len(labels))], UNMAPPED)
        coded.display = np.array([display.get(c, c) for c in coded.names], dtype=object)
        out[level] = coded
    return out


def load_study(
    ws,
    *,
    all_conversations: bool = False,
    sides: tuple[str, ...] = ("ai", "human", "stated"),
    task_tree: bool = True,
) -> StudyData:
    """Read ``features`` (+ model/user from ``raw.conversations``, trees from ``label_paths``).

    ``sides`` and ``task_tree=False`` load less (sides left out are empty; tasks = raw ``features.task``).
    """
    con = ws.con.cursor()  # own connection: DuckDB refuses work while another result is unfinished
    if not ws.has_table("features"):
        raise MissingInput(ws.db_path, "table 'features'", "wildvalues extract")
    n_features, n_objective, n_unknown = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT subjective), count(*) FILTER (WHERE subjective IS NULL) "
        "FROM features"
    ).fetchall()[0]
    where = "" if all_conversations else "WHERE f.subjective"
    has_conv = ws.has_table("conversations", "raw")
    meta = "c.model, c.user_id" if has_conv else "NULL AS model, NULL AS user_id"
    join = "LEFT JOIN raw.conversations c USING (conversation_id)" if has_conv else ""
    lists = ", ".join(
        f"f.{col}" if side in sides else f"NULL::VARCHAR[] AS {col}" for side, col in SIDE_COLUMNS.items()
    )
    table = arrow_query(
        con,
        f"SELECT f.conversation_id, {lists}, f.response_type, f.task, {meta} "
        f"FROM features f {join} {where}",  # DuckDB keeps insertion order: runs are reproducible
    )
    n = table.num_rows
    notes: list[tuple[str, str]] = []
    if not all_conversations and (n_objective or n_unknown):
        notes.append(
            (
                "population",
                f"{n_objective} non-subjective conversations and {n_unknown} with unknown "
                "subjectivity left out (--all-conversations includes them)",
            )
        )
    empty = Labels(np.array([], dtype=object), sp.csr_matrix((n, 0), dtype=np.int32))
    wanted = set(sides)
    sides_loaded = {
        side: _labels(table[col], n) if side in wanted else empty for side, col in SIDE_COLUMNS.items()
    }
    known = set(RESPONSE_TYPES)
    responses = [r if r in known else "unknown" for r in table["response_type"].to_pylist()]
    if "unknown" in responses:
        notes.append(
            (
                "responses",
                f"{responses.count('unknown')} conversations have no valid response_type; "
                "counted as 'unknown'",
            )
        )
    names = np.array(list(RESPONSE_TYPES) + (["unknown"] if "unknown" in responses else []), dtype=object)
    position = {name: i for i, name in enumerate(names)}
    response = Coded(names, np.array([position[r] for r in responses], dtype=np.int64))
    model = _coded(table["model"], "unknown") if table["model"].null_count < n else None
    if model is None:
        notes.append(("models", "no model names in raw.conversations: cross-model comparison skipped"))
    user_codes = None
    if table["user_id"].null_count < n:
        users = _coded(table["user_id"], "")
        user_codes = (
            np.where(users.names[users.codes] == "", -1, users.codes)
            if "" in set(users.names)
            else users.codes
        )
    else:
        notes.append(("support", "no user ids known: n_users is NULL everywhere"))

    ids = table["conversation_id"].to_numpy()
    tasks = _task_levels(con, ws, table, notes) if task_tree else {0: _coded(table["task"], "unknown")}
    value_paths = {}
    for side, labels in sides_loaded.items():
        tree = SIDE_TREES[side]
        has_paths = (
            side in wanted
            and ws.has_table("label_paths")
            and con.execute("SELECT count(*) FROM label_paths WHERE tree = ?", [tree]).fetchall()[0][0] > 0
        )
        value_paths[side] = _paths(con, tree, labels.names) if has_paths else {}
        if not has_paths and side in wanted:
            notes.append(
                ("categories", f"no tree '{tree}' in label_paths: no category shares for side {side}")
            )
    con.close()
    return StudyData(
        ids,
        sides_loaded,
        response,
        model,
        user_codes,
        tasks,
        value_paths,
        "all" if all_conversations else "subjective",
        int(n_features),
        notes,
    )


def _task_levels(con, ws, table: pa.Table, notes: list) -> dict[int, Coded]:
    raw_task = _coded(table["task"], "unknown")
    has_tree = (
        ws.has_table("label_paths")
        and con.execute("SELECT count(*) FROM label_paths WHERE tree = 'tasks'").fetchall()[0][0] > 0
    )
    if not has_tree:
        notes.append(("tasks", "no tree 'tasks' in label_paths: tasks are the raw features.task strings"))
        return {0: raw_task}
    n = table.num_rows
    con.register(
        "an_ids", pa.table({"conversation_id": table["conversation_id"], "row_idx": pa.array(np.arange(n))})
    )
    levels: dict[int, Coded] = {}
    for (level,) in con.execute(
        "SELECT DISTINCT level FROM label_paths WHERE tree = 'tasks' ORDER BY level"
    ).fetchall():
        paths = arrow_query(
            con,
            "SELECT i.row_idx, coalesce(p.cluster_name, p.cluster_id) AS cluster, "
            "p.cluster_id = p.label AS is_leaf FROM an_ids i LEFT JOIN label_paths p "
            "ON p.tree = 'tasks' AND p.level = ? AND p.label = i.conversation_id "
            "ORDER BY i.row_idx",
            [level],
        )
        if level == 0 and pc.all(pc.fill_null(paths["is_leaf"], True)).as_py():
            levels[0] = raw_task  # level 0 rows are the conversations themselves: use features.task
            continue
        missing = paths["cluster"].null_count
        if missing:
            notes.append(
                ("tasks", f"level {level}: {missing} conversations without a task path ('unmapped')")
            )
        levels[int(level)] = _coded(paths["cluster"], UNMAPPED)
    con.unregister("an_ids")
    levels.setdefault(0, raw_task)
    return levels
