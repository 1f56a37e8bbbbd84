"""Trails compiled to SQL predicates: the same verdicts as the Python evaluator, for volume.

One compiler, two dialects:

* ``athena``: the standard CloudTrail table of the Athena documentation (``cloudtrail_logs``:
  ``eventsource``, ``eventname``, ``eventcategory``, ``eventtype``, ``readonly`` (string),
  ``recipientaccountid``, ``awsregion``, ``useridentity`` struct, ``resources``
  array<struct<arn, accountid, type>>, ``tlsdetails`` struct, ...).  That table has no
  ``managementevent`` and no ``ARNPrefix``, and Insights records live under a separate prefix,
  so three facts are read differently there: category falls from eventType straight to the
  data-API catalogue, ARNPrefix-only resources have no ARN, and Insights are not simulated.
* ``duckdb``: a view over the same archive files ``--events`` reads, extracting every field
  exactly as ``Event.from_record`` does (``duckdb_view``); ``tests/unit/simulate/test_sql.py``
  checks it agrees with the Python evaluator on every record of the shared dataset.

SQL's NULL is the third truth value: Kleene AND/OR are exactly the evaluator's stage and
selector combination, so a predicate is NULL where the verdict is unknown.  Each predicate
is built from a trail's ``CompiledTrail`` (effective values, normalized selectors, per
category plans), not re-derived from the model, so both engines share every decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from ctguard.simulate.catalogue import (
    _PARTITION_PREFIXES,
    DATA_APIS,
    GLOBAL_REGION_BY_PARTITION,
    GLOBAL_SOURCES,
    OPT_IN_REGIONS,
    STS_GLOBAL_HOSTS,
    STS_SOURCE,
    partition_of,
)
from ctguard.simulate.evaluate import CompiledTrail
from ctguard.simulate.matcher import CompiledSelector, Condition, _selector_types
from ctguard.simulate.policy import SimPolicy
from ctguard.simulate.scope import insight_stage
from ctguard.values import Unknown

DIALECTS = ("athena", "duckdb")
NULL = "CAST(NULL AS BOOLEAN)"
_TRI = {0: "FALSE", 1: "TRUE", 2: NULL}
_SINGLE = {
    "eventCategory": "_cat",
    "eventSource": "_src",
    "eventName": "_name",
    "eventType": "_etype",
    "errorCode": "_err",
    "vpcEndpointId": "_vpce",
    "userIdentity.arn": "_uarn",
    "readOnly": "_ro",
}


class SqlUnsupported(Exception):
    pass


def lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _in(expr: str, values: Sequence[str]) -> str:
    if not values:
        return "FALSE"
    return f"{expr} IN ({', '.join(lit(v) for v in sorted(values))})"


def _starts(expr: str, prefixes: Sequence[str]) -> list[str]:
    return [f"substr({expr}, 1, {len(p)}) = {lit(p)}" for p in prefixes]


def _ends(expr: str, suffixes: Sequence[str]) -> list[str]:
    return [
        f"(length({expr}) >= {len(s)} AND substr({expr}, length({expr}) - {len(s) - 1}) = {lit(s)})" for s in suffixes
    ]


def _or(parts: Sequence[str]) -> str:
    parts = [p for p in parts if p != "FALSE"]
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _and(parts: Sequence[str]) -> str:
    parts = [p for p in parts if p != "TRUE"]
    if "FALSE" in parts:
        return "FALSE"
    return "(" + " AND ".join(parts) + ")" if parts else "TRUE"


def _exists(dialect: str, list_expr: str, var: str, pred: str) -> str:
    if dialect == "duckdb":
        return f"(len(list_filter({list_expr}, lambda {var}: coalesce({pred}, FALSE))) > 0)"
    return f"coalesce(any_match({list_expr}, {var} -> coalesce({pred}, FALSE)), FALSE)"


def _partition(expr: str) -> str:
    whens = " ".join(f"WHEN substr({expr}, 1, {len(p)}) = {lit(p)} THEN {lit(part)}" for p, part in _PARTITION_PREFIXES)
    return f"(CASE {whens} ELSE 'aws' END)"


def _global_region(expr: str) -> str:
    part = _partition(expr)
    whens = " ".join(f"WHEN {lit(p)} THEN {lit(r)}" for p, r in GLOBAL_REGION_BY_PARTITION.items())
    return f"(CASE {part} {whens} ELSE 'us-east-1' END)"


# -- derived columns (what Event.from_record computes) -----------------------------------------
def derived_columns(policy: SimPolicy, *, has_managementevent: bool, has_insights: bool) -> str:
    """SELECT list over the raw columns (src_*), producing the _-prefixed columns predicates use."""
    cat = [
        "WHEN src_eventcategory IS NOT NULL AND src_eventcategory <> '' THEN src_eventcategory",
        "WHEN src_eventtype = 'AwsCloudTrailInsight' THEN 'Insight'",
        "WHEN src_eventtype = 'AwsVpceEvent' THEN 'NetworkActivity'",
    ]
    if has_managementevent:
        cat += ["WHEN src_managementevent = 'true' THEN 'Management'", "WHEN src_managementevent = 'false' THEN 'Data'"]
    if policy.use_data_api_catalogue:
        for source, names in sorted(DATA_APIS.items()):
            cat.append(f"WHEN src_eventsource = {lit(source)} AND {_in('src_eventname', sorted(names))} THEN 'Data'")
    acct = "src_recipientaccountid"
    if policy.recipient_falls_back_to_caller:
        acct = f"coalesce({acct}, src_useridentity_accountid)"
    cols = [
        f"(CASE {' '.join(cat)} ELSE 'Management' END) AS _cat",
        "src_eventsource AS _src",
        "src_eventname AS _name",
        "src_eventtype AS _etype",
        "src_readonly AS _ro",
        f"{acct} AS _acct",
        "src_awsregion AS _region",
        "src_errorcode AS _err",
        "src_vpcendpointid AS _vpce",
        "src_useridentity_arn AS _uarn",
        "src_console AS _console",
        "src_host AS _host",
        "src_resources AS _res",
    ]
    if has_insights:
        cols += ["src_insighttype AS _itype", "coalesce(nullif(src_insightcategory, ''), 'Management') AS _icat"]
    else:
        cols += ["CAST(NULL AS VARCHAR) AS _itype", "'Management' AS _icat"]
    return ", ".join(cols)


def gse_expr(policy: SimPolicy) -> str:
    """OPEN-Q3 in SQL: events.py ``_global``; NULL where the endpoint cannot be told."""
    forced = policy.sts_without_host_header_is_global
    no_host = NULL if forced is None else ("TRUE" if forced else "FALSE")
    sources = sorted(GLOBAL_SOURCES | policy.extra_global_sources)
    return (
        f"(CASE WHEN _cat = 'Insight' THEN FALSE WHEN {_in('_src', sources)} THEN TRUE "
        f"WHEN _src = {lit(STS_SOURCE)} THEN (CASE WHEN _host IS NOT NULL THEN {_in('_host', sorted(STS_GLOBAL_HOSTS))} "
        f"WHEN _region IS NULL OR _region <> {_global_region('_region')} THEN FALSE ELSE {no_host} END) "
        f"ELSE FALSE END)"
    )


# -- stages ------------------------------------------------------------------------------------
def _account(t: CompiledTrail) -> str:
    eff, ctx = t.effective, t.ctx
    own = eff.account_id
    org = eff.is_organization
    org_code = 2 if isinstance(org, Unknown) else int(bool(org))
    if org_code == 0:
        other = NULL if isinstance(own, Unknown) else "FALSE"
    elif ctx.organization_accounts is None:
        other = NULL
    else:
        member = "TRUE"
        if org_code == 2:
            member = NULL
        else:
            home = eff.home_region
            if isinstance(home, str) and home in OPT_IN_REGIONS:
                yes = [a for a, regs in ctx.enabled_regions.items() if home in regs]
                no = [a for a, regs in ctx.enabled_regions.items() if home not in regs]
                member = f"(CASE WHEN {_in('_acct', yes)} THEN TRUE WHEN {_in('_acct', no)} THEN FALSE ELSE {NULL} END)"
        other = f"(CASE WHEN {_in('_acct', sorted(ctx.organization_accounts))} THEN {member} ELSE FALSE END)"
    own_test = f"_acct = {lit(own)}" if isinstance(own, str) else "FALSE"
    return f"(CASE WHEN _acct IS NULL THEN {NULL} WHEN {own_test} THEN TRUE ELSE {other} END)"


def _regional(t: CompiledTrail) -> str:
    eff, ctx = t.effective, t.ctx
    home, multi = eff.home_region, eff.is_multi_region
    whens = []
    if isinstance(home, str):
        whens.append(f"WHEN _region IS NOT NULL AND {_partition('_region')} <> {lit(partition_of(home))} THEN FALSE")
        whens.append(f"WHEN _region = {lit(home)} THEN TRUE")
    if multi is True:
        for acct, regions in sorted(ctx.enabled_regions.items()):
            whens.append(
                f"WHEN _region IS NOT NULL AND _acct = {lit(acct)} AND NOT {_in('_region', sorted(regions))} THEN FALSE"
            )
        rest = "TRUE"
    elif isinstance(multi, Unknown) or isinstance(home, Unknown):
        rest = NULL
    else:
        whens.append(f"WHEN _region IS NULL THEN {NULL}")
        rest = "FALSE"
    return f"(CASE {' '.join(whens)} ELSE {rest} END)" if whens else rest


def _global(t: CompiledTrail) -> str:
    eff = t.effective
    igse = eff.include_global_service_events
    if igse is False:
        return "FALSE"
    multi, home = eff.is_multi_region, eff.home_region
    whens = []
    if isinstance(home, str):
        whens.append(f"WHEN _region IS NOT NULL AND {_partition('_region')} <> {lit(partition_of(home))} THEN FALSE")
    if multi is True:
        place = "TRUE"
    elif isinstance(home, Unknown):
        place = NULL
    else:
        otherwise = "FALSE" if multi is False else NULL
        where = "coalesce(nullif(_region, ''), " + lit(home) + ")"  # Python: region or home
        place = f"(CASE WHEN {_global_region(where)} = {lit(home)} THEN TRUE ELSE {otherwise} END)"
    if isinstance(igse, Unknown):
        place = f"(CASE WHEN {place} = FALSE THEN FALSE ELSE {NULL} END)"
    return f"(CASE {' '.join(whens)} ELSE {place} END)" if whens else place


def _region(t: CompiledTrail, gse: str) -> str:
    g, r = _global(t), _regional(t)
    return (
        f"(CASE WHEN {gse} IS NULL THEN (CASE WHEN {g} IS NOT DISTINCT FROM {r} THEN {g} ELSE {NULL} END) "
        f"WHEN {gse} THEN {g} ELSE {r} END)"
    )


def _insights(t: CompiledTrail) -> str:
    sels = None if t.mode == "unknown" else t.normalized.selectors
    chosen = t.effective.insight_selectors
    types = {"ApiCallRateInsight", "ApiErrorRateInsight"}
    cats = {"Management", "Data"}
    if not isinstance(chosen, Unknown):
        for s in chosen:
            if isinstance(s.insight_type, str):
                types.add(s.insight_type)
            cats.update(c for c in (s.event_categories or ()) if isinstance(c, str))
    whens = [f"WHEN _itype IS NULL THEN {_TRI[insight_stage(t.effective, None, 'Management', sels)[0]]}"]
    for ty in sorted(types):
        for c in sorted(cats):
            code = insight_stage(t.effective, ty, c, sels)[0]
            whens.append(f"WHEN _itype = {lit(ty)} AND _icat = {lit(c)} THEN {_TRI[code]}")
    other = insight_stage(t.effective, "\x00other", "\x00other", sels)[0]
    return f"(CASE {' '.join(whens)} ELSE {_TRI[other]} END)"


# -- selectors ---------------------------------------------------------------------------------
def _resource_values(dialect: str, cond: Condition, policy: SimPolicy, types: frozenset[str] | None) -> tuple[str, str]:
    """(a resource's value, per-resource presence test) for the multi-valued fields (R25, R26)."""
    if cond.field == "resources.type":
        return "r.type", "r.type IS NOT NULL"
    ok = ["r.arn IS NOT NULL"]
    if types is not None:
        ok.append(_in("r.type", sorted(types)))
    if not policy.arn_prefix_as_arn and dialect == "duckdb":
        ok.append("NOT coalesce(r.is_prefix, FALSE)")  # the Athena table has no ARNPrefix at all
    return "r.arn", _and(ok)


def _value_tests(cond: Condition, x: str) -> tuple[str, str]:
    """(deselect hit, select hit) for one value expression."""
    desel = _or([_in(x, sorted(cond.neq)), *_starts(x, cond.nsw), *_ends(x, cond.new)])
    sel = _or([_in(x, sorted(cond.eq)), *_starts(x, cond.sw), *_ends(x, cond.ew)])
    return desel, sel


def condition_sql(dialect: str, cond: Condition, policy: SimPolicy, types: frozenset[str] | None = None) -> str:
    if cond.always >= 0:
        return _TRI[cond.always]
    absent = _TRI[cond.absent_code]
    miss = NULL if cond.unk_select else "FALSE"
    match = NULL if cond.unk_deselect else "TRUE"
    if cond.multi:
        value, present = _resource_values(dialect, cond, policy, types)
        desel, sel = _value_tests(cond, value)
        has = _exists(dialect, "_res", "r", present)
        whens = [f"WHEN NOT {has} THEN {absent}"]
        if desel != "FALSE":
            whens.append(f"WHEN {_exists(dialect, '_res', 'r', _and([present, desel]))} THEN FALSE")
        if cond.has_select:
            whens.append(f"WHEN NOT {_exists(dialect, '_res', 'r', _and([present, sel]))} THEN {miss}")
        return f"(CASE {' '.join(whens)} ELSE {match} END)"
    if cond.field == "sessionCredentialFromConsole":
        x = "coalesce(_console, 'false')" if policy.console_flag_absent_is_false else "_console"
    else:
        x = _SINGLE.get(cond.field or "", "CAST(NULL AS VARCHAR)")
    desel, sel = _value_tests(cond, x)
    whens = [f"WHEN {x} IS NULL THEN {absent}"]
    if desel != "FALSE":
        whens.append(f"WHEN {desel} THEN FALSE")
    if cond.has_select:
        whens.append(f"WHEN NOT {sel} THEN {miss}")
    return f"(CASE {' '.join(whens)} ELSE {match} END)"


def _selectors(dialect: str, t: CompiledTrail) -> str:
    if t.mode == "unknown":
        return NULL
    policy = t.ctx.policy
    branches = []
    for cat in ("Management", "Data", "NetworkActivity"):
        ors = []
        for sel in t.selectors.compiled:
            plan = sel.plan(cat)
            if plan.static is not None:
                ors.append("FALSE")  # a static plan is always a miss (wrong category, invalid)
                continue
            types = _types(sel)
            parts = [condition_sql(dialect, c, policy, types) for c in plan.conds]
            if plan.unknown_index >= 0:
                parts.append(NULL)
            ors.append(_and(parts))
        branches.append(f"WHEN {lit(cat)} THEN {_or(ors)}")
    # Any other category: selectors cannot name it on trails (strict) or run literally.
    ors = []
    for sel in t.selectors.compiled:
        if not sel.conditions or policy.strict_trail_fields:
            continue
        ors.append(_and([condition_sql(dialect, c, policy, _types(sel)) for c in sel.conditions]))
    return f"(CASE _cat {' '.join(branches)} ELSE {_or(ors)} END)"


def _types(sel: CompiledSelector) -> frozenset[str] | None:
    types = _selector_types(sel.selector.field_selectors)
    return None if isinstance(types, Unknown) else types  # Unknown: the ARN condition is always unknown


def trail_predicate(t: CompiledTrail, dialect: str = "duckdb") -> str:
    """Boolean SQL over the derived columns: TRUE captured, FALSE missed, NULL unknown."""
    if dialect not in DIALECTS:
        raise SqlUnsupported(f"unknown SQL dialect {dialect!r}; choose {', '.join(DIALECTS)}")
    logging = _TRI[{True: 1, False: 0}.get(t.effective.is_logging, 2)]  # type: ignore[arg-type]  # an Unknown key is simply not found: 2
    gse = gse_expr(t.ctx.policy)
    last = f"(CASE WHEN _cat = 'Insight' THEN {_insights(t)} ELSE {_selectors(dialect, t)} END)"
    return _and([logging, _account(t), _region(t, gse), last])


def verdict_column(t: CompiledTrail, dialect: str, name: str) -> str:
    p = trail_predicate(t, dialect)
    return f"(CASE WHEN {p} THEN 'captured' WHEN NOT {p} THEN 'missed' ELSE 'unknown' END) AS {name}"


def column_name(i: int) -> str:
    return f"t{i}"


# -- whole queries -----------------------------------------------------------------------------
_ATHENA_SOURCE = """SELECT eventcategory AS src_eventcategory, eventtype AS src_eventtype,
    eventsource AS src_eventsource, eventname AS src_eventname,
    lower(readonly) AS src_readonly, recipientaccountid AS src_recipientaccountid,
    useridentity.accountid AS src_useridentity_accountid, useridentity.arn AS src_useridentity_arn,
    awsregion AS src_awsregion, errorcode AS src_errorcode, vpcendpointid AS src_vpcendpointid,
    lower(sessioncredentialfromconsole) AS src_console, tlsdetails.clientprovidedhostheader AS src_host,
    resources AS src_resources, eventtime AS src_eventtime
  FROM {table}{where}"""


def athena_query(trails: list[CompiledTrail], table: str = "cloudtrail_logs", where: str = "") -> str:
    """Counts per category, source and name with one verdict column per trail, for Athena."""
    if not trails:
        raise SqlUnsupported("no trails to compile")
    policy = trails[0].ctx.policy
    derived = derived_columns(policy, has_managementevent=False, has_insights=False)
    cols = [verdict_column(t, "athena", column_name(i)) for i, t in enumerate(trails)]
    names = ", ".join(column_name(i) for i in range(len(trails)))
    legend = "\n".join(f"-- {column_name(i)} = {t.key}" for i, t in enumerate(trails))
    src = _ATHENA_SOURCE.format(table=table, where=f"\n  WHERE {where}" if where else "")
    return (
        f"-- ctguard simulate: which trail would capture which records (captured/missed/unknown).\n{legend}\n"
        f"WITH raw AS (\n  {src}\n),\nev AS (SELECT {derived}, src_eventtime AS _time FROM raw),\n"
        f"v AS (SELECT _cat, _src, _name, _ro, _acct, _region, _time,\n  " + ",\n  ".join(cols) + " FROM ev)\n"
        f"SELECT _cat AS category, _src AS eventsource, _name AS eventname, {names}, count(*) AS events,\n"
        f"  min(_time) AS first_time, max(_time) AS last_time\n"
        f"FROM v GROUP BY _cat, _src, _name, {names}\nORDER BY events DESC"
    )


def _jstr(path: str) -> str:
    return f"(CASE WHEN json_type(r, '{path}') = 'VARCHAR' THEN json_extract_string(r, '{path}') END)"


def _jbool(path: str) -> str:
    # Event._b: JSON booleans, or the strings "true"/"false" in any case.
    return (
        f"(CASE json_type(r, '{path}') WHEN 'BOOLEAN' THEN json_extract_string(r, '{path}') "
        f"WHEN 'VARCHAR' THEN (CASE WHEN lower(json_extract_string(r, '{path}')) IN ('true', 'false') "
        f"THEN lower(json_extract_string(r, '{path}')) END) END)"
    )


def duckdb_view(files: Sequence[str]) -> str:
    """Raw columns (src_*) from CloudTrail files, extracted as Event.from_record does."""
    file_list = "[" + ", ".join(lit(f) for f in files) + "]"
    res = (
        "list_transform(list_filter(coalesce(json_extract(r, '$.resources[*]'), []), "
        "lambda x: json_type(x) = 'OBJECT'), lambda x: {"
        "'type': (CASE WHEN json_type(x, '$.type') = 'VARCHAR' THEN json_extract_string(x, '$.type') END), "
        "'arn': (CASE WHEN json_type(x, '$.ARN') = 'VARCHAR' THEN json_extract_string(x, '$.ARN') "
        "WHEN coalesce(json_type(x, '$.ARN'), 'NULL') = 'NULL' AND json_type(x, '$.arn') = 'VARCHAR' THEN json_extract_string(x, '$.arn') "
        "WHEN json_type(x, '$.ARNPrefix') = 'VARCHAR' THEN json_extract_string(x, '$.ARNPrefix') END), "
        "'is_prefix': (NOT (json_type(x, '$.ARN') = 'VARCHAR' OR (coalesce(json_type(x, '$.ARN'), 'NULL') = 'NULL' AND "
        "json_type(x, '$.arn') = 'VARCHAR')) AND json_type(x, '$.ARNPrefix') = 'VARCHAR')})"
    )
    return f"""SELECT
    {_jstr("$.eventCategory")} AS src_eventcategory, {_jstr("$.eventType")} AS src_eventtype,
    {_jstr("$.eventSource")} AS src_eventsource, {_jstr("$.eventName")} AS src_eventname,
    {_jbool("$.readOnly")} AS src_readonly, {_jbool("$.managementEvent")} AS src_managementevent,
    {_jstr("$.recipientAccountId")} AS src_recipientaccountid,
    (CASE WHEN json_type(r, '$.userIdentity') = 'OBJECT' THEN {_jstr("$.userIdentity.accountId")} END) AS src_useridentity_accountid,
    (CASE WHEN json_type(r, '$.userIdentity') = 'OBJECT' THEN {_jstr("$.userIdentity.arn")} END) AS src_useridentity_arn,
    {_jstr("$.awsRegion")} AS src_awsregion, {_jstr("$.errorCode")} AS src_errorcode,
    {_jstr("$.vpcEndpointId")} AS src_vpcendpointid, {_jbool("$.sessionCredentialFromConsole")} AS src_console,
    (CASE WHEN json_type(r, '$.tlsDetails') = 'OBJECT' THEN {_jstr("$.tlsDetails.clientProvidedHostHeader")} END) AS src_host,
    (CASE WHEN json_type(r, '$.resources') = 'ARRAY' THEN {res} ELSE [] END) AS src_resources,
    (CASE WHEN json_type(r, '$.insightDetails') = 'OBJECT' THEN {_jstr("$.insightDetails.insightType")} END) AS src_insighttype,
    (CASE WHEN json_type(r, '$.insightDetails') = 'OBJECT' THEN {_jstr("$.insightDetails.sourceEventCategory")} END) AS src_insightcategory,
    {_jstr("$.eventTime")} AS src_eventtime, CAST(r AS VARCHAR) AS src_json
  FROM (
    SELECT unnest(CASE WHEN json_type(json, '$.Records') = 'ARRAY' THEN json_extract(json, '$.Records[*]')
                       WHEN json_type(json) = 'ARRAY' THEN json_extract(json, '$[*]') ELSE [json] END) AS r
    FROM read_json_objects({file_list}, format = 'auto')
  )
  WHERE json_type(r) = 'OBJECT'"""


def duckdb_query(trails: list[CompiledTrail], files: Sequence[str], *, per_record: bool = False) -> str:
    policy = trails[0].ctx.policy
    derived = derived_columns(policy, has_managementevent=True, has_insights=True)
    cols = ",\n  ".join(verdict_column(t, "duckdb", column_name(i)) for i, t in enumerate(trails))
    names = ", ".join(column_name(i) for i in range(len(trails)))
    base = f"WITH raw AS ({duckdb_view(files)}),\nev AS (SELECT {derived}, src_eventtime AS _time, src_json FROM raw)\n"
    if per_record:
        return base + f"SELECT src_json, _cat, {cols} FROM ev"
    return (
        base + f", v AS (SELECT _cat, _src, _name, _ro, _acct, _region, _time,\n  {cols} FROM ev)\n"
        f"SELECT _cat, _src, _name, _ro, _acct, _region, {names}, count(*) AS n, min(_time), max(_time)\n"
        f"FROM v GROUP BY ALL"
    )


__all__ = [
    "DIALECTS",
    "SqlUnsupported",
    "athena_query",
    "condition_sql",
    "derived_columns",
    "duckdb_query",
    "duckdb_view",
    "trail_predicate",
]
