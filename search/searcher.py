"""Running searches: an open index in, plain dicts out.

``SearchIndex`` is the public face and stays thin: a request is checked
(``search.request``), its text parsed and planned once (``search.plan``), the
plan run by the engine (``search.engine``: masks, verbatim checks, filters,
ranking, facet counts) and the result shaped as plain dicts
(``search.results``). The same dict serves the CLI, the Python API and the
web's JSON and HTML.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from search import results
from search.analysis_version import version_mismatch
from search.engine import execute
from search.engine.column_store import read_story_rows
from search.engine.columns import FacetColumns, StoryColumn, count_facets
from search.engine.evaluate import Evaluation
from search.engine.generation import CACHE_BUDGETS, Generation, set_cache_budgets  # noqa: F401
from search.engine.health import IndexFolder, damage_reported
from search.engine.stored import document_number
from search.plan import MatchPlan, plan_query
from search.ranking import weighting

# What a caller may ask is stated in ``search.request``; these names stay
# importable from here (``from search.searcher import QueryError``).
from search.request import (  # noqa: F401
    COLLAPSES,
    COUNTS,
    FILTER_NAMES,
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
    QueryError,
    check_choice,
    check_paging,
    merge_query_filters,
    normalize_filters,
    parse_date,
    resolve_region_filters,
)
from search.results import document_summary  # noqa: F401
from search.stories import published_key, read_table, story_lead


class SearchIndex:
    """An open xunwen index. Thread-safe: each thread reads with its own
    searcher, and every search first picks up a newer commit if there is one."""

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        # Deleted, replaced or damaged folders: IndexMissing / IndexDamaged (search.engine.health).
        self._folder = IndexFolder(self.index_dir)
        mismatch = version_mismatch(self.index_dir)  # results of another analysis can miss documents
        self._index_notes = [f"warning: {mismatch}"] if mismatch else []
        self._local = threading.local()
        self._generations: dict[tuple[int, int], Generation] = {}  # (folder epoch, generation)
        self._generations_lock = threading.Lock()

    @property
    def _ix(self):
        """The Whoosh index as the folder holds it now (reopened if replaced)."""
        return self._folder.current()[0]

    # -- searcher and columns, per thread and generation ------------------

    def _searcher(self):
        ix, epoch = self._folder.current()
        current = getattr(self._local, "searcher", None)
        if current is not None and (self._local.epoch != epoch or not current.up_to_date()):
            # Not ``current.refresh()``: Whoosh 2.7's reader reuse keeps the
            # segments of the old generation alongside the new ones, so after a
            # merge or a rebuild every document was counted twice. Opening anew
            # is cheap: segments are read in place from their memory maps (``search.engine.fixes``).
            current.close()
            current = None
        if current is None:
            with damage_reported(self.index_dir):
                current = ix.searcher(weighting=weighting())
            self._local.epoch = epoch
        self._local.searcher = current
        return current

    def _generation(self, searcher) -> Generation:
        generation = searcher.reader().generation()
        key = (self._local.epoch, generation if generation is not None else -1)
        with self._generations_lock:
            state = self._generations.get(key)
            if state is None:
                with damage_reported(self.index_dir):
                    # Stored with each segment at commit, memory-mapped; computed where missing.
                    state = Generation(FacetColumns.from_reader(searcher.reader(), self.index_dir))
                self._generations = {key: state}  # older generations are no longer read
            return state

    def _columns(self, searcher) -> FacetColumns:
        return self._generation(searcher).columns

    def clear_caches(self) -> None:
        """Forget cached posting lists and phrase matches (benchmarks measure without them)."""
        with self._generations_lock:
            for state in self._generations.values():
                state.terms.clear()
                state.verbatim.clear()
                state.similar.clear()

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    def traditional_sources(self) -> frozenset[str]:
        """The sources (as stored, Simplified) whose articles are written in Traditional."""
        return self._columns(self._searcher()).traditional_sources

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    # -- matching ----------------------------------------------------------

    def _match(self, plan: MatchPlan | str, filters: Mapping[str, Any] | None) -> execute.Match:
        """The documents the plan (or query text) and filters select."""
        plan = plan_query(plan) if isinstance(plan, str) else plan
        searcher = self._searcher()
        generation = self._generation(searcher)
        matched, every_word = execute.query_masks(Evaluation(generation, searcher), plan)
        return self._filtered(searcher, generation, plan, matched, filters, every_word)

    def _filtered(
        self, searcher, generation, plan: MatchPlan, matched, filters, every_word=None
    ) -> execute.Match:
        """A query's matches narrowed by filters (given, and typed in the query)."""
        filters = merge_query_filters(normalize_filters(filters), plan.filters)
        filters = resolve_region_filters(filters, generation.columns.known)
        masks = execute.filter_masks(filters, generation.columns)
        final = matched.copy()
        for mask in masks.values():
            final &= mask
        return execute.Match(searcher, generation, plan, filters, matched, masks, final, every_word)

    # -- the search --------------------------------------------------------

    def search(
        self,
        query: str = "",
        filters: Mapping[str, Any] | None = None,
        page: int = 1,
        per_page: int = 10,
        sort: str | None = None,
        plan: MatchPlan | None = None,
        collapse: str | None = None,
        count: str | None = None,
    ) -> dict[str, Any]:
        """Search; return ``total``, ``hits``, ``facets``, ``took_ms`` and the request echoed.

        ``plan``: the query already planned (``search.plan.plan_query(query)``).
        ``collapse="story"``: one hit per story of reprints (its best-ranked
        member), totals and pages in stories; ``count="stories"``: totals count
        stories (``"none"`` and ``"documents"`` are the defaults)."""
        started = time.perf_counter()
        page, per_page, sort = check_paging(page, per_page, sort, query)
        collapse = check_choice(collapse, "collapse", COLLAPSES, "none")
        count = check_choice(count, "count", COUNTS, "documents")
        match = self._match(plan or plan_query(query), filters)
        documents = int(np.count_nonzero(match.final))
        in_stories = collapse == "story" or count == "stories"
        story_column = self._story_column(match.searcher)  # every hit names its story
        stories = story_column if in_stories else None
        story_total = stories.distinct(match.final) if stories is not None else None
        listed = story_total if collapse == "story" else documents
        docnums = execute.page_docnums(match, sort, page, per_page, stories if collapse == "story" else None)
        terms = match.plan.highlight_terms
        hits = [results.hit(match.searcher.stored_fields(docnum), terms) for docnum in docnums]
        for hit, docnum in zip(hits, docnums, strict=True):  # stories: issue 14
            story = story_column.story_of(docnum)
            hit.update({"story": story, "story_size": story_column.size_of(docnum)})
        if collapse == "story":  # how many of each story's members this search matched
            matched = np.bincount(stories.codes[match.final], minlength=stories.count)
            for hit, docnum in zip(hits, docnums, strict=True):
                hit["story_matched"] = int(matched[stories.codes[docnum]])
        counted = count_facets(
            match.columns, match.matched, match.filter_masks, match.filters,
            stories if count == "stories" else None,
        )  # fmt: skip
        facets, truncated = results.facets(counted, match.filters)
        return {
            "query": query,
            "filters": match.filters,
            "sort": sort,
            "collapse": collapse,
            "count": count,
            "page": page,
            "per_page": per_page,
            "total": story_total if in_stories else documents,
            "total_documents": documents,
            "total_stories": story_total,
            "all_words_total": execute.all_words_total(match),
            "pages": max(1, -(-listed // per_page)),
            "hits": hits,
            "facets": facets,
            "facets_truncated": truncated,
            "notes": match.plan.notes + self._index_notes,
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def count(
        self, query: str = "", filters: Mapping[str, Any] | None = None, plan: MatchPlan | None = None
    ) -> int:
        """How many documents a search would find (no ranking, passages or facets)."""
        return int(np.count_nonzero(self._match(plan or plan_query(query), filters).final))

    def counts(
        self, query: str, filter_sets: Iterable[Mapping[str, Any] | None], plan: MatchPlan | None = None
    ) -> list[int]:
        """``count`` of one query under each of several filter sets, the query matched once."""
        plan = plan or plan_query(query)
        searcher = self._searcher()
        generation = self._generation(searcher)
        matched = execute.query_mask(Evaluation(generation, searcher), plan)
        return [
            int(np.count_nonzero(self._filtered(searcher, generation, plan, matched, filters).final))
            for filters in filter_sets
        ]

    # -- documents ---------------------------------------------------------

    def document(self, doc_id: str, query: str = "") -> dict[str, Any] | None:
        """One document with its full text (and the ranges of the query's matches)."""
        searcher = self._searcher()
        docnum = document_number(searcher, doc_id)
        if docnum is None:
            return None
        terms = plan_query(query).highlight_terms if query else ()
        return results.document(searcher.stored_fields(docnum), terms)

    def similar(self, doc_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """Articles like this one (Whoosh's more-like-this over the body words)."""
        searcher = self._searcher()
        docnum = document_number(searcher, doc_id)
        if docnum is None:
            return []
        generation = self._generation(searcher)
        found = generation.similar.get((docnum, limit))
        if found is None:
            found = execute.similar_docnums(searcher, generation, docnum, limit)
            generation.similar.put((docnum, limit), found)
        return [document_summary(searcher.stored_fields(other)) for other in found]

    def suggestions(self, query: str, plan: MatchPlan | None = None) -> list[str]:
        """Other ways to write a query that finds nothing: the other script,
        and indexed words that share its characters."""
        suggestions = []
        from search.normalize import convert_for_display

        for script in ("traditional", "simplified"):
            converted = convert_for_display(query, script)
            if converted != query and converted not in suggestions:
                suggestions.append(converted)
        reader = self._searcher().reader()
        for clause in (plan or plan_query(query)).parsed.clauses():
            normalized = clause.normalized
            if len(normalized) >= 2:
                close = execute.words_starting(reader, normalized[:2])
                suggestions.extend(word for word in close if word != normalized)
        return list(dict.fromkeys(suggestions))[:8]

    def suggest(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """Completions of a typed prefix: words and places with their document counts."""
        from search.suggest import suggest

        # The word table is built in the background from a reader of its own.
        return suggest(self._searcher().reader(), prefix, limit, open_reader=self._ix.reader)

    # -- stories of reprints (issue 14; ``search.stories``) -----------------

    def _story_column(self, searcher) -> StoryColumn:
        """Each document's story (``StoryColumn``), once per generation: the one way
        the searcher reads stories. Stored at commit (``column_store``), else joined
        from the ids and the story store."""
        number = searcher.reader().generation()
        generation = self._generation(searcher)
        columns = generation.columns

        def build() -> StoryColumn:
            rows = read_story_rows(self.index_dir, number, columns.size)
            if rows is not None:
                return StoryColumn.from_rows(rows[0], rows[1], columns.live)
            table = read_table(self.index_dir, number)
            empty = (np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64))
            ids, stories = (table.ids, table.stories) if table is not None else empty
            return StoryColumn.from_ids(columns.segment_ids, columns.live, ids, stories)

        return generation.story_column(build)

    def story(self, doc_id: str) -> dict[str, Any] | None:
        """The story of a document: id, size, lead and members (id, source, date, title); None if unknown."""
        searcher = self._searcher()
        docnum = document_number(searcher, doc_id)
        stories = self._story_column(searcher)
        story = stories.story_of(docnum) if docnum is not None else None
        if story is None:
            return None
        members = []
        for member in stories.documents(story).tolist():
            summary = document_summary(searcher.stored_fields(member))
            members.append({key: summary[key] for key in ("id", "source", "date", "published", "title")})
        lead = story_lead(members)
        members.sort(
            key=lambda member: (member["id"] != lead, published_key(member["published"]), member["id"])
        )
        for member in members:
            member["lead"] = member["id"] == lead
        return {"id": story, "size": len(members), "lead": lead, "members": members}


def open_index(path: str | Path = "index") -> SearchIndex:
    """Open the index in ``path`` for searching."""
    return SearchIndex(path)
