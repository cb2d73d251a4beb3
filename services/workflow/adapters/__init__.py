"""adapters of the workflow service."""
