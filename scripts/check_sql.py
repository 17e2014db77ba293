#!/usr/bin/env python3
"""Runs an exported leadscore SQL file on a real engine and compares it with `leadscore score`.

    check_sql.py --engine duckdb|sqlite --csv LEADS.csv --table NAME --sql FILE.sql \
                 --score SCORED.csv --id lead_id [--tolerance 1e-9]

The CSV is loaded with every column as text (as `score` reads it; blank cells are NULL), the
SQL is run, and each lead's probability must be within the tolerance of the probability in
the score file (written with `--precision 17`), its percentile and grade equal. Prints the
largest difference; exits 1 on any mismatch.

With `--rules` (an export made with `export sql --rules`), `--activities-csv LOG.csv` is loaded
as table `--activities-table` and the rule columns must equal the score file's (written by
`score --rules`): rule_score, fit_score and engagement_score rounded as the file rounds them
(two decimals, half away from zero), rule_grade, rule_status, stage, action, persona and
disqualified identical. DuckDB only (Python's sqlite3 has no regexp()).
"""
import decimal
import argparse
import csv
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["duckdb", "sqlite"], required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--sql", required=True)
    p.add_argument("--score", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--tolerance", type=float, default=1e-9)
    p.add_argument("--rules", action="store_true")
    p.add_argument("--activities-csv")
    p.add_argument("--activities-table", default="activities")
    args = p.parse_args()

    got, version = (run_duckdb if args.engine == "duckdb" else run_sqlite)(args)
    header, rows = load_rows(args.score)
    ix = {h: i for i, h in enumerate(header)}
    want = {r[ix[args.id]]: r for r in rows}
    problems, worst = [], 0.0
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
        if abs(float(pct) - float(w[ix["percentile"]])) > 1e-9:
            problems.append(f"{lead}: percentile {pct} vs score {w[ix['percentile']]}")
        if grade != w[ix["grade"]]:
            problems.append(f"{lead}: grade {grade} vs score {w[ix['grade']]}")
        if args.rules:
            problems.extend(rule_problems(lead, dict(zip(args.columns, row)), w, ix))
    print(
        f"{version}: {len(got)} leads, max |probability - score| = {worst:.3g}, {len(problems)} mismatches"
    )
    for line in problems[:20]:
        print("  " + line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
