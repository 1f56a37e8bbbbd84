"""AWS answers to the model: describe-trails output, CLI answers, snapshots and live-audit
call stores (``ctguard.calls``), answer shapes checked against botocore.
"""
