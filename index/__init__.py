"""The index stage: semantic and keyword search over the built graph.

Built by :mod:`.build` (``cradle build``): :mod:`.corpus` (the records search keeps, from the
read model), :mod:`.documents` (the text each resource is searched by), :mod:`.embed`,
:mod:`.transformer`, :mod:`.ort` and :mod:`.cache` (embeddings), :mod:`.snippets` and
:mod:`.spelling` (sentences and known words), written by :mod:`.files`.

Searched by :mod:`.search` (:class:`~.search.Searcher`) over :mod:`.loaded` in three stages:
rank (:mod:`.query`, :mod:`.situations`, :mod:`.postings`, :mod:`.rank`, :mod:`.text`), judge
(:mod:`.judge`, :mod:`.close`, :mod:`.usable`) and present (:mod:`.present`, :mod:`.explain`,
:mod:`.access`, :mod:`.urgent`), answering the typed :mod:`.hit`. :mod:`.evaluate` measures it
(``cradle eval``); :mod:`.commands` is what ``cradle search`` and ``cradle eval`` do.
"""
