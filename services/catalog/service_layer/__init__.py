"""Use cases of the catalogue: each opens a unit of work, applies domain rules, commits."""
