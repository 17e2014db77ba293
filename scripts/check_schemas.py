#!/usr/bin/env python3
"""Validates files against the JSON Schemas in schemas/ with the reference validator
(Python `jsonschema`, Draft202012Validator; installed with pip if missing by the caller).

    check_schemas.py REPO FILE...   # *.toml: a rules file (its JSON form); else a bundle

Checks the schemas themselves first; prints each file's verdict and at most five errors;
exits 1 if any file is invalid.
"""
import json
import sys
import tomllib

from jsonschema import Draft202012Validator


def main():
    root, files = sys.argv[1], sys.argv[2:]
    bundle = json.load(open(f"{root}/schemas/bundle.schema.json", encoding="utf-8"))
    rules = json.load(open(f"{root}/schemas/rules.schema.json", encoding="utf-8"))
    for s in (bundle, rules):
        Draft202012Validator.check_schema(s)
    bad = 0
    for f in files:
        if f.endswith(".toml"):
            v, doc = Draft202012Validator(rules), tomllib.load(open(f, "rb"))
        else:
            v, doc = Draft202012Validator(bundle), json.load(open(f, encoding="utf-8"))
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errs[:5]:
            print(f"  {f}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
        bad += len(errs)
        print(f"{f}: {'valid' if not errs else f'{len(errs)} errors'} (jsonschema Draft 2020-12)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
