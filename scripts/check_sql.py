#!/usr/bin/env python3
"""Runs an exported leadscore SQL file on a real engine and compares it with `leadscore score`.

    check_sql.py --engine duckdb|sqlite|spark --csv LEADS.csv --table NAME --sql FILE.sql \
                 --score SCORED.csv --id lead_id [--tolerance 1e-9] [--reasons exact|agreement]

The CSV is loaded with every column as text (as `score` reads it; blank cells are NULL), the
SQL is run, and each lead's probability must be within the tolerance of the probability in
the score file (written with `--precision 17`), its percentile and grade equal. Prints the
largest difference; exits 1 on any mismatch.

With `--rules` (an export made with `export sql --rules`), `--activities-csv LOG.csv` is loaded
as table `--activities-table` and the rule columns must equal the score file's (written by
`score --rules`): rule_score, fit_score and engagement_score rounded as the file rounds them
(two decimals, half away from zero), rule_grade, rule_status, stage, action, persona and
disqualified identical. DuckDB and Spark (Python's sqlite3 has no regexp()).
With `--reasons` the SQL was exported with `--reasons K` and the score file written with the
same K: `exact` requires each lead's `reasons` text to equal the score file's (logistic
bundles); `agreement` prints how often the reasons agree (boosted trees, whose exported
reasons approximate TreeSHAP): the same strongest column up and down, the same top-K columns
each way as sets, and the same columns in the same order.

Spark (`--engine spark`) runs in local mode with 2 threads through pyspark, the CSV loaded
as an all-string DataFrame (blank cells null) registered as a temporary view.
"""
import decimal
import argparse
import bisect
import csv
import json
import math
import sqlite3
import sys


def load_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def run_duckdb(args):
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE {quote(args.table)} AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [args.csv],
    )
    if args.activities_csv:
        con.execute(
            f"CREATE TABLE {quote(args.activities_table)} AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [args.activities_csv],
        )
    cur = con.execute(open(args.sql, encoding="utf-8").read())
    args.columns = [d[0] for d in cur.description]
    return cur.fetchall(), "DuckDB " + duckdb.__version__


def run_sqlite(args):
    con = sqlite3.connect(":memory:")
    header, rows = load_rows(args.csv)
    cols = ", ".join(quote(h) + " TEXT" for h in header)
    con.execute(f"CREATE TABLE {quote(args.table)} ({cols})")
    con.executemany(
        f'INSERT INTO {quote(args.table)} VALUES ({", ".join("?" * len(header))})',
        [[v if v != "" else None for v in r] for r in rows],
    )
    return con.execute(open(args.sql, encoding="utf-8").read()).fetchall(), "SQLite " + sqlite3.sqlite_version


def two_decimals(x):
    """As the score file rounds points: (x * 100).round() / 100, half away from zero."""
    y = decimal.Decimal(x * 100.0).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP)
    return float(y) / 100.0


def rule_problems(lead, got, w, ix):
    out = []
    for c in ("rule_score", "fit_score", "engagement_score"):
        if two_decimals(float(got[c])) != float(w[ix[c]]):
            out.append(f"{lead}: {c} {got[c]!r} vs score {w[ix[c]]}")
    for c in ("rule_grade", "rule_status", "stage", "action", "persona"):
        if got[c] != w[ix[c]]:
            out.append(f"{lead}: {c} {got[c]!r} vs score {w[ix[c]]!r}")
    if str(got["disqualified"]).lower() != w[ix["disqualified"]]:
        out.append(f"{lead}: disqualified {got['disqualified']} vs score {w[ix['disqualified']]}")
    return out
def run_spark(args):
    import logging

    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType, StructField, StructType

    logging.getLogger("py4j").setLevel(logging.ERROR)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("leadscore check_sql")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.showConsoleProgress", "false")
        # The exported expressions outgrow the JVM's 64 KB method limit that Spark's generated
        # code must fit; Spark would try, log the failure and fall back to interpreting them.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    header, rows = load_rows(args.csv)
    schema = StructType([StructField(h, StringType(), True) for h in header])
    df = spark.createDataFrame([[v if v != "" else None for v in r] for r in rows], schema)
    df.createOrReplaceTempView(args.table)
    if args.activities_csv:
        h, r = load_rows(args.activities_csv)
        log = spark.createDataFrame(
            [[v if v != "" else None for v in row] for row in r],
            StructType([StructField(c, StringType(), True) for c in h]),
        )
        log.createOrReplaceTempView(args.activities_table)
    sql = open(args.sql, encoding="utf-8").read().strip().rstrip(";")
    result = spark.sql(sql)
    args.columns = result.columns
    got = [tuple(r) for r in result.collect()]
    version = "Spark " + spark.version
    spark.stop()
    return got, version


def reason_columns(text):
    """The columns of a reasons text, up and down: ([up...], [down...])."""
    up, down = [], []
    for item in text.split("; ") if text else []:
        head, pp = item.rsplit(" (", 1)
        (up if pp.startswith("+") else down).append(head.split(" = ")[0])
    return up, down


def compare_reasons(mode, got, want, ix, id_col):
    """Problems (exact) or an agreement line (agreement)."""
    problems, same, sets, first = [], 0, 0, 0
    for row in got:
        w = want.get(str(row[0]))
        if w is None:
            continue
        mine, theirs = row[4] or "", w[ix["reasons"]]
        if mode == "exact" and mine != theirs:
            problems.append(f"{row[0]}: reasons {mine!r}\n    score:  {theirs!r}")
        a, b = reason_columns(mine), reason_columns(theirs)
        same += a == b
        sets += set(a[0]) == set(b[0]) and set(a[1]) == set(b[1])
        first += a[0][:1] == b[0][:1] and a[1][:1] == b[1][:1]
    n = max(len(got), 1)
    line = (
        f"reasons vs score: same strongest up and down {100 * first / n:.2f}% of leads, "
        f"same top columns each way {100 * sets / n:.2f}%, same columns in the same order {100 * same / n:.2f}%"
    )
    return problems, line


def tie(p, q, cuts):
    """Whether the engine's probability `p` and score's `q` (as the score file has it: rounded
    to 17 decimals, itself a few units in the last place off) both lie within 4 units in the
    last place of a grade cut-off: a tie that the last bit of `exp` decides."""
    near = lambda x, c: abs(x - c) <= 4 * math.ulp(c)
    i = bisect.bisect_left(cuts, min(p, q) - 8 * math.ulp(max(p, q)))
    while i < len(cuts) and cuts[i] <= max(p, q) + 8 * math.ulp(max(p, q)):
        if near(p, cuts[i]) and near(q, cuts[i]):
            return True
        i += 1
    return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["duckdb", "sqlite", "spark"], required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--sql", required=True)
    p.add_argument("--score", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--tolerance", type=float, default=1e-9)
    p.add_argument("--rules", action="store_true")
    p.add_argument("--activities-csv")
    p.add_argument("--activities-table", default="activities")
    p.add_argument("--reasons", choices=["exact", "agreement"])
    p.add_argument(
        "--bundle",
        help="the bundle: a grade that differs only because the engine's probability is a last-bit "
        "rounding away from score's, across one of the bundle's grade cut-offs, is reported as such "
        "instead of failing (engines whose exp is not glibc's: Spark); percentiles must be equal",
    )
    args = p.parse_args()

    run = {"duckdb": run_duckdb, "sqlite": run_sqlite, "spark": run_spark}[args.engine]
    got, version = run(args)
    header, rows = load_rows(args.score)
    ix = {h: i for i, h in enumerate(header)}
    want = {r[ix[args.id]]: r for r in rows}
    problems, worst, ties, grade_ties = [], 0.0, 0, 0
    cuts = []
    if args.bundle:
        b = json.load(open(args.bundle, encoding="utf-8"))
        # Percentiles compare probabilities in billionths (score's rank_key), which a last-bit
        # difference does not change; grades compare them exactly with the cut-offs.
        cuts = sorted(b["grades"][g] for g in "abc")
    if len(got) != len(want):
        problems.append(f"{len(got)} rows from SQL, {len(want)} in the score file")
    for row in got:
        lead, prob, pct, grade = row[:4]
        w = want.get(str(lead))
        if w is None:
            problems.append(f"{lead}: not in the score file")
            continue
        diff = abs(float(prob) - float(w[ix["probability"]]))
        worst = max(worst, diff)
        if diff > args.tolerance:
            problems.append(f"{lead}: probability {prob!r} vs score {w[ix['probability']]}")
        differs = abs(float(pct) - float(w[ix["percentile"]])) > 1e-9 or grade != w[ix["grade"]]
        if differs and tie(float(prob), float(w[ix["probability"]]), cuts):
            ties += 1
            grade_ties += grade != w[ix["grade"]]
            continue
        if abs(float(pct) - float(w[ix["percentile"]])) > 1e-9:
            problems.append(
                f"{lead}: percentile {pct} vs score {w[ix['percentile']]} (probability {prob!r} vs {w[ix['probability']]})"
            )
        if grade != w[ix["grade"]]:
            problems.append(f"{lead}: grade {grade} vs score {w[ix['grade']]} (probability {prob!r} vs {w[ix['probability']]})")
        if args.rules:
            problems.extend(rule_problems(lead, dict(zip(args.columns, row)), w, ix))
    reasons_line = None
    if args.reasons:
        more, reasons_line = compare_reasons(args.reasons, got, want, ix, args.id)
        problems += more
    print(
        f"{version}: {len(got)} leads, max |probability - score| = {worst:.3g}, {len(problems)} mismatches"
    )
    if reasons_line:
        print("  " + reasons_line)
    if args.bundle:
        print(
            f"  {ties} leads a last-bit rounding of the probability away from score's, across a grade "
            f"cut-off (their grade is the neighbouring one; {grade_ties} of them)"
        )
    for line in problems[:20]:
        print("  " + line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
