//! The conversion process: the true probability that a lead converts, as a function of the lead's
//! true attributes and engagement (blanked cells still count; the CRM lost them, the buyer did not).
//!
//! ```text
//! logit = β0                                          β0 = BASE_LOGIT
//!       + S[seniority] · M[company_size]              fit: seniority × size interaction
//!       + I[industry] + R[lead_source]
//!       − 1.3 · [B2B ∧ email = personal]              personal address on a business lead
//!       − 1.5 · [email = disposable] − 0.4 · [email = missing]
//!       + 0.8 · ln(1 + visits)                        diminishing returns
//!       + 1.2 · (1 − exp(−webinars / 1.5))            saturates after two or three webinars
//!       + 0.3 · ln(1 + downloads) + 0.3 · ln(1 + email_clicks)
//!       + ln(1 + pricing_page_visits) · (0.35 + 0.9 · demo)   pricing × demo interaction
//!       + 1.3 · demo
//!       + 1.4 · exp(−days_since_last_activity / 30)   recency decay
//!       − 1.5 · ln(1 + careers_page_visits)           job seekers, not buyers
//!       − 2.5 · unsubscribed
//!       + 0.7 · [time_on_site_min ≥ 10]               threshold effect
//!       − 6.0 · junk
//! P(converted) = sigmoid(logit) = 1 / (1 + exp(−logit))
//! ```
//!
//! `S`: c-level 1.0, vp 1.1, director 0.9, manager 0.6, individual 0.25, student −1.0, none 0.
//! `M`: 1-10 0.6, 11-50 1.0, 51-200 1.3, 201-1000 1.4, 1001-5000 1.1, 5000+ 0.7, no company 0.7.
//! So seniority matters most in mid-sized companies, and a student at a large one scores lowest.
//! `I`: Software 0.5, Financial Services 0.3, Professional Services 0.2, Healthcare 0.1, Retail 0,
//! Media 0, Manufacturing −0.1, Education −0.5, Government −0.6, Non-profit −0.7, none 0.
//! `R`: referral 0.6, partner 0.4, webinar 0.2, trade show 0.1, organic search 0.1, paid search 0,
//! content download −0.1, social −0.3, cold list −0.6. Country has no effect.
//!
//! `BASE_LOGIT` is tuned so that 15–25% of history leads convert (20% in expectation; β0 = −5.0).
//! Every engagement term is non-decreasing in its count except careers-page visits and
//! unsubscribing, which only lower the probability.

use rand::RngCore;

use super::dist::{chance, sigmoid};
use super::lead::Lead;
use super::vocab::{CompanySize, EmailDomain, Industry, LeadSource, Segment, Seniority};

/// The intercept β0 of the conversion logit.
pub const BASE_LOGIT: f64 = -5.0;

/// `S[seniority]`: how much say the lead has in a purchase.
pub fn seniority_weight(seniority: Option<Seniority>) -> f64 {
    match seniority {
        Some(Seniority::CLevel) => 1.0,
        Some(Seniority::Vp) => 1.1,
        Some(Seniority::Director) => 0.9,
        Some(Seniority::Manager) => 0.6,
        Some(Seniority::Individual) => 0.25,
        Some(Seniority::Student) => -1.0,
        None => 0.0,
    }
}

/// `M[company_size]`: how much a company of this size buys (multiplies the seniority weight).
pub fn size_multiplier(size: Option<CompanySize>) -> f64 {
    match size {
        Some(CompanySize::S1To10) => 0.6,
        Some(CompanySize::S11To50) => 1.0,
        Some(CompanySize::S51To200) => 1.3,
        Some(CompanySize::S201To1000) => 1.4,
        Some(CompanySize::S1001To5000) => 1.1,
        Some(CompanySize::S5000Plus) => 0.7,
        None => 0.7,
    }
}

/// `I[industry]`: how well the product fits the industry.
pub fn industry_effect(industry: Option<Industry>) -> f64 {
    match industry {
        Some(Industry::Software) => 0.5,
        Some(Industry::FinancialServices) => 0.3,
        Some(Industry::ProfessionalServices) => 0.2,
        Some(Industry::Healthcare) => 0.1,
        Some(Industry::Retail) | Some(Industry::Media) | None => 0.0,
        Some(Industry::Manufacturing) => -0.1,
        Some(Industry::Education) => -0.5,
        Some(Industry::Government) => -0.6,
        Some(Industry::NonProfit) => -0.7,
    }
}

/// `R[lead_source]`: the direct effect of the acquisition channel.
pub fn source_effect(source: LeadSource) -> f64 {
    match source {
        LeadSource::Referral => 0.6,
        LeadSource::Partner => 0.4,
        LeadSource::Webinar => 0.2,
        LeadSource::TradeShow | LeadSource::OrganicSearch => 0.1,
        LeadSource::PaidSearch => 0.0,
        LeadSource::ContentDownload => -0.1,
        LeadSource::Social => -0.3,
        LeadSource::ColdList => -0.6,
    }
}

/// The firmographic fit `S[seniority] · M[company_size] + I[industry]`; also drives engagement.
pub fn fit_score(seniority: Option<Seniority>, size: Option<CompanySize>, industry: Option<Industry>) -> f64 {
    seniority_weight(seniority) * size_multiplier(size) + industry_effect(industry)
}

/// The conversion logit of the module documentation.
pub fn conversion_logit(lead: &Lead) -> f64 {
    let e = &lead.engagement;
    let flag = |b: bool| f64::from(u8::from(b));
    let count = |n: u32| f64::from(n);
    let demo = flag(e.demo_requested);
    let personal_b2b = lead.segment == Segment::B2B && lead.email == EmailDomain::Personal;
    BASE_LOGIT + fit_score(lead.seniority, lead.company_size, lead.industry) + source_effect(lead.source)
        - 1.3 * flag(personal_b2b)
        - 1.5 * flag(lead.email == EmailDomain::Disposable)
        - 0.4 * flag(lead.email == EmailDomain::Missing)
        + 0.8 * count(e.visits).ln_1p()
        + 1.2 * (1.0 - (-count(e.webinars_attended) / 1.5).exp())
        + 0.3 * count(e.downloads).ln_1p()
        + 0.3 * count(e.email_clicks).ln_1p()
        + count(e.pricing_page_visits).ln_1p() * (0.35 + 0.9 * demo)
        + 1.3 * demo
        + 1.4 * (-count(e.days_since_last_activity) / 30.0).exp()
        - 1.5 * count(e.careers_page_visits).ln_1p()
        - 2.5 * flag(e.unsubscribed)
        + 0.7 * flag(e.time_on_site_min >= 10.0)
        - 6.0 * flag(lead.junk)
}

/// The true probability, in (0, 1), that `lead` converts: `sigmoid(conversion_logit(lead))`.
pub fn conversion_probability(lead: &Lead) -> f64 {
    sigmoid(conversion_logit(lead))
}

/// Draws whether `lead` converted (one draw from the lead stream).
pub fn draw_converted<R: RngCore>(rng: &mut R, lead: &Lead) -> bool {
    chance(rng, conversion_probability(lead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::lead::{Blanks, Engagement, LeadId};
    use chrono::NaiveDate;

    /// A B2B manager at a 51-200 software company who came from organic search, with the
    /// engagement below. Its logit is computed by hand in `hand_computed_logit`.
    fn reference_lead() -> Lead {
        Lead {
            id: LeadId(1),
            created: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            age_days: 180,
            junk: false,
            first_name: "Anna",
            email: EmailDomain::Corporate,
            job_title: "Marketing Manager",
            seniority: Some(Seniority::Manager),
            industry: Some(Industry::Software),
            company_size: Some(CompanySize::S51To200),
            country: Some("Germany"),
            source: LeadSource::OrganicSearch,
            segment: Segment::B2B,
            job_seeker: false,
            intent: 0.0,
            product: 0,
            engagement: Engagement {
                visits: 3,
                time_on_site_min: 12.5,
                pages_per_visit: 2.5,
                downloads: 1,
                webinars_attended: 1,
                email_opens: 4,
                email_clicks: 1,
                pricing_page_visits: 1,
                careers_page_visits: 0,
                unsubscribed: false,
                days_since_last_activity: 30,
                demo_requested: false,
            },
            blanks: Blanks::default(),
        }
    }

    #[test]
    fn hand_computed_logit() {
        // -5.0 + 0.6*1.3 + 0.5 + 0.1 + 0.8 ln4 + 1.2 (1 - e^(-2/3)) + 0.3 ln2 + 0.3 ln2
        //   + 0.35 ln2 + 1.4 e^-1 + 0.7
        let expected = -5.0
            + 0.78
            + 0.5
            + 0.1
            + 0.8 * 4f64.ln()
            + 1.2 * (1.0 - (-2.0f64 / 3.0).exp())
            + 0.95 * 2f64.ln()
            + 1.4 * (-1.0f64).exp()
            + 0.7;
        let lead = reference_lead();
        assert!((conversion_logit(&lead) - expected).abs() < 1e-12);
        // The same in plain numbers (Python): logit -0.053544, probability 0.486617.
        assert!((conversion_logit(&lead) + 0.053_544).abs() < 1e-6);
        assert!((conversion_probability(&lead) - 0.486_617).abs() < 1e-6);
    }

    #[test]
    fn more_pricing_visits_never_lower_the_probability() {
        for demo in [false, true] {
            let mut lead = reference_lead();
            lead.engagement.demo_requested = demo;
            let mut last = 0.0;
            for pricing in 0..20 {
                lead.engagement.pricing_page_visits = pricing;
                let p = conversion_probability(&lead);
                assert!(p >= last, "pricing {pricing}, demo {demo}: {p} < {last}");
                last = p;
            }
        }
    }

    #[test]
    fn pricing_matters_more_after_a_demo_request() {
        let mut lead = reference_lead();
        let lift = |lead: &mut Lead| {
            lead.engagement.pricing_page_visits = 0;
            let low = conversion_logit(lead);
            lead.engagement.pricing_page_visits = 3;
            conversion_logit(lead) - low
        };
        let without_demo = lift(&mut lead);
        lead.engagement.demo_requested = true;
        let with_demo = lift(&mut lead);
        assert!((without_demo - 0.35 * 4f64.ln()).abs() < 1e-12);
        assert!((with_demo - 1.25 * 4f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn negative_signals_lower_the_probability() {
        let base = conversion_probability(&reference_lead());
        let mut unsub = reference_lead();
        unsub.engagement.unsubscribed = true;
        assert!(conversion_probability(&unsub) < base - 0.3);
        let mut careers = reference_lead();
        careers.engagement.careers_page_visits = 2;
        assert!(conversion_probability(&careers) < base - 0.3);
        let mut stale = reference_lead();
        stale.engagement.days_since_last_activity = 200;
        assert!(conversion_probability(&stale) < base);
        let mut junk = reference_lead();
        junk.junk = true;
        assert!(conversion_probability(&junk) < 0.01);
    }

    #[test]
    fn personal_email_penalty_applies_to_b2b_only() {
        let mut lead = reference_lead();
        let corporate = conversion_logit(&lead);
        lead.email = EmailDomain::Personal;
        assert!((corporate - conversion_logit(&lead) - 1.3).abs() < 1e-12);
        lead.segment = Segment::B2C;
        assert!((corporate - conversion_logit(&lead)).abs() < 1e-12);
    }

    #[test]
    fn time_on_site_is_a_threshold() {
        let mut lead = reference_lead();
        lead.engagement.time_on_site_min = 9.9;
        let below = conversion_logit(&lead);
        lead.engagement.time_on_site_min = 10.0;
        assert!((conversion_logit(&lead) - below - 0.7).abs() < 1e-12);
        lead.engagement.time_on_site_min = 60.0;
        assert!((conversion_logit(&lead) - below - 0.7).abs() < 1e-12);
    }

    #[test]
    fn seniority_and_size_interact() {
        // A VP gains more over an individual contributor at 201-1000 than at 1-10.
        let gap = |size| {
            fit_score(Some(Seniority::Vp), Some(size), None) - fit_score(Some(Seniority::Individual), Some(size), None)
        };
        assert!((gap(CompanySize::S201To1000) - 1.19).abs() < 1e-12);
        assert!((gap(CompanySize::S1To10) - 0.51).abs() < 1e-12);
    }
}
