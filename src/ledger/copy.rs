//! Scores as lines of PostgreSQL's `COPY ... FROM STDIN` text format: tab-separated, `\N`
//! for none, backslash escapes for tab, newline, carriage return and backslash; numbers as
//! Rust's `{:?}` writes them (the shortest text that reads back as the same value).

use std::fmt::Debug;
use std::io::Write;

use super::NewScore;
use crate::bundle::Grade;

/// One value of text (`\N` for none).
pub(super) fn copy_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.extend_from_slice(b"\\N"),
        Some(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
}

/// One number (`\N` for none).
fn copy_number<T: Debug>(out: &mut Vec<u8>, value: Option<T>) {
    match value {
        Some(v) => {
            let _ = write!(out, "{v:?}");
        }
        None => out.extend_from_slice(b"\\N"),
    }
}

/// One score as a line in the columns `run_id, SCORE_COLUMNS, position, context`.
pub(super) fn copy_row(buf: &mut Vec<u8>, run_id: i64, r: &NewScore, reasons: Option<&str>, ctx: Option<&str>) {
    let _ = write!(buf, "{run_id}\t");
    copy_text(buf, Some(r.lead_id));
    buf.push(b'\t');
    copy_number(buf, r.input_hash);
    buf.push(b'\t');
    copy_number(buf, r.probability);
    buf.push(b'\t');
    copy_number(buf, r.percentile);
    buf.push(b'\t');
    copy_text(buf, r.grade.map(Grade::as_str));
    buf.push(b'\t');
    copy_number(buf, r.rule_score);
    buf.push(b'\t');
    copy_text(buf, r.rule_grade.as_deref());
    buf.push(b'\t');
    copy_text(buf, r.status);
    buf.push(b'\t');
    copy_text(buf, reasons);
    buf.push(b'\t');
    copy_number(buf, r.position);
    buf.push(b'\t');
    copy_text(buf, ctx);
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::NewReasons;

    #[test]
    fn a_score_is_one_escaped_line() {
        let r = NewScore {
            lead_id: "L\t1\\",
            input_hash: Some(-5),
            probability: Some(0.1),
            percentile: None,
            grade: Some(Grade::B),
            rule_score: None,
            rule_grade: None,
            status: Some("mql"),
            reasons: NewReasons::None,
            position: Some(3),
            context: Vec::new(),
        };
        let mut buf = Vec::new();
        copy_row(&mut buf, 7, &r, Some("[[1,2.0]]"), None);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "7\tL\\t1\\\\\t-5\t0.1\t\\N\tB\t\\N\t\\N\tmql\t[[1,2.0]]\t3\t\\N\n"
        );
    }
}
