"""seed of the workflow service."""
