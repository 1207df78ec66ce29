"""Pure domain logic: exercise clock, compliance evaluation, event-log hashing. No Flask, no db, no I/O."""
