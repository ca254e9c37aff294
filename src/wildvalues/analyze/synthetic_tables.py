"""Write a synthetic study into a workspace with the agreed table schemas (features, trees, label paths)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

FEATURES_DDL = """
CREATE TABLE IF NOT EXISTS features (
    conversation_id VARCHAR PRIMARY KEY, subjectivity_level INT, subjective BOOLEAN, ai_values VARCHAR[],
    human_values VARCHAR[], response_type VARCHAR, task VARCHAR, stated_ai_values VARCHAR[], raw_outputs JSON,
    failures JSON, prompt_version VARCHAR, extractor_model VARCHAR, run_id VARCHAR)
"""
TREE_NODES_DDL = """
CREATE TABLE IF NOT EXISTS tree_nodes (
    tree VARCHAR, cluster_id VARCHAR, name VARCHAR, description VARCHAR, level INT, parent_cluster_id VARCHAR,
    pct_total_occurrences DOUBLE, n_conversations INT, run_id VARCHAR)
"""
LABEL_PATHS_DDL = """
CREATE TABLE IF NOT EXISTS label_paths (
    tree VARCHAR, label VARCHAR, level INT, cluster_id VARCHAR, cluster_name VARCHAR)
"""


def value_paths(tree: pd.DataFrame) -> pd.DataFrame:
    """Each leaf of a released-format tree with its ancestor at every level (label, level, id, name)."""
    nodes = tree.set_index("cluster_id")
    leaves = tree[tree["level"] == 0]
    rows = []
    current = pd.DataFrame(
        {"label": leaves["name"].to_numpy(), "cluster_id": leaves["cluster_id"].to_numpy()}
    )
    for level in range(int(tree["level"].max()) + 1):
        rows.append(
            current.assign(level=level, cluster_name=nodes.loc[current["cluster_id"], "name"].to_numpy())
        )
        parents = nodes.loc[current["cluster_id"], "parent_cluster_id"].to_numpy()
        current = pd.DataFrame({"label": current["label"].to_numpy(), "cluster_id": parents})
        current = current[current["cluster_id"].isin(nodes.index)]
    return pd.concat(rows, ignore_index=True)[["label", "level", "cluster_id", "cluster_name"]]


def write_synthetic_tables(
    ws,
    *,
    features: pa.Table,
    conversations: pa.Table,
    value_tree: pd.DataFrame,
    human_names: list[str],
    task_nodes: pd.DataFrame,
    task_paths: pa.Table,
    run_id: str,
) -> None:
    con = ws.con
    for ddl in (FEATURES_DDL, TREE_NODES_DDL, LABEL_PATHS_DDL):
        con.execute(ddl)
    con.execute("DELETE FROM features")
    con.register("syn_features", features)
    con.execute(
        "INSERT INTO features (conversation_id, subjectivity_level, subjective, ai_values, "
        "human_values, response_type, task, stated_ai_values, raw_outputs, failures, prompt_version, "
        "extractor_model, run_id) SELECT conversation_id, subjectivity_level, subjective, ai_values, "
        "human_values, response_type, task, stated_ai_values, '{}', '{}', 'synthetic', 'synthetic', ? "
        "FROM syn_features",
        [run_id],
    )
    con.unregister("syn_features")
    con.execute("DELETE FROM raw.conversations")
    con.register("syn_conversations", conversations)
    con.execute(
        "INSERT INTO raw.conversations (conversation_id, source, source_file, source_ref, model, user_id, "
        "n_messages, run_id) SELECT conversation_id, 'synthetic', 'synthetic', 'index ' || "
        "(row_number() OVER () - 1), model, user_id, 0, ? FROM syn_conversations",
        [run_id],
    )
    con.unregister("syn_conversations")

    ai_paths = value_paths(value_tree)
    human_paths = ai_paths[ai_paths["label"].isin(set(human_names))]
    human_clusters = set(human_paths["cluster_id"])
    ai_nodes = value_tree.assign(tree="ai_values")
    human_nodes = value_tree[value_tree["cluster_id"].isin(human_clusters)].assign(
        tree="human_values", pct_total_occurrences=None
    )
    tasks = task_nodes.assign(tree="tasks", description="", pct_total_occurrences=None)
    nodes = pd.concat([ai_nodes, human_nodes, tasks], ignore_index=True)
    nodes["parent_cluster_id"] = nodes["parent_cluster_id"].replace("", None)
    nodes = nodes[
        ["tree", "cluster_id", "name", "description", "level", "parent_cluster_id", "pct_total_occurrences"]
    ]
    con.execute("DELETE FROM tree_nodes WHERE tree IN ('ai_values', 'human_values', 'tasks')")
    con.register("syn_nodes", nodes)
    con.execute(
        "INSERT INTO tree_nodes (tree, cluster_id, name, description, level, parent_cluster_id, "
        "pct_total_occurrences, run_id) SELECT tree, cluster_id, name, description, level, "
        "parent_cluster_id, pct_total_occurrences, ? FROM syn_nodes",
        [run_id],
    )
    con.unregister("syn_nodes")

    con.execute("DELETE FROM label_paths WHERE tree IN ('ai_values', 'human_values', 'tasks')")
    for name, frame in (("ai_values", ai_paths), ("human_values", human_paths)):
        con.register("syn_paths", frame)
        con.execute(
            "INSERT INTO label_paths SELECT ?, label, level, cluster_id, cluster_name FROM syn_paths", [name]
        )
        con.unregister("syn_paths")
    con.register("syn_task_paths", task_paths)
    con.execute(
        "INSERT INTO label_paths SELECT 'tasks', label, level, cluster_id, cluster_name FROM syn_task_paths"
    )
    con.unregister("syn_task_paths")
    # n_conversations per node, as the taxonomy stage would record it
    con.execute("""
        UPDATE tree_nodes SET n_conversations = c.n FROM (
            SELECT p.tree, p.cluster_id, count(DISTINCT f.conversation_id) AS n
            FROM (SELECT conversation_id, unnest(ai_values) AS label, 'ai_values' AS tree FROM features
                  UNION ALL
                  SELECT conversation_id, unnest(human_values), 'human_values' FROM features) f
            JOIN label_paths p ON p.tree = f.tree AND p.label = f.label
            GROUP BY ALL) c
        WHERE tree_nodes.tree = c.tree AND tree_nodes.cluster_id = c.cluster_id""")
    con.execute("""
        UPDATE tree_nodes SET n_conversations = c.n FROM (
            SELECT cluster_id, count(*) AS n FROM label_paths WHERE tree = 'tasks' GROUP BY ALL) c
        WHERE tree_nodes.tree = 'tasks' AND tree_nodes.cluster_id = c.cluster_id""")
