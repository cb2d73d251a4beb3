"""entrypoints of the workflow service."""
