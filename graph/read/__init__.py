"""Reading the built graph: need per place (and, after the move, the read model and coverage)."""
