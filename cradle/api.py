"""The analyst's Python API: the built catalogue graph as pandas DataFrames.

Example:
    >>> from cradle import Catalogue
    >>> kg = Catalogue.open()                       # the built data dir (default build/)
    >>> kg.sparql("SELECT ?t WHERE { ?r dct:title ?t }")   # project PREFIXes added for you
    >>> kg.coverage()                               # borough x topic counts, zeros kept
    >>> kg.search("baby won't stop crying", k=5)    # loads the search index on first use

Graph work never imports torch: the searcher is loaded on the first call to :meth:`search`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyoxigraph as ox

from cradle.errors import MissingDependency
from cradle.frames import solutions_frame, triples_frame
from cradle.graph.shell import with_prefixes
from cradle.graph.sparql import run_query
from cradle.graph.store import open_store
from cradle.namespaces import LOC
from cradle.settings import Settings

GM = f"<{LOC['greater-manchester']}>"
_RESOURCE_FIELDS = """
SELECT ?uri ?id ?title ?section ?level ?publisher ?format ?kind ?status ?status_note ?issued
       ?expected ?link_text ?link_domain ?order WHERE {
  ?uri a dcat:Resource ; dct:identifier ?id ; dct:title ?title ; cradle:sourceOrder ?order ;
     dct:spatial ?loc ; dct:format/skos:prefLabel ?format ; adms:status/skos:prefLabel ?status .
  ?loc skos:prefLabel ?section . OPTIONAL { ?loc cradle:localityLevel ?level }
  OPTIONAL { ?uri dct:publisher/(skos:prefLabel|foaf:name) ?publisher }
  OPTIONAL { ?uri dct:type/skos:prefLabel ?kind }
  OPTIONAL { ?uri cradle:statusNote ?status_note }
  OPTIONAL { ?uri dct:issued ?issued }
  OPTIONAL { ?uri cradle:expectedDate ?expected }
  OPTIONAL { ?uri dcat:distribution ?d . ?d cradle:linkText ?link_text .
             OPTIONAL { ?d cradle:linkDomain ?link_domain } }
} ORDER BY ?order"""
_RESOURCE_LISTS = """
SELECT ?uri ?field ?value WHERE {
  { ?uri dcat:theme ?v . BIND("topics" AS ?field) }
  UNION { ?uri dct:audience ?v . BIND("audience" AS ?field) }
  UNION { ?uri cradle:adoptedIn ?v . BIND("adopted_in" AS ?field) }
  ?uri a dcat:Resource . ?v skos:prefLabel ?value .
} ORDER BY ?value"""
_TOPICS = """
SELECT ?id ?label ?broader_id ?definition ?resources
       (GROUP_CONCAT(DISTINCT ?alt; separator="|") AS ?alts)
       (GROUP_CONCAT(DISTINCT ?hidden; separator="|") AS ?hiddens) WHERE {
  { SELECT ?t (COUNT(DISTINCT ?r) AS ?resources) WHERE {
      ?t skos:inScheme topic:scheme . OPTIONAL { ?r a dcat:Resource ; dcat:theme ?t } }
    GROUP BY ?t }
  ?t skos:prefLabel ?label . BIND(STRAFTER(STR(?t), STR(topic:)) AS ?id)
  OPTIONAL { ?t skos:broader ?b . BIND(STRAFTER(STR(?b), STR(topic:)) AS ?broader_id) }
  OPTIONAL { ?t skos:definition ?definition }
  OPTIONAL { ?t skos:altLabel ?alt } OPTIONAL { ?t skos:hiddenLabel ?hidden }
} GROUP BY ?id ?label ?broader_id ?definition ?resources"""
_BOROUGHS = f"""
SELECT ?id ?label ?gss WHERE {{
  ?b skos:broader {GM} ; skos:prefLabel ?label ; skos:notation ?gss .
  BIND(STRAFTER(STR(?b), STR(loc:)) AS ?id)
}} ORDER BY ?label"""
_ADOPTION = """
SELECT ?programme ?borough WHERE {
  ?r a dcat:Resource ; dct:title ?programme ; cradle:adoptedIn/skos:prefLabel ?borough .
} ORDER BY ?programme"""


class Catalogue:
    """A read-only view of a built catalogue graph, answering in pandas DataFrames.

    Attributes:
        data_dir: the data dir it was opened on.
        settings: the settings it uses (model, ...), for the searcher.
    """

    def __init__(self, store: ox.Store, data_dir: Path, settings: Settings) -> None:
        self._store = store
        self.data_dir = data_dir
        self.settings = settings
        self._searcher: Any = None

    @classmethod
    def open(
        cls, data_dir: Path | str | None = None, settings: Settings | None = None
    ) -> Catalogue:
        """Open the built data dir read-only.

        Args:
            data_dir: the folder ``cradle build`` wrote; ``settings.data_dir`` (build/) if None.
            settings: the project's settings; read from ``CRADLE_*`` variables if None.

        Returns:
            The catalogue.

        Raises:
            NotBuilt: the folder holds no built graph; the message says to run ``cradle build``.
        """
        settings = settings or Settings.model_validate({})
        path = Path(data_dir) if data_dir is not None else settings.data_dir
        return cls(open_store(path), path, settings)

    def __repr__(self) -> str:
        return f"Catalogue(data_dir={str(self.data_dir)!r})"

    def sparql(self, query: str, compact: bool = True) -> pd.DataFrame | bool:
        """Run a SPARQL query; the project's PREFIXes are added when the query declares none.

        Args:
            query: a SELECT, ASK, CONSTRUCT or DESCRIBE query.
            compact: shorten IRIs with the project's prefixes (``topic:safer-sleep``); False
                keeps full IRIs.

        Returns:
            SELECT: a DataFrame with one typed column per variable (integers ``Int64``, decimals
            and doubles ``float64``, booleans ``boolean``, dates ``datetime64``, IRIs and text
            ``string``). ASK: a bool. CONSTRUCT/DESCRIBE: a DataFrame of ``s``, ``p``, ``o``.

        Raises:
            QuerySyntaxError: the query does not parse; the message says where.
        """
        result = run_query(self._store, with_prefixes(query))
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            return triples_frame(result, compact)
        return solutions_frame(result, compact)

    def _select(self, query: str) -> pd.DataFrame:
        frame = self.sparql(query)
        assert isinstance(frame, pd.DataFrame)
        return frame

    def resources(self) -> pd.DataFrame:
        """One row per catalogue entry, in the document's order.

        Returns:
            Columns ``id``, ``title``, ``section`` (the locality it comes from), ``level``,
            ``publisher``, ``format``, ``kind``, ``status``, ``status_note``, ``issued``,
            ``expected``, ``link_text``, ``link_domain``, ``uri``, ``order``, and the lists
            ``topics``, ``audience`` and ``adopted_in`` (labels).
        """
        frame = self._select(_RESOURCE_FIELDS).drop_duplicates("uri").set_index("uri")
        lists = self._select(_RESOURCE_LISTS)
        for field in ("topics", "audience", "adopted_in"):
            part = lists[lists["field"] == field].groupby("uri")["value"].agg(list)
            frame[field] = [part.get(uri, []) for uri in frame.index]
        return frame.reset_index().set_index("id")

    def topics(self) -> pd.DataFrame:
        """The topic thesaurus, one row per concept, branch by branch.

        Returns:
            Indexed by topic id: ``label``, ``broader_id``, ``broader`` (label), ``branch`` (its
            top concept's label), ``depth``, ``definition``, ``synonyms`` (alternative labels),
            ``hidden`` (hidden labels: abbreviations and misspellings search matches), and
            ``resources`` (entries tagged with exactly this topic).
        """
        frame = self._select(_TOPICS).drop_duplicates("id").set_index("id")
        for src, dst in (("alts", "synonyms"), ("hiddens", "hidden")):
            frame[dst] = [sorted(v.split("|")) if v else [] for v in frame.pop(src).fillna("")]
        labels = frame["label"].to_dict()
        frame["broader"] = frame["broader_id"].map(labels).astype("string")
        parent = frame["broader_id"].dropna().to_dict()

        def path(tid: str) -> list[str]:
            return path(parent[tid]) + [tid] if tid in parent else [tid]

        keys = {tid: tuple(labels[p] for p in path(tid)) for tid in frame.index}
        frame["branch"] = [labels[path(tid)[0]] for tid in frame.index]
        frame["depth"] = [len(path(tid)) - 1 for tid in frame.index]
        order = sorted(frame.index, key=lambda tid: keys[tid])
        cols = ["label", "broader_id", "broader", "branch", "depth", "definition"]
        return frame.loc[order, [*cols, "synonyms", "hidden", "resources"]]

    def boroughs(self) -> pd.DataFrame:
        """The localities directly within Greater Manchester: ``id``, ``label``, ``gss``."""
        return self._select(_BOROUGHS)

    def coverage(
        self,
        include_national: bool = False,
        include_adopted: bool = True,
        include_narrower: bool = True,
    ) -> pd.DataFrame:
        """The borough x topic coverage matrix, zeros kept.

        Args:
            include_national: also count, for every borough, the resources of the places that
                contain it (Greater Manchester-wide and national entries).
            include_adopted: count the resources a borough adopts (ICON, FNP, ...) as well as
                its own.
            include_narrower: a topic also counts resources on its narrower topics (so *Safer
                sleep* includes *Co-sleeping*), as the search's topic filter does.

        Returns:
            Rows: the Greater Manchester boroughs (labels, alphabetical); columns: every topic
            of the thesaurus (labels, branch by branch); values: number of distinct resources.
        """
        ways = ["{ ?r dct:spatial ?b }"]
        if include_adopted:
            ways.append("{ ?r cradle:adoptedIn ?b }")
        if include_national:
            ways.append("{ ?r dct:spatial ?area . ?b schema:containedInPlace+ ?area }")
        theme = "dcat:theme/skos:broader*" if include_narrower else "dcat:theme"
        counts = self._select(
            f"""SELECT ?b ?t (COUNT(DISTINCT ?r) AS ?n) WHERE {{
              ?b skos:broader {GM} . ?r a dcat:Resource ; {theme} ?t .
              ?t skos:inScheme topic:scheme . {" UNION ".join(ways)}
            }} GROUP BY ?b ?t"""
        )
        boroughs = self.boroughs()
        topics = self.topics()
        matrix = pd.DataFrame(0, index=boroughs["label"], columns=topics["label"], dtype="int64")
        names = dict(zip("loc:" + boroughs["id"], boroughs["label"], strict=True))
        for b, t, n in counts.itertuples(index=False):
            matrix.loc[names[b], topics.at[t.removeprefix("topic:"), "label"]] = int(n)
        matrix.index.name, matrix.columns.name = "borough", "topic"
        return matrix

    def adoption(self) -> pd.DataFrame:
        """Which borough adopts which programme: a boolean borough x programme table.

        Returns:
            Rows: the Greater Manchester boroughs (all of them, adopters or not); columns: the
            titles of resources with adopting boroughs; True where the borough adopts it.
        """
        pairs = self._select(_ADOPTION)
        table = pd.crosstab(pairs["borough"], pairs["programme"]).astype(bool)
        table = table.reindex(self.boroughs()["label"], fill_value=False)
        table.index.name, table.columns.name = "borough", "programme"
        return table

    @property
    def searcher(self) -> Any:
        """The search index's :class:`cradle.index.search.Searcher`, loaded on first use.

        Raises:
            NotBuilt, StaleIndex: no index, or one built from another graph: run ``cradle build``.
            MissingDependency: the search extra (torch, FAISS, ...) is not installed.
        """
        if self._searcher is None:
            try:
                from cradle.index.search import open_searcher
            except ImportError as exc:
                raise MissingDependency(
                    f"search needs the 'search' extra ({exc.name} is missing): "
                    "pip install -e '.[search]' (or `make install`)"
                ) from None
            self._searcher = open_searcher(self.data_dir, self.settings)
        return self._searcher

    def search(self, text: str, k: int = 10, **filters: str | bool | None) -> pd.DataFrame:
        """Search in plain words; the search index is loaded on the first call.

        Args:
            text: the question, in the searcher's own words.
            k: how many results (1..100).
            **filters: exact facets, by id or label: ``locality`` (places within it and, unless
                ``national=False``, the areas containing it), ``topic`` (narrower topics
                included), ``format``, ``audience``, ``status``.

        Returns:
            One row per hit, best first: ``rank``, ``id``, ``title``, ``score``, ``dense`` and
            ``keyword`` (the two fused scores), ``why`` (a sentence), ``thesaurus`` (terms the
            thesaurus recognised), ``localities``, ``topics``, ``format``, ``kind``,
            ``audience``, ``publisher``, ``status``, ``summary``, ``uri`` (ids as in the
            graph). ``frame.attrs`` holds ``query`` and ``truncated``.

        Raises:
            InvalidSearch: empty query, k out of range, or an unknown facet value.
        """
        found = self.searcher.search(text, k=k, **filters).to_dict()
        hits = found["results"]
        why = [h.get("why") or {} for h in hits]
        frame = pd.DataFrame(
            {
                "rank": pd.array(range(1, len(hits) + 1), dtype="Int64"),
                "id": pd.array([h.get("id") for h in hits], dtype="string"),
                "title": pd.array([h["title"] for h in hits], dtype="string"),
                "score": pd.Series([h["score"] for h in hits], dtype=float),
                "dense": pd.Series([w.get("dense") for w in why], dtype=float),
                "keyword": pd.Series([w.get("keyword") for w in why], dtype=float),
                "why": pd.array([w.get("text") for w in why], dtype="string"),
                "thesaurus": [list(w.get("thesaurus", [])) for w in why],
            }
        )
        for col in ("localities", "topics", "audience"):
            frame[col] = [list(h.get(col) or []) for h in hits]
        for col in ("format", "kind", "publisher", "status", "summary", "uri"):
            frame[col] = pd.array([h.get(col) for h in hits], dtype="string")
        frame.attrs.update(query=found["query"], truncated=found.get("truncated", False))
        return frame

    def embeddings(self) -> pd.DataFrame:
        """The search index's resource embeddings (unit vectors), one row per resource id."""
        index = self.searcher.index
        ids = pd.Index([r.id for r in index.resources], name="id")
        return pd.DataFrame(np.asarray(index.vectors, dtype=np.float32), index=ids)
