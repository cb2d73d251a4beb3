"""Demo data (DESIGN §6), kept as data files; loaded by `service_layer.seed`."""
