"""Evaluating Whoosh query trees over whole arrays: a mask of the documents a
query matches, and the score of every document, exactly as Whoosh would.

Whoosh itself is asked only for what NumPy does not do (phrases, and the
exact scores of the best few: ``exact_scores``).
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F

from search.engine import characters
from search.engine.generation import Generation
from search.engine.postings import Postings
from search.plan import CharacterFrequency


class Evaluation:
    """Evaluates the Whoosh query trees of a ``search.plan.MatchPlan`` over whole arrays.

    ``mask`` gives the documents a query matches, exactly as Whoosh would.
    ``scores`` gives the score of every document, or of some (``docs``):
    Whoosh's own for terms and their combinations (BM25F for word fields,
    the weighting's constant for presence-only fields); a phrase is scored
    as its words over every document, and by Whoosh itself over ``docs``,
    and ``exact`` says whether any estimate was made.
    """

    def __init__(self, generation: Generation, searcher):
        self.generation = generation
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = generation.columns.size
        self.exact = True

    def _postings(self, term: wq.Term) -> Postings:
        return self.generation.postings(self.reader, term.fieldname, term.text)

    # -- matching ------------------------------------------------------------

    def mask(self, node: wq.Query) -> np.ndarray:
        kind = type(node)
        if kind is wq.Term:
            mask = np.zeros(self.size, dtype=bool)
            mask[self._postings(node).docs] = True
            return mask
        if kind is wq.And or (kind is wq.Or and not node.minmatch):
            if not node.subqueries:
                return np.zeros(self.size, dtype=bool)
            combine = np.logical_and if kind is wq.And else np.logical_or
            mask = self.mask(node.subqueries[0])  # every mask is a new array: combined in place
            for child in node.subqueries[1:]:
                if kind is wq.Or and type(child) is wq.Term:  # marked where it is
                    mask[self._postings(child).docs] = True
                else:
                    combine(mask, self.mask(child), out=mask)
            return mask
        if kind is wq.ConstantScoreQuery:
            return self.mask(node.child)
        if kind is type(wq.NullQuery):
            return np.zeros(self.size, dtype=bool)
        if kind is wq.Every:
            return self.generation.columns.live.copy()
        return self._whoosh_mask(node)  # anything else (phrases): Whoosh decides

    def _whoosh_mask(self, node: wq.Query) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(node), dtype=np.int64)] = True
        return mask

    # -- scoring -------------------------------------------------------------

    def scores(self, node: wq.Query, docs: np.ndarray | None = None) -> np.ndarray:
        """Scores of ``docs`` (ascending), or of every document; 0 where it does not match."""
        return self._evaluate(node, docs)[1]

    def _evaluate(self, node: wq.Query, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(matched, score) of ``docs`` or of every document."""
        kind = type(node)
        if kind is wq.Term:
            return self._term(node, docs)
        if kind is wq.And or (kind is wq.Or and not node.minmatch):
            children = node.subqueries
            if len(children) == 1:  # Whoosh uses the child itself, boost and all
                return self._evaluate(children[0], docs)
            if not children:
                return self._nothing(docs)
            return self._fold(node, docs)
        if kind is wq.ConstantScoreQuery:
            matched = self.mask(node.child)
            matched = matched if docs is None else matched[docs]
            return matched, matched * float(node.score)
        if kind is type(wq.NullQuery):
            return self._nothing(docs)
        if kind is CharacterFrequency:
            scores = self._character_frequency(node.char)
            scores = scores if docs is None else scores[docs]
            return scores > 0, scores * node.boost
        if kind is wq.Every:  # a copy: what is returned is the caller's to fold into
            matched = (
                self.generation.columns.live.copy() if docs is None else self.generation.columns.live[docs]
            )
            return matched, matched.astype(np.float64)
        if docs is not None:
            return self._whoosh_scores(node, docs)
        self.exact = False
        if kind is wq.Phrase:  # estimated as its words
            words = wq.And([wq.Term(node.fieldname, word) for word in node.words], boost=node.boost)
            return self._evaluate(words, None)
        matched = self._whoosh_mask(node)
        return matched, matched.astype(np.float64)

    def _fold(self, node: wq.Query, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(matched, score) of an ``And`` or ``Or`` of two or more children: their sum.

        One child at a time, folded into the first child's arrays (every array
        ``_evaluate`` returns is new): the hundreds of terms of a long query
        never hold an array of every document each at once. Over every
        document, a word's postings are added where they are, not as arrays
        of every document (on a million articles each such array is 8 MB to
        fill and add). Every child's score is 0 where it does not match, and
        x + 0 is x, so the sums are those of adding whole arrays, bit for bit.
        """
        is_and = type(node) is wq.And
        matched = score = None
        for child in node.subqueries:
            if matched is None:
                matched, score = self._evaluate(child, docs)
            elif docs is None and type(child) is wq.Term:
                postings = self._postings(child)
                if is_and:
                    matched &= self.mask(child)
                else:
                    matched[postings.docs] = True
                score[postings.docs] += self._boosted_scores(child, postings)
            elif docs is None and type(child) is wq.ConstantScoreQuery:
                held = self.mask(child.child)
                (np.logical_and if is_and else np.logical_or)(matched, held, out=matched)
                np.add(score, float(child.score), out=score, where=held)
            else:
                child_matched, child_score = self._evaluate(child, docs)
                (np.logical_and if is_and else np.logical_or)(matched, child_matched, out=matched)
                score += child_score
        if is_and:  # an Or's sum is 0 where none matched already
            np.multiply(score, matched, out=score)
        if node.boost != 1:
            score *= node.boost
        return matched, score

    def _character_frequency(self, char: str) -> np.ndarray:
        """``search.engine.characters``: every document's score of how often it
        holds ``char``, kept for the index generation."""
        key = ("character frequency", char)
        scores = self.generation.verbatim.get(key)
        if scores is None:
            from search.suggest import word_table

            # Built once per generation (the suggestions use it too): at once on a
            # small index, in the background on a large one (seconds), where until
            # it is there the character is counted where it is a word of its own,
            # and nothing is kept.
            opener = getattr(self.searcher, "_ix", None) and self.searcher._ix.reader
            wait = self.size <= characters.WAIT_FOR_TABLE_DOCUMENTS
            table = word_table(self.reader, opener, wait=wait and opener is not None)
            words = characters.words_holding(table.words, table.counts, char) if table else [char]
            counts = characters.character_counts(self.reader, self.size, words, char)
            model = self.searcher.weighting
            k1, b = model.K1, model._field_B.get("body", model.B)
            average = self.searcher.avg_field_length("body")
            lengths = self.generation.field_lengths(self.reader, "body")
            scores = characters.saturated(counts, lengths, average, k1, b)
            if table is not None:
                self.generation.verbatim.put(key, scores)
        return scores

    def _nothing(self, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        size = self.size if docs is None else len(docs)
        return np.zeros(size, dtype=bool), np.zeros(size)

    def _term(self, term: wq.Term, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        postings = self._postings(term)
        if docs is None:
            matched, score = np.zeros(self.size, dtype=bool), np.zeros(self.size)
            matched[postings.docs] = True
            score[postings.docs] = self._boosted_scores(term, postings)
            return matched, score
        index = np.searchsorted(postings.docs, docs)
        inside = index < len(postings.docs)
        matched = np.zeros(len(docs), dtype=bool)
        matched[inside] = postings.docs[index[inside]] == docs[inside]
        found = index[matched]
        score = np.zeros(len(docs))
        score[matched] = self._boosted_scores(term, postings)[found]
        return matched, score

    def _boosted_scores(self, term: wq.Term, postings: Postings) -> np.ndarray:
        """The score of each of a term's postings, times its boost. Whoosh's own
        scores are kept for the generation beside the postings (a term's
        statistics do not change within one): a common word's BM25 over a
        million articles is milliseconds to compute again, every search."""
        model = self.searcher.weighting
        if self.searcher.schema[term.fieldname].scorable and not isinstance(model, BM25F):
            scores = self._term_scores(term, postings.docs, postings.weights)  # an estimate
        else:
            settings = (
                (model.K1, model.B, tuple(sorted(model._field_B.items()))) if isinstance(model, BM25F) else ()
            )
            key = ("scores", term.fieldname, term.text, type(model).__name__, settings)
            scores = self.generation.terms.get(key)
            if scores is None:
                scores = self._term_scores(term, postings.docs, postings.weights)
                scores.flags.writeable = False  # shared by every search of the generation
                self.generation.terms.put(key, scores)
        return scores * term.boost if term.boost != 1 else scores

    def _term_scores(self, term: wq.Term, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        fieldname, model = term.fieldname, self.searcher.weighting
        if not len(docs):
            return np.zeros(0)
        if not self.searcher.schema[fieldname].scorable:  # presence only: one score for all
            return np.full(len(docs), self._constant_score(term))
        weights = weights.astype(np.float64)
        if not isinstance(model, BM25F):  # another model: estimate; Whoosh scores the best
            self.exact = False
            return weights * self.searcher.idf(fieldname, term.text)
        b = model._field_B.get(fieldname, model.B)
        k1 = model.K1
        idf = self.searcher.idf(fieldname, term.text)
        average = self.searcher.avg_field_length(fieldname) or 1
        lengths = self.generation.field_lengths(self.reader, fieldname)[docs]
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average)))

    def _constant_score(self, term: wq.Term) -> float:
        key = (term.fieldname, term.text)
        score = self.generation.constant_scores.get(key)
        if score is None:
            matcher = self.searcher.postings(term.fieldname, term.text, weighting=self.searcher.weighting)
            score = matcher.score() if matcher.is_active() else 0.0
            self.generation.constant_scores[key] = score
        return score

    def _whoosh_scores(self, node: wq.Query, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whoosh's own (matched, score) of a few documents, moving each
        segment's matcher to them instead of through every match."""
        found = exact_scores(self.searcher, node, docs)
        matched = np.array([docnum in found for docnum in docs.tolist()], dtype=bool)
        return matched, np.array([found.get(docnum, 0.0) for docnum in docs.tolist()])


def exact_scores(searcher, query: wq.Query, docnums: np.ndarray) -> dict[int, float]:
    """Whoosh's scores of the documents (ascending ``docnums``) that ``query`` matches."""
    context = searcher.context()
    scores: dict[int, float] = {}
    for subsearcher, offset in searcher.leaf_searchers():
        count = subsearcher.reader().doc_count_all()
        local = docnums[(docnums >= offset) & (docnums < offset + count)] - offset
        if not len(local):
            continue
        matcher = query.matcher(subsearcher, context)
        for docnum in local.tolist():
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                scores[docnum + offset] = matcher.score()
    return scores


def best(scores: np.ndarray, count: int) -> np.ndarray:
    """Indexes of the ``count`` highest scores, and of every score tied with the last."""
    if count >= len(scores):
        return np.arange(len(scores))
    threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
    return np.flatnonzero(scores >= threshold)


def top(candidates: np.ndarray, scores: np.ndarray, count: int) -> list[int]:
    """The ``count`` best ``candidates`` by score, ties by document number (as Whoosh orders)."""
    chosen = best(scores, count)
    candidates, scores = candidates[chosen], scores[chosen]
    return [int(docnum) for docnum in candidates[np.lexsort((candidates, -scores))][:count]]
