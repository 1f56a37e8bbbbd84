"""Python checks named by policies (``impl: ctguard.checks.<module>:<function>``).

A module that holds rule entries is named after the ids it holds (``ct401_404_bucket_access.py``:
CT401-CT404) and each entry after its rule (``ct403_confused_deputy``); modules without ids are
helpers those entries share (``delivery_common``, ``selector_lint_walk``...)."""
