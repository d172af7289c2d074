"""Pure types and rules of code enforcement: no I/O, safe to import into workflow code."""
