"""`mgov paysim`: a payment provider simulator speaking WeChat Pay API v3 (demo and tests)."""
