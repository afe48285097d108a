"""Discovery: propose new themes from the paragraphs that no theme claims.

Unclaimed paragraphs are clustered on their stored vectors (k-means); each cluster is described
by its most distinctive words (class-based TF-IDF, as BERTopic does) and the paragraphs nearest
its centre, and can be exported as a YAML stub to paste into the taxonomy.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import yaml

MIN_WORDS = 12


def unclaimed(paragraphs: pd.DataFrame) -> np.ndarray:
    """Row numbers of body paragraphs long enough to carry a topic and tagged with no theme."""
    mask = (paragraphs["kind"].isin(["body", "turn"]) & (paragraphs["n_words"] >= MIN_WORDS)
            & paragraphs["themes"].apply(lambda t: t is None or len(t) == 0))
    return np.flatnonzero(mask.to_numpy())


def discover(paragraphs: pd.DataFrame, embeddings: np.ndarray, clusters: int | None = None,
             min_size: int = 5, top_words: int = 8, examples: int = 3, seed: int = 0) -> list[dict]:
    """Proposed themes, largest first: id, label (top keywords), size, keywords, representative paragraphs."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer

    rows = unclaimed(paragraphs)
    if len(rows) < max(min_size, 2):
        return []
    k = clusters or int(np.clip(round(np.sqrt(len(rows) / 4)), 2, 30))
    k = min(k, len(rows) // max(min_size, 1)) or 1
    vectors = np.asarray(embeddings[rows], dtype=np.float32)
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(vectors)
    texts = paragraphs["text"].to_numpy()[rows]
    documents = [" ".join(texts[model.labels_ == c]) for c in range(k)]
    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[A-Za-z][A-Za-z-]{2,}\b",
                                 ngram_range=(1, 2), min_df=1)
    counts = vectorizer.fit_transform(documents).toarray().astype(float)
    words = np.array(vectorizer.get_feature_names_out())
    # c-TF-IDF: a word's frequency in a cluster, weighted down by how common it is in all clusters.
    frequency = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    weight = np.log(1 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1))
    scores = frequency * weight
    proposals = []
    for cluster in range(k):
        members = np.flatnonzero(model.labels_ == cluster)
        if len(members) < min_size:
            continue
        keywords = [str(w) for w in words[np.argsort(-scores[cluster])[:top_words]]]
        centre = model.cluster_centers_[cluster] / np.linalg.norm(model.cluster_centers_[cluster])
        nearest = members[np.argsort(-(vectors[members] @ centre))[:examples]]
        proposals.append({
            "id": "proposed-" + re.sub(r"[^a-z0-9]+", "-", keywords[0].lower()).strip("-"),
            "label": ", ".join(keywords[:3]),
            "size": int(len(members)),
            "keywords": keywords,
            "paragraph_ids": paragraphs["paragraph_id"].to_numpy()[rows[nearest]].tolist(),
            "representative": [str(texts[i]) for i in nearest],
        })
    proposals.sort(key=lambda p: -p["size"])
    seen: dict[str, int] = {}
    for proposal in proposals:  # ids stay unique when two clusters share a top word
        seen[proposal["id"]] = seen.get(proposal["id"], 0) + 1
        if seen[proposal["id"]] > 1:
            proposal["id"] += f"-{seen[proposal['id']]}"
    return proposals


def proposal_entry(proposal: dict) -> dict:
    """A proposal in the shape of a data/themes.yaml entry: its top words as label and keywords
    (literal, case-insensitive patterns), its representative paragraphs' first sentences as examples."""
    def first_sentence(text: str) -> str:
        return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0][:240]

    return {"id": proposal["id"], "label": proposal["label"].capitalize(),
            "description": f"TODO: describe this theme (keywords: {', '.join(proposal['keywords'][:6])})",
            "examples": [first_sentence(t) for t in proposal["representative"]],
            "keywords": [re.sub(r"([^\w\s])", r"\\\1", k) for k in proposal["keywords"][:4]]}


def as_taxonomy_stub(proposals: list[dict]) -> str:
    """YAML entries in the shape of data/themes.yaml, to review and paste in."""
    return "# Proposed by `diplodash discover`: review, rename and describe before adding to the taxonomy.\n" + \
        yaml.safe_dump({"themes": [proposal_entry(p) for p in proposals]}, sort_keys=False, allow_unicode=True, width=100)
