"""Input parsers: each turns one kind of input into ``ParsedInput`` (see docs/architecture.md)."""
