"""Python checks named by policies (``impl: ctguard.checks.<module>:check``): one function each."""
