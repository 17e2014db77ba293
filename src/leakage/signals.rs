//! The signals that do not need a model: availability (present in history, absent where the
//! outcome is not known yet; missingness that predicts the outcome), wording (names and values
//! that say "recorded during or after contact") and drift (a relation to the outcome much
//! stronger on old leads than on new ones).

use crate::data::typing::{LeadFrame, MissingTokens, TypingError};
use crate::features::schema::name_words as words;

/// Unlabelled rows needed before their availability is compared with the labelled rows'.
pub const MIN_UNLABELLED: usize = 20;

/// Share of `rows` where the column has a value.
pub(super) fn present_share(
    frame: &LeadFrame,
    column: &str,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<f64, TypingError> {
    let text = frame.text(column, "")?;
    let present = rows.iter().filter(|&&i| missing.clean(text.get(i)).is_some()).count();
    Ok(present as f64 / rows.len().max(1) as f64)
}

/// The AUC (folded to >= 0.5) of "the value is missing" as a score: 0.5 + |P(missing | converted)
/// - P(missing | dead)| / 2. `missing[k]` is row `k`'s.
pub(super) fn missing_indicator_auc(missing: &[bool], labels: &[bool]) -> f64 {
    let (mut mp, mut p, mut mn, mut n) = (0.0, 0.0, 0.0, 0.0);
    for (&m, &y) in missing.iter().zip(labels) {
        if y {
            p += 1.0;
            mp += m as u8 as f64;
        } else {
            n += 1.0;
            mn += m as u8 as f64;
        }
    }
    if p == 0.0 || n == 0.0 {
        return 0.5;
    }
    0.5 + (mp / p - mn / n).abs() / 2.0
}

/// Words that name a column filled in during or after contact (English, German, French,
/// Spanish, Portuguese, Italian), compared with the name's lower-case words.
const NAME_WORDS: &[&str] = &[
    "status",
    "stage",
    "phase",
    "quality",
    "tag",
    "tags",
    "note",
    "notes",
    "comment",
    "comments",
    "remark",
    "remarks",
    "outcome",
    "result",
    "results",
    "duration",
    "disposition",
    "reason",
    "feedback",
    "close",
    "closed",
    "closing",
    "won",
    "lost",
    "rating",
    "qualification",
    "score",
    "estado",
    "statut",
    "stato",
    "stufe",
    "etapa",
    "étape",
    "etape",
    "fase",
    "qualität",
    "qualitat",
    "qualité",
    "qualite",
    "calidad",
    "qualidade",
    "qualità",
    "notiz",
    "notizen",
    "bemerkung",
    "kommentar",
    "commentaire",
    "comentario",
    "comentarios",
    "nota",
    "notas",
    "ergebnis",
    "résultat",
    "resultat",
    "resultado",
    "risultato",
    "dauer",
    "durée",
    "duree",
    "duración",
    "duracion",
    "duração",
    "durata",
    "abschluss",
    "cierre",
    "clôture",
    "cloture",
    "fechamento",
    "chiusura",
    "gewonnen",
    "ganado",
    "gagné",
    "verloren",
    "perdido",
    "perdu",
    "etiqueta",
    "etiquetas",
    "étiquette",
    "motivo",
    "grund",
];

/// Pairs of consecutive words in a name that say the same ("last activity", "deal value").
const NAME_PHRASES: &[[&str; 2]] = &[
    ["last", "activity"],
    ["last", "notable"],
    ["last", "contact"],
    ["last", "contacted"],
    ["last", "call"],
    ["last", "touch"],
    ["next", "step"],
    ["follow", "up"],
    ["deal", "value"],
    ["deal", "amount"],
    ["deal", "size"],
    ["contract", "value"],
    ["call", "length"],
    ["talk", "time"],
];

/// Words of values that read as sales notes or outcomes.
const VALUE_WORDS: &[&str] = &[
    "closed",
    "won",
    "lost",
    "revert",
    "reverted",
    "ringing",
    "called",
    "contacted",
    "interested",
    "uninterested",
    "junk",
    "busy",
    "unreachable",
    "disqualified",
    "qualified",
    "negotiation",
    "negotiating",
    "proposal",
    "invoiced",
    "callback",
    "relevance",
    "worst",
    "hangup",
    "gewonnen",
    "verloren",
    "abgeschlossen",
    "ganado",
    "perdido",
    "cerrado",
    "gagné",
    "perdu",
    "interesado",
    "interessiert",
    "rückruf",
];

/// Consecutive words of values that read as sales notes.
const VALUE_PHRASES: &[[&str; 2]] = &[
    ["sms", "sent"],
    ["phone", "conversation"],
    ["wrong", "number"],
    ["invalid", "number"],
    ["switched", "off"],
    ["in", "touch"],
    ["follow", "up"],
    ["call", "back"],
    ["already", "a"],
];

/// The vocabulary hits among `w`: single words and two-word phrases.
fn hits(w: &[String], single: &[&str], pairs: &[[&str; 2]]) -> Vec<String> {
    let mut out: Vec<String> = w.iter().filter(|x| single.contains(&x.as_str())).cloned().collect();
    for p in pairs {
        if w.windows(2).any(|x| x[0] == p[0] && x[1] == p[1]) {
            out.push(format!("{} {}", p[0], p[1]));
        }
    }
    out
}

/// The words of a column name that say "recorded during or after contact".
pub fn name_hits(name: &str) -> Vec<String> {
    hits(&words(name), NAME_WORDS, NAME_PHRASES)
}

/// The share of `rows` (with a value) whose value reads as a sales note or outcome, and the
/// commonest such value.
pub(super) fn value_hits(
    frame: &LeadFrame,
    column: &str,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<(f64, Option<String>), TypingError> {
    let text = frame.text(column, "")?;
    let mut seen: std::collections::HashMap<&str, (bool, usize)> = std::collections::HashMap::new();
    let mut present = 0usize;
    for &i in rows {
        let Some(v) = missing.clean(text.get(i)) else { continue };
        present += 1;
        let e = seen.entry(v).or_insert_with(|| (!hits(&words(v), VALUE_WORDS, VALUE_PHRASES).is_empty(), 0));
        e.1 += 1;
    }
    let matched: usize = seen.values().filter(|(m, _)| *m).map(|(_, n)| n).sum();
    let example = seen.iter().filter(|(_, (m, _))| *m).max_by_key(|(v, (_, n))| (*n, std::cmp::Reverse(*v)));
    Ok((matched as f64 / present.max(1) as f64, example.map(|(v, _)| v.to_string())))
}

/// Positions (into the labelled rows) of the older and the newer half by `days` (one day
/// number per labelled row, NaN when unknown; unknown dates are left out), split at the median.
pub(super) fn halves(days: &[f64]) -> (Vec<usize>, Vec<usize>) {
    let mut known: Vec<(f64, usize)> =
        days.iter().enumerate().filter(|(_, d)| !d.is_nan()).map(|(k, &d)| (d, k)).collect();
    known.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mid = known.len() / 2;
    let old = known[..mid].iter().map(|x| x.1).collect();
    let new = known[mid..].iter().map(|x| x.1).collect();
    (old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words_and_post_contact_names_are_recognised() {
        assert_eq!(words("Last Notable Activity"), ["last", "notable", "activity"]);
        assert_eq!(words("lastActivityDate"), ["last", "activity", "date"]);
        assert_eq!(words("close_value"), ["close", "value"]);
        assert_eq!(name_hits("Lead Quality"), ["quality"]);
        assert_eq!(name_hits("Tags"), ["tags"]);
        assert_eq!(name_hits("close_date"), ["close"]);
        assert_eq!(name_hits("duration"), ["duration"]);
        assert_eq!(name_hits("Last Activity"), ["last activity"]);
        assert_eq!(name_hits("Estado del lead"), ["estado"]);
        assert_eq!(name_hits("Abschluss Datum"), ["abschluss"]);
        // Known when a lead arrives.
        for honest in [
            "Total Time Spent on Website",
            "I agree to pay the amount through cheque",
            "Lead Source",
            "email_domain_type",
            "TotalVisits",
            "engage_date",
            "closest_store",
        ] {
            assert!(name_hits(honest).is_empty(), "{honest}: {:?}", name_hits(honest));
        }
    }

    #[test]
    fn missingness_that_splits_the_outcomes_has_a_high_auc() {
        // Missing for every converted lead, present for every dead one.
        let y = [true, true, false, false];
        assert_eq!(missing_indicator_auc(&[true, true, false, false], &y), 1.0);
        assert_eq!(missing_indicator_auc(&[true, false, true, false], &y), 0.5);
        assert_eq!(missing_indicator_auc(&[false, false, true, true], &y), 1.0);
    }

    #[test]
    fn halves_split_at_the_median_date_leaving_unknown_dates_out() {
        let (old, new) = halves(&[5.0, f64::NAN, 1.0, 3.0, 9.0]);
        assert_eq!(old, [2, 3]);
        assert_eq!(new, [0, 4]);
    }
}
