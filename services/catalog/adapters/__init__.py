"""PostgreSQL repositories, the unit of work and the page-token codec."""
