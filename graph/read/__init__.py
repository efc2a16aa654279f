"""The read side: the read model, bulk reads, place x topic coverage, gaps by need, ORUK."""
