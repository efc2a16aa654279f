"""Staff tools: :mod:`.review` (what needs attention, for the CLI, the service and the
notebooks), :mod:`.linkcheck` (does each entry's address still open) and :mod:`.yamledit`
(writing one field of an entry back into the catalogue YAML)."""
