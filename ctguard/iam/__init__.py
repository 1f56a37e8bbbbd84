"""Static, three-valued evaluation of AWS IAM / resource policy documents.

``document`` normalises a JSON-like policy, ``matching`` and ``conditions`` implement the
element semantics, ``evaluate`` decides requests, ``public`` answers S3's "is this policy
public?" and TLS questions, and ``cloudtrail_access`` asks the questions a CloudTrail
configuration depends on (bucket delivery, key encryption, log role, topic publish).

Any value a parser could not resolve arrives as ``ctguard.values.Unknown``; every answer
here is True, False or Unknown(reason), and is Unknown only when the Unknown could change it.
"""
