//! Money as people read it: amounts with thousands separators, and the pipeline-value table
//! of `score --value-column` (per currency, by grade and by stage).

use crate::accounts::calibration::{MoneyCalibration, MoneyDecile};
use crate::accounts::value::{PipelineValue, Totals, ONE_CURRENCY};

/// `x` rounded to whole units with thousands separators: `1234567.8` → `1,234,568`.
pub fn amount(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let whole = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 && whole != "0" {
        out.insert(0, '-');
    }
    out
}

/// `amount` with its currency in front, unless the data has no currency column.
pub fn money(x: f64, currency: &str) -> String {
    if currency == ONE_CURRENCY {
        amount(x)
    } else {
        format!("{currency} {}", amount(x))
    }
}

fn row(label: &str, t: &Totals, currency: &str) -> String {
    format!(
        "  {:<14} {:>6}  {:>16}  {:>16}\n",
        label,
        t.leads,
        money(t.value, currency),
        money(t.expected_value, currency)
    )
}

/// The pipeline-value table of a run.
pub fn render_pipeline(p: &PipelineValue) -> String {
    let mut s = format!("pipeline value (\"{}\"; expected value = probability x value)", p.column);
    if let Some(c) = &p.currency_column {
        s.push_str(&format!(", per currency (\"{c}\")"));
    }
    s.push('\n');
    for (cur, c) in &p.currencies {
        let header = format!("  {:<14} {:>6}  {:>16}  {:>16}\n", "", "leads", "value", "expected value");
        s.push_str(&header);
        s.push_str(&row("all", &c.total, cur));
        for (g, t) in &c.by_grade {
            s.push_str(&row(&format!("grade {g}"), t, cur));
        }
        if !c.by_stage.is_empty() {
            let by = p.stage_column.as_deref().unwrap_or("stage");
            s.push_str(&format!("  by {by}:\n"));
            for (g, t) in &c.by_stage {
                s.push_str(&row(g, t, cur));
            }
        }
    }
    if p.leads_without_value > 0 {
        s.push_str(&format!(
            "  {} leads have no value (blank \"{}\"): not in these totals\n",
            p.leads_without_value, p.column
        ));
    }
    s
}

/// The money calibration table of one scorer: per decile of probability, predicted expected
/// value against the value won.
pub fn render_money_calibration(m: &MoneyCalibration) -> String {
    let mut s = format!(
        "money calibration of {} (\"{}\"; predicted = sum of probability x value, realised = value of the deals won):\n",
        m.scorer, m.column
    );
    let ratio = |d: &MoneyDecile| d.ratio().map_or("-".to_string(), |r| format!("{r:.2}"));
    for (cur, c) in &m.currencies {
        s.push_str("  decile  deals   won         predicted          realised  realised/predicted\n");
        for d in &c.deciles {
            s.push_str(&format!(
                "  {:>6} {:>6} {:>5}  {:>16}  {:>16}  {:>18}\n",
                d.bin,
                d.deals,
                d.won,
                money(d.predicted, cur),
                money(d.realised, cur),
                ratio(d)
            ));
        }
        let t = &c.total;
        s.push_str(&format!(
            "  {:>6} {:>6} {:>5}  {:>16}  {:>16}  {:>18}\n",
            "all",
            t.deals,
            t.won,
            money(t.predicted, cur),
            money(t.realised, cur),
            ratio(t)
        ));
    }
    if m.without_value > 0 {
        s.push_str(&format!("  {} deals have no value (blank \"{}\"): left out\n", m.without_value, m.column));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_thousands_separators_and_currency() {
        assert_eq!(amount(1234567.8), "1,234,568");
        assert_eq!(amount(999.4), "999");
        assert_eq!(amount(0.0), "0");
        assert_eq!(amount(-1500.0), "-1,500");
        assert_eq!(money(1500.0, "EUR"), "EUR 1,500");
        assert_eq!(money(1500.0, ONE_CURRENCY), "1,500");
    }
}
