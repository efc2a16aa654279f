"""The read side of a built graph: :mod:`.readmodel` (resources and terms as typed records),
:mod:`.bulk` (its bulk SPARQL reads), :mod:`.coverage` (place x topic counts), :mod:`.priority`
(gaps ranked by need) and :mod:`.oruk` (the Open Referral UK export)."""
