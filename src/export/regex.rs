//! A rules file's `matches` patterns (Rust `regex` syntax) rewritten for an engine's regular
//! expressions, so that the engine finds a match exactly when `regex::Regex::is_match` does.
//!
//! The pattern is not copied as text: it is parsed with `regex-syntax` (the parser the `regex`
//! crate uses, with the same defaults: Unicode on, no flags) into its high-level form, in which
//! every shorthand and flag has already been resolved into explicit character sets. `(?i)vp`
//! is then `[Vv][Pp]`, `\d` the Unicode digits, `.` everything but `\n`. The rewrite writes
//! those sets as explicit ranges of code points, so nothing depends on the engine's idea of
//! case, word characters or digits:
//!
//! - literals and ranges: ASCII letters and digits as themselves, every other character as a
//!   code-point escape (`\x{2D}` on RE2 and Java, `\u002D` on PostgreSQL);
//! - groups, alternation and repetition (`{m,n}`, at most 255: PostgreSQL's limit);
//! - `^` and `$` (start and end of the text; Java's `$` would also match before a final line
//!   break, so Spark gets `\z`);
//! - `\b` (Unicode word boundary) only at the very start or end of the pattern, next to a part
//!   that always begins (ends) with a word character: there `\bX` finds a match exactly when
//!   `(^|[^\w])X` does, with `\w` written out as Unicode ranges. Elsewhere, and `\B`, `(?m)`
//!   line anchors, `(?-u)` byte classes and half word boundaries are refused with a message:
//!   the engines have no exact equivalent.
//!
//! Engines: DuckDB and BigQuery (RE2), PostgreSQL (`~`, its advanced regular expressions),
//! Spark (Java). SQLite has no regular expressions unless the application registers a
//! `regexp()` function; Snowflake's POSIX-style engine cannot be checked here; see
//! [`super::rules`].

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};

use super::dialect::Dialect;

/// Largest repetition count written (PostgreSQL refuses bounds above 255).
const MAX_REPEAT: u32 = 255;

/// The engine family a pattern is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// RE2 (DuckDB, BigQuery).
    Re2,
    /// PostgreSQL's advanced regular expressions.
    Postgres,
    /// java.util.regex (Spark).
    Java,
}

/// The pattern `pat` (as the rules file has it) for dialect `d`, or why it cannot be written.
pub fn translate(d: Dialect, pat: &str) -> Result<String, String> {
    let flavor = match d {
        Dialect::DuckDb | Dialect::BigQuery => Flavor::Re2,
        Dialect::Postgres => Flavor::Postgres,
        Dialect::Spark => Flavor::Java,
        Dialect::Sqlite | Dialect::Snowflake => return Err(format!("{} has no translation", d.as_str())),
    };
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(50)
        .build()
        .parse(pat)
        .map_err(|e| format!("the pattern does not parse: {}", e.to_string().lines().last().unwrap_or("")))?;
    let w = Writer { flavor, word: word_class() };
    let mut out = String::new();
    w.hir(&hir, true, true, &mut out)?;
    Ok(out)
}

/// Unicode `\w`, the word characters of `\b`.
fn word_class() -> ClassUnicode {
    match regex_syntax::parse(r"\w").map(|h| h.into_kind()) {
        Ok(HirKind::Class(Class::Unicode(c))) => c,
        _ => ClassUnicode::empty(),
    }
}

struct Writer {
    flavor: Flavor,
    word: ClassUnicode,
}

impl Writer {
    /// Writes `h`; `start` / `end`: nothing of the pattern can come before / after it.
    fn hir(&self, h: &Hir, start: bool, end: bool, out: &mut String) -> Result<(), String> {
        match h.kind() {
            HirKind::Empty => out.push_str("()"),
            HirKind::Literal(l) => {
                let s = std::str::from_utf8(&l.0).map_err(|_| "a byte literal (use text)".to_string())?;
                for c in s.chars() {
                    out.push_str(&self.char(c));
                }
            }
            HirKind::Class(Class::Unicode(c)) => out.push_str(&self.class(c)?),
            HirKind::Class(Class::Bytes(_)) => return Err("a byte class ((?-u)); write it without (?-u)".into()),
            HirKind::Look(look) => out.push_str(self.look(*look)?),
            HirKind::Repetition(r) => {
                if r.max.unwrap_or(r.min) > MAX_REPEAT || r.min > MAX_REPEAT {
                    return Err(format!("a repetition above {MAX_REPEAT}"));
                }
                out.push('(');
                self.hir(&r.sub, false, false, out)?;
                out.push(')');
                out.push_str(&match (r.min, r.max) {
                    (0, None) => "*".to_string(),
                    (1, None) => "+".to_string(),
                    (0, Some(1)) => "?".to_string(),
                    (m, None) => format!("{{{m},}}"),
                    (m, Some(n)) if m == n => format!("{{{m}}}"),
                    (m, Some(n)) => format!("{{{m},{n}}}"),
                });
            }
            HirKind::Capture(c) => {
                out.push('(');
                self.hir(&c.sub, start, end, out)?;
                out.push(')');
            }
            HirKind::Concat(items) => self.concat(items, start, end, out)?,
            HirKind::Alternation(items) => {
                out.push('(');
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    self.hir(a, start, end, out)?;
                }
                out.push(')');
            }
        }
        Ok(())
    }

    /// A concatenation; a word boundary at its very start or end becomes "start of text or a
    /// non-word character" (or the same at the end), when its neighbour is always a word character.
    fn concat(&self, items: &[Hir], start: bool, end: bool, out: &mut String) -> Result<(), String> {
        let n = items.len();
        for (i, h) in items.iter().enumerate() {
            let boundary = matches!(h.kind(), HirKind::Look(Look::WordUnicode));
            if boundary && i == 0 && start && n > 1 && self.always_word(edge(&items[1], true)) {
                let mut non_word = self.word.clone();
                non_word.negate();
                out.push_str(&format!("(^|{})", self.class(&non_word)?));
            } else if boundary && i == n - 1 && end && n > 1 && self.always_word(edge(&items[n - 2], false)) {
                let mut non_word = self.word.clone();
                non_word.negate();
                out.push_str(&format!("({}|{})", self.class(&non_word)?, self.look(Look::End)?));
            } else {
                self.hir(h, start && i == 0, end && i == n - 1, out)?;
            }
        }
        Ok(())
    }

    fn always_word(&self, first: Option<ClassUnicode>) -> bool {
        first.is_some_and(|mut c| {
            c.difference(&self.word);
            c.ranges().is_empty()
        })
    }

    fn look(&self, look: Look) -> Result<&'static str, String> {
        Ok(match (look, self.flavor) {
            (Look::Start, _) => "^",
            (Look::End, Flavor::Java) => r"\z",
            (Look::End, _) => "$",
            (Look::WordUnicode, _) => {
                return Err("\\b other than at the very start or end of the pattern next to a word character".into())
            }
            (other, _) => return Err(format!("the assertion {other:?} (no exact equivalent in the engine)")),
        })
    }

    /// One character: ASCII letters and digits as themselves, the rest escaped.
    fn char(&self, c: char) -> String {
        if c.is_ascii_alphanumeric() {
            return c.to_string();
        }
        let u = c as u32;
        match self.flavor {
            Flavor::Re2 | Flavor::Java => format!("\\x{{{u:X}}}"),
            Flavor::Postgres if u <= 0xFFFF => format!("\\u{u:04X}"),
            Flavor::Postgres => format!("\\U{u:08X}"),
        }
    }

    fn class(&self, c: &ClassUnicode) -> Result<String, String> {
        let ranges: Vec<(char, char)> = c
            .ranges()
            .iter()
            .filter_map(|r| {
                // PostgreSQL text cannot hold NUL, and refuses it in a pattern.
                let lo = if self.flavor == Flavor::Postgres && r.start() == '\0' { '\u{1}' } else { r.start() };
                (lo <= r.end()).then_some((lo, r.end()))
            })
            .collect();
        match ranges.as_slice() {
            [] => Err("a class that matches nothing".into()),
            [(a, b)] if a == b => Ok(self.char(*a)),
            _ => {
                let body: String = ranges
                    .iter()
                    .map(|&(a, b)| if a == b { self.char(a) } else { format!("{}-{}", self.char(a), self.char(b)) })
                    .collect();
                Ok(format!("[{body}]"))
            }
        }
    }
}

/// The characters `h` always starts (`first`) or ends with, when it always consumes one there.
fn edge(h: &Hir, first: bool) -> Option<ClassUnicode> {
    match h.kind() {
        HirKind::Literal(l) => {
            let s = std::str::from_utf8(&l.0).ok()?;
            let c = if first { s.chars().next()? } else { s.chars().next_back()? };
            Some(ClassUnicode::new([ClassUnicodeRange::new(c, c)]))
        }
        HirKind::Class(Class::Unicode(c)) => Some(c.clone()),
        HirKind::Capture(c) => edge(&c.sub, first),
        HirKind::Repetition(r) if r.min >= 1 => edge(&r.sub, first),
        HirKind::Concat(items) => edge(if first { items.first()? } else { items.last()? }, first),
        HirKind::Alternation(items) => {
            let mut all = ClassUnicode::empty();
            for a in items {
                all.union(&edge(a, first)?);
            }
            Some(all)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_folding_is_written_out_and_punctuation_escaped() {
        assert_eq!(translate(Dialect::DuckDb, "(?i)vp").unwrap(), "[Vv][Pp]");
        assert_eq!(translate(Dialect::Postgres, "^n/a$").unwrap(), "^n\\u002Fa$");
        assert_eq!(translate(Dialect::Spark, "a$").unwrap(), "a\\z");
        // The Kelvin sign folds to k in Rust's (?i); the class keeps it.
        assert_eq!(translate(Dialect::DuckDb, "(?i)k").unwrap(), "[Kk\\x{212A}]");
        assert_eq!(translate(Dialect::DuckDb, "x{2,3}").unwrap(), "(x){2,3}");
    }

    #[test]
    fn word_boundaries_only_at_the_edges() {
        let s = translate(Dialect::DuckDb, r"\bhead\b").unwrap();
        assert!(s.starts_with("(^|[") && s.ends_with("]|$)") && s.contains(")head(["), "{s}");
        for bad in [r"a\bb", r"\B", r"\b", r"(?m)^a", r"\b-x", "a{300}"] {
            assert!(translate(Dialect::Postgres, bad).is_err(), "{bad}");
        }
        assert!(translate(Dialect::Sqlite, "a").is_err());
    }
}
