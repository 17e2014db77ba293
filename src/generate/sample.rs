//! The two samples the generator writes, as streams of leads: history leads (with a drawn
//! outcome) and open leads (to be scored), each with its id range, creation window and random
//! streams.
//!
//! | sample  | lead ids                          | created (days before as-of) | lead stream | activity stream |
//! |---------|-----------------------------------|-----------------------------|-------------|-----------------|
//! | history | 1 ..= history_rows                | 30 ..= 547 (18 months)      | 0           | 2               |
//! | open    | history_rows + 1 ..= + open_rows  | 0 ..= 89                    | 1           | 3               |
//!
//! [`history_leads`] and [`open_leads`] yield exactly the leads [`super::write_sample`] writes for
//! the same parameters, with their true attributes, so tests can compare a model's scores with
//! [`super::conversion_probability`] of the very rows it scored.

use rand_chacha::ChaCha8Rng;

use super::lead::{draw_lead, Lead, LeadId};
use super::outcome::draw_converted;
use super::GeneratorParams;

/// Which of the two samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Leads with a known outcome (`history.csv`).
    History,
    /// Leads still open (`open_leads.csv`).
    Open,
}

impl Sample {
    /// Creation window in days before the as-of date (inclusive): history leads have all had at
    /// least a month to convert; open leads arrived in the last 90 days.
    pub fn age_days(self) -> (u32, u32) {
        match self {
            Self::History => (30, 547),
            Self::Open => (0, 89),
        }
    }

    /// The ChaCha8 stream the sample's leads (and history outcomes) are drawn from.
    pub fn lead_stream(self) -> u64 {
        match self {
            Self::History => 0,
            Self::Open => 1,
        }
    }

    /// The ChaCha8 stream the sample's activity logs are drawn from.
    pub fn activity_stream(self) -> u64 {
        match self {
            Self::History => 2,
            Self::Open => 3,
        }
    }

    /// The first lead id and the number of leads of the sample.
    pub fn ids(self, params: &GeneratorParams) -> (u64, u64) {
        match self {
            Self::History => (1, params.history_rows as u64),
            Self::Open => (params.history_rows as u64 + 1, params.open_rows as u64),
        }
    }
}

/// A generated lead and, for history leads, whether it converted.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledLead {
    /// The lead.
    pub lead: Lead,
    /// The drawn outcome (`None` for open leads).
    pub converted: Option<bool>,
}

/// The leads of one sample, in file order. Memory use does not depend on the sample size.
#[derive(Debug, Clone)]
pub struct LeadStream {
    rng: ChaCha8Rng,
    sample: Sample,
    as_of: chrono::NaiveDate,
    next_id: u64,
    end_id: u64,
}

impl Iterator for LeadStream {
    type Item = SampledLead;

    fn next(&mut self) -> Option<SampledLead> {
        if self.next_id >= self.end_id {
            return None;
        }
        let (min_age, max_age) = self.sample.age_days();
        let lead = draw_lead(&mut self.rng, LeadId(self.next_id), self.as_of, min_age, max_age);
        self.next_id += 1;
        let converted = match self.sample {
            Sample::History => Some(draw_converted(&mut self.rng, &lead)),
            Sample::Open => None,
        };
        Some(SampledLead { lead, converted })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end_id - self.next_id).ok();
        (left.unwrap_or(usize::MAX), left)
    }
}

/// The leads of `sample` for `params`.
pub fn leads(params: &GeneratorParams, sample: Sample) -> LeadStream {
    let (first, count) = sample.ids(params);
    LeadStream {
        rng: rng(params.seed, sample.lead_stream()),
        sample,
        as_of: params.as_of,
        next_id: first,
        end_id: first + count,
    }
}

/// The history leads of `params`, with their outcomes, exactly as written to `history.csv`.
pub fn history_leads(params: &GeneratorParams) -> LeadStream {
    leads(params, Sample::History)
}

/// The open leads of `params`, exactly as written to `open_leads.csv`.
pub fn open_leads(params: &GeneratorParams) -> LeadStream {
    leads(params, Sample::Open)
}

pub(crate) use crate::rng::chacha as rng;

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> GeneratorParams {
        GeneratorParams { history_rows: 20, open_rows: 5, ..GeneratorParams::default() }
    }

    #[test]
    fn ids_and_windows_follow_the_table() {
        let history: Vec<_> = history_leads(&params()).collect();
        let open: Vec<_> = open_leads(&params()).collect();
        assert_eq!(history.len(), 20);
        assert_eq!(open.iter().map(|s| s.lead.id.0).collect::<Vec<_>>(), [21, 22, 23, 24, 25]);
        assert!(history.iter().all(|s| s.converted.is_some() && (30..=547).contains(&s.lead.age_days)));
        assert!(open.iter().all(|s| s.converted.is_none() && s.lead.age_days <= 89));
    }

    #[test]
    fn streams_are_independent_of_the_other_sample() {
        let more_open = GeneratorParams { open_rows: 500, ..params() };
        let a: Vec<_> = history_leads(&params()).collect();
        let b: Vec<_> = history_leads(&more_open).collect();
        assert_eq!(a, b);
        let c: Vec<_> = history_leads(&GeneratorParams { seed: 43, ..params() }).collect();
        assert_ne!(a, c);
    }
}
