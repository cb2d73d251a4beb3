"""The identity domain: pure rules and entities (no I/O, no grpc, no database).

Entities raise `mgov_common.errors` domain errors naming the offending field and record
the events their changes cause; the service layer persists them and hands the events
to the outbox in the same transaction.
"""
