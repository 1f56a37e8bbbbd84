"""ctguard's policies as cfn-lint rules, for teams that already run cfn-lint.

    pip install 'ctguard[cfn-lint]'
    cfn-lint --append-rules ctguard.integrations.cfnlint.rules -- template.yaml

Each ctguard policy becomes one cfn-lint rule whose id encodes its severity the cfn-lint way:
``E9101`` (CT101, high or critical), ``W9103`` (medium or low), ``I9108`` (info; cfn-lint shows
informational rules with ``--include-checks I``).  Input problems (CT001-CT005) are left to
cfn-lint's own E0000/E3xxx rules.  ctguard's suppressions (inline comments, Metadata.ctguard)
apply, and so does cfn-lint's ``Metadata.cfn-lint.config.ignore_checks``.

Nothing here is imported by ``ctguard`` itself: cfn-lint costs over a second to import.
"""
