"""Event plumbing: the CloudEvents envelope, the outbox and its relay, streams, consumers."""
