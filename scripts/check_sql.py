#!/usr/bin/env python3
"""Runs an exported leadscore SQL file on a real engine and compares it with `leadscore score`.

    check_sql.py --engine duckdb|sqlite --csv LEADS.csv --table NAME --sql FILE.sql \
                 --score SCORED.csv --id lead_id [--tolerance 1e-9]

The CSV is loaded with every column as text (as `score` reads it; blank cells are NULL), the
SQL is run, and each lead's probability must be within the tolerance of the probability in
the score file (written with `--precision 17`), its percentile and grade equal. Prints the
largest difference; exits 1 on any mismatch.
"""
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
    return con.execute(open(args.sql, encoding="utf-8").read()).fetchall(), "DuckDB " + duckdb.__version__


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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["duckdb", "sqlite"], required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--sql", required=True)
    p.add_argument("--score", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--tolerance", type=float, default=1e-9)
    args = p.parse_args()

    got, version = (run_duckdb if args.engine == "duckdb" else run_sqlite)(args)
    header, rows = load_rows(args.score)
    ix = {h: i for i, h in enumerate(header)}
    want = {r[ix[args.id]]: r for r in rows}
    problems, worst = [], 0.0
    if len(got) != len(want):
        problems.append(f"{len(got)} rows from SQL, {len(want)} in the score file")
    for lead, prob, pct, grade in got:
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
    print(
        f"{version}: {len(got)} leads, max |probability - score| = {worst:.3g}, {len(problems)} mismatches"
    )
    for line in problems[:20]:
        print("  " + line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
