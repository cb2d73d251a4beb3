"""Benchmarks for the platform foundation: `python -m bench` (or `make bench`).

Prints figures; never asserts timings. Two sections:

* `bench.cold_up`  - wall time from spawning `mgov up` until the gateway's /readyz is 200.
* `bench.outbox`   - outbox relay throughput against raw JetStream publishing, measured in
  the same run against embedded NATS + PostgreSQL started by the bench.

`python -m bench.relay_profile` breaks the relay's time down (investigation aid).
See docs/benchmarks.md.
"""
