"""Search scores statements: the sentence vectors stored with the index, the hit's matched sentence,
and the index parts a re-tag or a rebuild must keep."""
import re

import numpy as np
import pytest

import diplodash
from diplodash.build import retag
from diplodash.statements import Statements, sentence_spans

from .conftest import HashEmbedder

LONG = ("The delegations reviewed the schedule of the harbour festival and the repairs to the old lighthouse. "
        "Both ministers said the water treaty on the Sava river would be renewed for twenty years. "
        "The talks ended with a lunch in the garden of the residence.")


class TokenHashEmbedder(HashEmbedder):
    """The hash embedder with a vector per word and its place in the text, as the real model gives
    token vectors: builds with it store statement vectors."""

    def encode_with_tokens(self, texts):
        tokens = []
        for text in texts:
            found = list(re.finditer(r"\S+", text))
            offsets = np.array([[m.start(), m.end()] for m in found], dtype=np.int64).reshape(-1, 2)
            tokens.append((offsets, self.encode([m.group() for m in found])))
        return self.encode(texts), tokens


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "talks.txt").write_text("Ministers meet at the coast\nPublished: 2023-05-04\n\n" + LONG + "\n\n"
                                      "A short note on the weather at the coast.\n")
    (folder / "other.txt").write_text("Another day\nPublished: 2023-05-05\n\nThe river festival drew large crowds "
                                      "to the harbour, and the lighthouse was lit again.\n")
    return folder


def test_spans_cut_a_paragraph_into_its_sentences():
    spans = sentence_spans(LONG)
    assert [LONG[s:e] for s, e in spans] == [
        "The delegations reviewed the schedule of the harbour festival and the repairs to the old lighthouse.",
        "Both ministers said the water treaty on the Sava river would be renewed for twenty years.",
        "The talks ended with a lunch in the garden of the residence."]
    assert sentence_spans("One sentence only.") == [(0, 18)]


def test_best_takes_each_paragraphs_closest_sentence():
    vectors = np.eye(4, dtype=np.float32)
    statements = Statements.from_lists([[((0, 5), vectors[0]), ((6, 9), vectors[1])], [], [((0, 3), vectors[2]),
                                        ((4, 8), vectors[3])]], dim=4)
    scores, spans = statements.best(np.array([2, 1, 0]), np.array([0.1, 0.8, 0.0, 0.6], dtype=np.float32))
    assert scores[0] == pytest.approx(0.6) and spans[0].tolist() == [4, 8]
    assert scores[1] == -np.inf and spans[1].tolist() == [-1, -1]  # one sentence: the paragraph's vector is it
    assert scores[2] == pytest.approx(0.8) and spans[2].tolist() == [6, 9]


def test_a_sentence_inside_a_long_paragraph_is_found_and_marked(corpus, tmp_path):
    out, embedder = tmp_path / "index", TokenHashEmbedder()
    diplodash.build([corpus], out, embedder=embedder)
    index = diplodash.load_index(out)
    index._embedder = embedder
    row = int(np.flatnonzero(index.paragraphs.text == LONG)[0])
    start, end = index.statements.offsets[row], index.statements.offsets[row + 1]
    assert end - start == 3 and index.statements.vectors.dtype == np.float16

    query = "the water treaty on the Sava river would be renewed"
    hits = index.search(query, k=3)
    top = hits.iloc[0]
    assert top.text == LONG and LONG[top.match_start:top.match_end].startswith("Both ministers said the water treaty")
    assert top.score > float(index.embeddings[row] @ embedder.encode([query])[0])  # scored as its sentence
    assert (hits.match_start[hits.text != LONG] == -1).all()  # one-sentence paragraphs match as a whole

    embedded = embedder.texts
    retag(out, embedder=embedder)  # the sentence vectors come along, untouched
    again = diplodash.load_index(out)
    assert np.array_equal(np.asarray(again.statements.vectors), np.asarray(index.statements.vectors))
    diplodash.build([corpus], out, embedder=embedder)  # and a rebuild takes them from the cache
    assert embedder.texts == embedded


def test_an_index_without_statement_vectors_still_searches_paragraphs(corpus, tmp_path, fake_embedder):
    out = tmp_path / "index"
    diplodash.build([corpus], out, embedder=fake_embedder)  # no token vectors: paragraph vectors only
    index = diplodash.load_index(out)
    index._embedder = fake_embedder
    assert len(index.statements.vectors) == 0
    hits = index.search("the water treaty on the Sava river", k=2)
    assert hits.text.iloc[0] == LONG and hits.match_start.iloc[0] == -1


def test_the_matched_sentence_shows_in_bold_and_the_text_as_written():
    from diplodash.markdown import marked, matched_span

    class Hit:
        match_start, match_end = LONG.index("Both"), LONG.index("years.") + len("years.")

    span = matched_span(Hit())
    assert marked(LONG, "anything", span) == (
        "The delegations reviewed the schedule of the harbour festival and the repairs to the old lighthouse\\.  "
        "**Both ministers said the water treaty on the Sava river would be renewed for twenty years\\.**  "
        "The talks ended with a lunch in the garden of the residence\\.")
    Hit.match_start = Hit.match_end = -1  # the paragraph as a whole matched: the query's words decide, if any
    assert matched_span(Hit()) is None and "**" not in marked("Plain *text* here.", "unrelated words")
