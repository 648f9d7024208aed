"""Pure domain logic: no Textual, no SQL, no I/O."""
