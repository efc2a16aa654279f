"""The analyst's Python API: the built catalogue graph as pandas DataFrames.

Example:
    >>> from cradle import Catalogue
    >>> kg = Catalogue.open()                       # the built data dir (default var/)
    >>> kg.sparql("SELECT ?t WHERE { ?r dct:title ?t }")   # project PREFIXes added for you
    >>> kg.coverage(within="north-west")            # authority x topic counts, zeros kept
    >>> kg.gaps(order="need")                        # the gaps, highest need first
    >>> kg.search("baby won't stop crying", k=5)    # loads the search index on first use

Graph work never imports torch: the searcher is loaded on the first call to :meth:`search`.
"""

from __future__ import annotations

import warnings
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyoxigraph as ox

from cradle import tables
from cradle.core.datadir import DataDir, Version
from cradle.core.errors import MissingDependency
from cradle.core.settings import Settings
from cradle.frames import solutions_frame, triples_frame
from cradle.graph.build.store import open_store
from cradle.graph.read.coverage import DEFAULT_STATUS
from cradle.graph.read.coverage import coverage as cover
from cradle.graph.read.priority import GAP_FIELDS, ranked_gaps
from cradle.graph.read.readmodel import ReadModel, read_model
from cradle.graph.sparql.engine import QueryEngine, open_engine
from cradle.graph.sparql.run import with_prefixes
from cradle.graph.sparql.scan import scan


class Catalogue:
    """A read-only view of a built catalogue graph, answering in pandas DataFrames.

    Attributes:
        data_dir: the data dir it was opened on.
        version: the version of the data dir it reads (graph and index alike), fixed at open.
        settings: the settings it uses (model, ...), for the searcher.
    """

    def __init__(
        self, store: ox.Store, data_dir: Path, settings: Settings, version: Version | None = None
    ) -> None:
        self._store = store
        self.data_dir = data_dir
        self.version = version or DataDir(data_dir).open()
        self.settings = settings
        self._searcher: Any = None
        self._model: ReadModel | None = None
        self._engine: QueryEngine | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    @classmethod
    def open(
        cls, data_dir: Path | str | None = None, settings: Settings | None = None
    ) -> Catalogue:
        """Open the built data dir read-only.

        Args:
            data_dir: the folder ``cradle build`` wrote; ``settings.data_dir`` (var/) if None.
            settings: the project's settings; read from ``CRADLE_*`` variables if None.

        Returns:
            The catalogue.

        Raises:
            NotBuilt: the folder holds no built graph; the message says to run ``cradle build``.
        """
        settings = settings or Settings.model_validate({})
        path = Path(data_dir) if data_dir is not None else settings.data_dir
        version = DataDir(path).open()
        return cls(open_store(version), path, settings, version)

    def __repr__(self) -> str:
        return f"Catalogue(data_dir={str(self.data_dir)!r})"

    def sparql(self, query: str, compact: bool = True) -> pd.DataFrame | bool:
        """Run a SPARQL query as ``cradle sparql`` and ``/sparql`` do: read-only, no
        ``SERVICE``, in a worker process of its own stopped at ``CRADLE_QUERY_TIMEOUT`` (and when
        the call is interrupted), at most ``CRADLE_ROW_CAP`` rows (a cut answer warns). The
        project's PREFIXes the query uses and does not declare are added.

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
            QueryRefused: the query asks for what a read-only endpoint never does (``SERVICE``,
                an update, ...).
            QueryTimeout: it ran past the deadline and was stopped.
        """
        text = with_prefixes(query)
        graph = scan(text).form in ("CONSTRUCT", "DESCRIBE")
        if self._engine is None:
            # this catalogue's own version, never an external store or named graphs the
            # environment may name: the same graph its other methods read
            limits = {"data_dir": self.data_dir, "query_workers": 1, "store_url": None,
                      "named_graphs": {}}  # fmt: skip
            self._engine = open_engine(self.settings.model_copy(update=limits), self.version)
            self._finalizer = weakref.finalize(self, self._engine.close)
        try:
            answer = self._engine.execute(
                text, default_graphs=[], named_graphs=[], accept=None,
                fmt="ntriples" if graph else "json",
            )  # fmt: skip
        except KeyboardInterrupt:  # the notebook's "interrupt": stop the query's worker too
            self.close()
            raise
        if answer.truncated:
            warnings.warn(
                f"the answer was cut at {answer.row_cap} rows (CRADLE_ROW_CAP)", stacklevel=2
            )
        if graph:
            return triples_frame(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES), compact)
        result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return solutions_frame(result, compact)

    def close(self) -> None:
        """Stop the query worker :meth:`sparql` started (the next call starts a new one)."""
        if self._finalizer is not None:
            self._finalizer()
        self._engine, self._finalizer = None, None

    def resources(self) -> pd.DataFrame:
        """One row per catalogue entry, in the document's order.

        Returns:
            Columns ``id``, ``title``, ``section`` (the locality it comes from), ``level``,
            ``publisher``, ``format``, ``kind``, ``status``, ``status_note``, ``issued``,
            ``expected``, ``link_text``, ``link_domain``, ``uri``, ``order``, and the lists
            ``topics``, ``audience`` and ``adopted_in`` (labels).
        """
        return tables.resources(self.model)

    def topics(self) -> pd.DataFrame:
        """The topic thesaurus, one row per concept, branch by branch.

        Returns:
            Indexed by topic id: ``label``, ``broader_id``, ``broader`` (label), ``branch`` (its
            top concept's label), ``depth``, ``definition``, ``synonyms`` (alternative labels),
            ``hidden`` (hidden labels: abbreviations and misspellings search matches), and
            ``resources`` (entries tagged with exactly this topic).
        """
        return tables.topics(self.model)

    @property
    def model(self) -> ReadModel:
        """The graph's read model (resources and terms as records), read on first use."""
        if self._model is None:
            self._model = read_model(self._store)
        return self._model

    def boroughs(self, within: str | None = None) -> pd.DataFrame:
        """The local authorities in ``within`` (the catalogue's home area by default): ``id``,
        ``label``, ``gss``."""
        return tables.boroughs(self.model, within)

    def coverage(
        self,
        within: str | None = None,
        status: str = DEFAULT_STATUS,
        include_national: bool = False,
        include_adopted: bool = True,
        include_narrower: bool = True,
    ) -> pd.DataFrame:
        """The local authority x topic coverage matrix, zeros kept: the numbers of ``/gaps``
        (see :func:`cradle.tables.coverage` for the arguments and the shape of the table).

        Raises:
            UnknownArea: ``within`` names no place; InvalidCoverage: unknown ``status``.
        """
        return tables.coverage(
            self.model, within, status, include_national, include_adopted, include_narrower
        )

    def gaps(
        self,
        within: str | None = None,
        status: str = DEFAULT_STATUS,
        include_national: bool = False,
        order: str = "place",
    ) -> pd.DataFrame:
        """The gaps of :meth:`coverage` (authority-topic pairs with nothing), one row each, with
        the authority's need: ``babies_under_one``, ``imd_score``, ``imd_rank``,
        ``deprivation_weight`` and ``priority`` (their product; docs/coverage.md, "Need").

        Args:
            within, status, include_national: as for :meth:`coverage`.
            order: ``"need"`` puts the highest priority first (gaps without figures last);
                ``"place"`` keeps the matrix's order (authority, then topic).

        Returns:
            Columns ``rank``, ``locality``, ``locality_label``, ``gss``, ``topic``,
            ``topic_label`` and the need figures (missing values where the open data has none).

        Raises:
            UnknownArea: ``within`` names no place; InvalidCoverage: unknown ``status`` or
            ``order``.
        """
        matrix = cover(self.model, within, status, include_shared=include_national)
        rows = ranked_gaps(self.model, matrix, order)
        return pd.DataFrame(rows, columns=GAP_FIELDS).convert_dtypes()

    def adoption(self, within: str | None = None) -> pd.DataFrame:
        """Which local authority adopts which programme: a boolean authority x programme table.

        Returns:
            Rows: the authorities in ``within`` (the home area by default), adopters or not;
            columns: the titles of resources with adopting authorities; True where one adopts it.
        """
        return tables.adoption(self.model, within)

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
            self._searcher = open_searcher(self.version, self.settings)
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
            thesaurus recognised), a column per facet (``localities``, ``topics``,
            ``format``, ``audience``, ``status``: ids as in the graph), ``kind``,
            ``publisher``, ``summary``, ``uri``, ``close`` and ``tier`` (1 close and usable
            now, 2 close but not yet usable, 3 not close). ``frame.attrs`` holds ``query`` and
            ``truncated``.

        Raises:
            InvalidSearch: empty query, k out of range, or an unknown facet value.
        """
        return tables.hits(self.searcher.search(text, k=k, **filters))

    def embeddings(self) -> pd.DataFrame:
        """The search index's resource embeddings (unit vectors), one row per resource id."""
        index = self.searcher.index
        ids = pd.Index([r.id for r in index.resources], name="id")
        return pd.DataFrame(np.asarray(index.vectors, dtype=np.float32), index=ids)
