//! Money calibration on history: does predicted expected value match the value actually won?
//!
//! For a probability scorer on labelled deals with a value: deals are sorted by predicted
//! probability, highest first (ties by file order), and cut into ten deciles of
//! `ceil(n / 10)` deals (the last may be smaller). Per decile and in total:
//! `predicted` = `sum p_i v_i`, `realised` = `sum v_i` over the deals that were won, and
//! `ratio` = realised / predicted (1 = calibrated in money; blank when nothing was
//! predicted). Deals with a blank value are left out and counted. Kept per currency.

use std::collections::BTreeMap;

use serde::Serialize;

/// One decile's money.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MoneyDecile {
    /// 1 = the highest probabilities.
    pub bin: usize,
    /// Deals in it.
    pub deals: usize,
    /// `sum p_i v_i`.
    pub predicted: f64,
    /// Value of the deals won.
    pub realised: f64,
    /// Deals won.
    pub won: usize,
}

impl MoneyDecile {
    /// realised / predicted, when something was predicted.
    pub fn ratio(&self) -> Option<f64> {
        (self.predicted > 0.0).then(|| self.realised / self.predicted)
    }
}

/// One currency's money calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrencyCalibration {
    /// Ten deciles (fewer with fewer than ten deals).
    pub deciles: Vec<MoneyDecile>,
    /// All deals.
    pub total: MoneyDecile,
}

/// A scorer's money calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoneyCalibration {
    /// The scorer.
    pub scorer: String,
    /// The value column.
    pub column: String,
    /// Deals with a blank value, left out.
    pub without_value: usize,
    /// Per currency.
    pub currencies: BTreeMap<String, CurrencyCalibration>,
}

fn bins(p: &[f64], y: &[bool], v: &[f64]) -> CurrencyCalibration {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    let size = p.len().div_ceil(10).max(1);
    let tally = |bin: usize, idx: &[usize]| MoneyDecile {
        bin,
        deals: idx.len(),
        predicted: idx.iter().fold(0.0, |a, &i| a + p[i] * v[i]),
        realised: idx.iter().filter(|&&i| y[i]).fold(0.0, |a, &i| a + v[i]),
        won: idx.iter().filter(|&&i| y[i]).count(),
    };
    let deciles = order.chunks(size).enumerate().map(|(k, c)| tally(k + 1, c)).collect();
    CurrencyCalibration { deciles, total: tally(0, &order) }
}

/// One currency's leads: probabilities, outcomes and values.
type CurrencyGroup = (Vec<f64>, Vec<bool>, Vec<f64>);

/// The money calibration of one scorer's probabilities `p` on deals with outcomes `y`,
/// values and currencies.
pub fn money_calibration(
    scorer: &str,
    column: &str,
    p: &[f64],
    y: &[bool],
    values: &[Option<f64>],
    currencies: &[String],
) -> MoneyCalibration {
    // Per currency: the probabilities, outcomes and values.
    let mut groups: BTreeMap<String, CurrencyGroup> = BTreeMap::new();
    let mut without_value = 0;
    for i in 0..p.len() {
        let Some(v) = values[i] else {
            without_value += 1;
            continue;
        };
        let g = groups.entry(currencies[i].clone()).or_default();
        g.0.push(p[i]);
        g.1.push(y[i]);
        g.2.push(v);
    }
    MoneyCalibration {
        scorer: scorer.to_string(),
        column: column.to_string(),
        without_value,
        currencies: groups.into_iter().map(|(c, (p, y, v))| (c, bins(&p, &y, &v))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_and_totals_match_hand_computed_values() {
        // 12 deals: deciles of ceil(12/10) = 2 deals, so 6 bins.
        let p = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.5, 0.05, 0.95];
        let y = [true, false, true, false, false, true, true, false, false, true, false, true];
        let v: Vec<Option<f64>> =
            [100., 10., 200., 20., 300., 30., 400., 40., 500., 50., 5., 1000.].iter().map(|&x| Some(x)).collect();
        let cur = vec!["-".to_string(); 12];
        let m = money_calibration("gbm", "price", &p, &y, &v, &cur);
        let c = &m.currencies["-"];
        assert_eq!(c.deciles.len(), 6);
        // Bin 1: p 0.95 (1000, won) and 0.9 (100, won): predicted 950 + 90, realised 1100.
        let d = c.deciles[0];
        assert_eq!((d.deals, d.won), (2, 2));
        assert!((d.predicted - 1040.0).abs() < 1e-9 && (d.realised - 1100.0).abs() < 1e-9);
        // Bin 5 (p 0.3, 0.2): predicted 9 + 4 = 13; realised 30 (the 0.3 deal won).
        let d = c.deciles[4];
        assert!((d.predicted - 13.0).abs() < 1e-9 && (d.realised - 30.0).abs() < 1e-9);
        assert!((d.ratio().unwrap() - 30.0 / 13.0).abs() < 1e-12);
        // Total: predicted sum p v = 90+1+160+4+210+9+240+16+250+25+0.25+950 = 1955.25;
        // realised = 100+200+30+400+50+1000 = 1780.
        assert!((c.total.predicted - 1955.25).abs() < 1e-9, "{}", c.total.predicted);
        assert!((c.total.realised - 1780.0).abs() < 1e-9);
        assert_eq!(c.total.won, 6);
    }

    #[test]
    fn blank_values_are_counted_and_currencies_kept_apart() {
        let m = money_calibration(
            "m",
            "v",
            &[0.5, 0.5, 0.5],
            &[true, false, true],
            &[Some(10.0), None, Some(4.0)],
            &["EUR".into(), "EUR".into(), "USD".into()],
        );
        assert_eq!(m.without_value, 1);
        assert_eq!(m.currencies["EUR"].total.realised, 10.0);
        assert_eq!(m.currencies["USD"].total.predicted, 2.0);
    }
}
