"""Deploy context that parsers use for values the input leaves to deploy time."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What the command line and the walk tell every parser (account, region, variables, refused links)."""

    account_id: str | None = None  # --account: the account the IaC is deployed to
    region: str | None = None  # --region: the region it is deployed to
    partition: str = "aws"
    var_files: tuple[str, ...] = ()  # Terraform --var-file, in order
    variables: dict[str, str] = field(default_factory=dict)  # Terraform -var / CFN parameter overrides
    # Links the walk refused (they leave the scanned tree; already reported as CT001): a Terraform
    # module directory that holds one reads its other files only.
    refused: frozenset[str] = frozenset()
