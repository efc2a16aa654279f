"""The read side: the read model, bulk reads, place x topic coverage and need per place."""
