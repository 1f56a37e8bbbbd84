"""Live audits: read CloudTrail and related resources through boto3 into a ``CallStore``."""
