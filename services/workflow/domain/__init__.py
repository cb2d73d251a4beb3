"""The workflow domain: pure code (no I/O). Definitions and their validation, the case
state machine, the working-day calendar and SLA arithmetic, ratings and rectification."""
