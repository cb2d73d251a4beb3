"""Demo data, kept as data files; loaded by `service_layer.seed`."""
