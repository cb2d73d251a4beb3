"""The catalogue's domain: pure rules about service items, with no I/O.

Everything here can be unit-tested without PostgreSQL, NATS or gRPC; failures are
`mgov_common.errors` domain errors, and aggregates record domain events that the unit
of work turns into outbox rows.
"""
