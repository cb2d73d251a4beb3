"""service_layer of the workflow service."""
