"""Pure rules of the notification service: no I/O, no clock of their own."""
