"""The read side: the read model, bulk reads and place x topic coverage."""
