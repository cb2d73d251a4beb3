"""Ways into the catalogue: the gRPC servicer and the event consumers."""
