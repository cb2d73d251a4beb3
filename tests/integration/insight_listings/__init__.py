"""Insight reading its owners' listings, against identity, catalog and workflow serving
over real gRPC: one set of the three for the whole package (conftest.py)."""
