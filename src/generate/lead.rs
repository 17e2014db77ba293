//! Drawing one lead: who they are (explicit, firmographic fields), how interested they are
//! (a latent intent), and what that interest looks like in the tracking data (engagement counts).
//!
//! The draws for one lead happen in this order, all from the lead stream of the seed:
//!
//! 1. `created_date`: uniform over the window the caller gives (history and open leads differ).
//! 2. junk (4%): a placeholder name, a disposable or missing e-mail, no firmographics and
//!    near-zero engagement ([`draw_junk`]). Otherwise:
//! 3. segment (B2B 72%), then company size, seniority (founders are over-represented in small
//!    companies), industry, e-mail type and lead source, with B2B and B2C weights.
//! 4. country (noise), first name, job title (drawn from the seniority's title list).
//! 5. latent job seeker flag (4%, 12% for individual contributors and students) and the product
//!    the lead is interested in.
//! 6. latent intent `u = 0.55·fit + src[source] + 0.9·N(0,1) − 1.0·job_seeker`, where `fit` is
//!    the same seniority × size + industry score the conversion logit uses
//!    ([`super::outcome::fit_score`]): engagement is correlated with fit, as in real funnels.
//! 7. engagement given `u` and an exposure factor `e = 0.5 + 0.5·min(1, age/60)` (young leads
//!    have had less time to engage):
//!    - `visits ~ Poisson(e·exp(0.9 + 0.55u))`
//!    - each visit views pricing with `p = sigmoid(−2.0 + 0.9u)` (0 for job seekers) and careers
//!      with `p = 0.6` for job seekers, `0.015` otherwise;
//!    - `time_on_site_min = visits · exp(0.8 + 0.25u + 0.5·N)`, `pages_per_visit = 1 + exp(0.3 + 0.2u + 0.5·N)`;
//!    - `downloads ~ Poisson(e·exp(−0.9 + 0.45u + 0.9·[source = content download]))`;
//!    - `webinars ~ Poisson(e·exp(−1.8 + 0.5u)) + [source = webinar]·Bernoulli(0.7)`;
//!    - for reachable e-mail (corporate or personal): `email_opens ~ Poisson(e·exp(1.2 + 0.35u))`,
//!      `email_clicks ~ Binomial(opens, sigmoid(−1.6 + 0.6u))`,
//!      `unsubscribed ~ Bernoulli(sigmoid(−2.7 − 0.5u + 0.9·[cold list]))`; otherwise all zero;
//!    - `demo_requested ~ Bernoulli(sigmoid(−3.6 + 1.1u + 0.5·ln(1 + pricing) + 0.4·[B2B]))`;
//!    - `days_since_last_activity = min(age, ⌊Exp(mean exp(2.9 − 0.6u))⌋)` if the lead has any
//!      activity, else `age` (days since creation).
//! 8. blanks: cells the CRM failed to capture, although the true value exists and drives the
//!    outcome: job title 4%, seniority 8%, industry 10%, company size 9%, country 4%,
//!    time on site 3% of visiting leads (then pages per visit too, 80%), pages per visit 1%.

use chrono::NaiveDate;
use rand::RngCore;

use super::dist::{binomial, chance, exponential, normal, pick, pick_uniform, poisson, sigmoid};
use super::outcome::fit_score;
use super::vocab::{
    job_titles, CompanySize, EmailDomain, Industry, LeadSource, Segment, Seniority, COUNTRIES, FIRST_NAMES, JUNK_NAMES,
    JUNK_TITLES, PRODUCTS,
};

/// A lead identifier, written `L` followed by at least seven digits (`L0000001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeadId(pub u64);

impl std::fmt::Display for LeadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "L{:07}", self.0)
    }
}

/// What the tracking data shows of a lead's engagement (true values; see [`Blanks`] for the cells
/// that are written empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Engagement {
    /// Website sessions (`web_visit` events).
    pub visits: u32,
    /// Total minutes on site over all visits.
    pub time_on_site_min: f64,
    /// Average pages viewed per visit (0 without visits).
    pub pages_per_visit: f64,
    /// Gated-content downloads.
    pub downloads: u32,
    /// Webinars attended.
    pub webinars_attended: u32,
    /// Marketing e-mails opened.
    pub email_opens: u32,
    /// Marketing e-mail links clicked (never more than opens).
    pub email_clicks: u32,
    /// Pricing-page views (never more than visits).
    pub pricing_page_visits: u32,
    /// Careers-page views (never more than visits).
    pub careers_page_visits: u32,
    /// Unsubscribed from marketing e-mail.
    pub unsubscribed: bool,
    /// Whole days between the last activity and the as-of date.
    pub days_since_last_activity: u32,
    /// Asked for a demo.
    pub demo_requested: bool,
}

impl Engagement {
    /// The number of activity-log events this engagement implies.
    pub fn event_count(&self) -> u32 {
        self.visits
            + self.pricing_page_visits
            + self.careers_page_visits
            + self.downloads
            + self.webinars_attended
            + self.email_opens
            + self.email_clicks
            + u32::from(self.demo_requested)
            + u32::from(self.unsubscribed)
    }
}

/// Which true values the CRM failed to capture; those cells are written empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Blanks {
    /// `job_title` is empty.
    pub job_title: bool,
    /// `seniority` is empty.
    pub seniority: bool,
    /// `industry` is empty.
    pub industry: bool,
    /// `company_size` is empty.
    pub company_size: bool,
    /// `country` is empty.
    pub country: bool,
    /// `time_on_site_min` is empty.
    pub time_on_site: bool,
    /// `pages_per_visit` is empty.
    pub pages_per_visit: bool,
}

/// One generated lead: its true attributes, latent traits and which cells are reported empty.
/// `None` means the attribute does not exist (a consumer has no company size; a junk lead has no
/// seniority), which is also written as an empty cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// Identifier.
    pub id: LeadId,
    /// Day the lead entered the CRM.
    pub created: NaiveDate,
    /// Whole days from `created` to the as-of date.
    pub age_days: u32,
    /// A fake sign-up (test record, keyboard mash).
    pub junk: bool,
    /// First name as typed.
    pub first_name: &'static str,
    /// Kind of e-mail address.
    pub email: EmailDomain,
    /// Job title as typed ("" if none was typed).
    pub job_title: &'static str,
    /// Normalised seniority.
    pub seniority: Option<Seniority>,
    /// Industry.
    pub industry: Option<Industry>,
    /// Company head-count band.
    pub company_size: Option<CompanySize>,
    /// Country.
    pub country: Option<&'static str>,
    /// Acquisition channel.
    pub source: LeadSource,
    /// Business or consumer.
    pub segment: Segment,
    /// Latent: visits to read the careers page, not to buy.
    pub job_seeker: bool,
    /// Latent: buying intent `u` that drives engagement (0 for junk leads).
    pub intent: f64,
    /// Latent: the product the lead cares about (an index into [`PRODUCTS`]).
    pub product: usize,
    /// Engagement counts.
    pub engagement: Engagement,
    /// Cells reported empty.
    pub blanks: Blanks,
}

/// Share of junk leads.
pub const JUNK_SHARE: f64 = 0.04;

/// Draws one lead created `min_age..=max_age` days before `as_of`.
pub fn draw_lead<R: RngCore>(rng: &mut R, id: LeadId, as_of: NaiveDate, min_age: u32, max_age: u32) -> Lead {
    let age_days = min_age + super::dist::below(rng, max_age - min_age + 1);
    let created = as_of - chrono::Days::new(u64::from(age_days));
    if chance(rng, JUNK_SHARE) {
        return draw_junk(rng, id, created, age_days);
    }
    let segment = if chance(rng, 0.72) { Segment::B2B } else { Segment::B2C };
    let (company_size, seniority, industry, email, source) = match segment {
        Segment::B2B => draw_b2b_profile(rng),
        Segment::B2C => draw_b2c_profile(rng),
    };
    let country = Some(pick(rng, &COUNTRIES));
    let first_name = pick_uniform(rng, FIRST_NAMES);
    let job_title = pick_uniform(rng, job_titles(seniority));
    let ic = matches!(seniority, Seniority::Individual | Seniority::Student);
    let job_seeker = chance(rng, if ic { 0.12 } else { 0.04 });
    let product = pick_uniform(rng, &[0usize, 1, 2]);
    let fit = fit_score(Some(seniority), company_size, industry);
    let intent = 0.55 * fit + source_intent(source) + 0.9 * normal(rng) - f64::from(u8::from(job_seeker));
    let engagement = draw_engagement(rng, intent, age_days, email, source, segment, job_seeker);
    let blanks = draw_blanks(rng, &engagement);
    Lead {
        id,
        created,
        age_days,
        junk: false,
        first_name,
        email,
        job_title,
        seniority: Some(seniority),
        industry,
        company_size,
        country,
        source,
        segment,
        job_seeker,
        intent,
        product,
        engagement,
        blanks,
    }
}

type Profile = (Option<CompanySize>, Seniority, Option<Industry>, EmailDomain, LeadSource);

fn draw_b2b_profile<R: RngCore>(rng: &mut R) -> Profile {
    use CompanySize::*;
    let size = pick(
        rng,
        &[
            (S1To10, 0.14),
            (S11To50, 0.20),
            (S51To200, 0.22),
            (S201To1000, 0.20),
            (S1001To5000, 0.13),
            (S5000Plus, 0.11),
        ],
    );
    // Founders and owners are a large share of the contacts at small companies.
    let c_level = match size {
        S1To10 => 0.24,
        S11To50 => 0.14,
        _ => 0.06,
    };
    let seniority = pick(
        rng,
        &[
            (Seniority::CLevel, c_level),
            (Seniority::Vp, 0.10),
            (Seniority::Director, 0.16),
            (Seniority::Manager, 0.26),
            (Seniority::Individual, 0.36),
            (Seniority::Student, 0.03),
        ],
    );
    let industry = pick(
        rng,
        &[
            (Industry::Software, 0.22),
            (Industry::FinancialServices, 0.12),
            (Industry::Healthcare, 0.10),
            (Industry::Retail, 0.10),
            (Industry::Manufacturing, 0.10),
            (Industry::Education, 0.07),
            (Industry::Media, 0.06),
            (Industry::ProfessionalServices, 0.13),
            (Industry::Government, 0.05),
            (Industry::NonProfit, 0.05),
        ],
    );
    let email = pick(
        rng,
        &[
            (EmailDomain::Corporate, 0.80),
            (EmailDomain::Personal, 0.15),
            (EmailDomain::Disposable, 0.02),
            (EmailDomain::Missing, 0.03),
        ],
    );
    use LeadSource::*;
    let source = pick(
        rng,
        &[
            (OrganicSearch, 0.20),
            (PaidSearch, 0.14),
            (Webinar, 0.10),
            (Referral, 0.07),
            (Partner, 0.07),
            (TradeShow, 0.08),
            (ContentDownload, 0.14),
            (ColdList, 0.12),
            (Social, 0.08),
        ],
    );
    (Some(size), seniority, Some(industry), email, source)
}

fn draw_b2c_profile<R: RngCore>(rng: &mut R) -> Profile {
    // A quarter of consumers are sole traders who give a 1-10 company; the rest have no company.
    let size = chance(rng, 0.25).then_some(CompanySize::S1To10);
    let seniority = pick(
        rng,
        &[
            (Seniority::Individual, 0.58),
            (Seniority::Student, 0.34),
            (Seniority::Manager, 0.04),
            (Seniority::CLevel, 0.04),
        ],
    );
    let industry = chance(rng, 0.30).then(|| {
        pick(
            rng,
            &[
                (Industry::Education, 0.35),
                (Industry::Retail, 0.20),
                (Industry::Media, 0.20),
                (Industry::ProfessionalServices, 0.25),
            ],
        )
    });
    let email = pick(
        rng,
        &[
            (EmailDomain::Personal, 0.85),
            (EmailDomain::Corporate, 0.05),
            (EmailDomain::Disposable, 0.05),
            (EmailDomain::Missing, 0.05),
        ],
    );
    use LeadSource::*;
    let source = pick(
        rng,
        &[
            (OrganicSearch, 0.30),
            (PaidSearch, 0.20),
            (Webinar, 0.04),
            (Referral, 0.08),
            (Partner, 0.02),
            (TradeShow, 0.01),
            (ContentDownload, 0.15),
            (ColdList, 0.05),
            (Social, 0.15),
        ],
    );
    (size, seniority, industry, email, source)
}

/// The shift in latent intent that comes with each acquisition channel.
pub fn source_intent(source: LeadSource) -> f64 {
    match source {
        LeadSource::OrganicSearch => 0.1,
        LeadSource::PaidSearch => 0.0,
        LeadSource::Webinar => 0.3,
        LeadSource::Referral => 0.6,
        LeadSource::Partner => 0.4,
        LeadSource::TradeShow => 0.0,
        LeadSource::ContentDownload => 0.0,
        LeadSource::ColdList => -0.8,
        LeadSource::Social => -0.3,
    }
}

fn draw_engagement<R: RngCore>(
    rng: &mut R,
    u: f64,
    age_days: u32,
    email: EmailDomain,
    source: LeadSource,
    segment: Segment,
    job_seeker: bool,
) -> Engagement {
    let exposure = 0.5 + 0.5 * (f64::from(age_days) / 60.0).min(1.0);
    let visits = poisson(rng, exposure * (0.9 + 0.55 * u).exp());
    let p_pricing = if job_seeker { 0.0 } else { sigmoid(-2.0 + 0.9 * u) };
    let pricing_page_visits = binomial(rng, visits, p_pricing);
    let careers_page_visits = binomial(rng, visits, if job_seeker { 0.6 } else { 0.015 });
    let (time_on_site_min, pages_per_visit) = if visits == 0 {
        (0.0, 0.0)
    } else {
        let per_visit = (0.8 + 0.25 * u + 0.5 * normal(rng)).exp();
        let pages = 1.0 + (0.3 + 0.2 * u + 0.5 * normal(rng)).exp();
        (f64::from(visits) * per_visit, pages)
    };
    let content = f64::from(u8::from(source == LeadSource::ContentDownload));
    let downloads = poisson(rng, exposure * (-0.9 + 0.45 * u + 0.9 * content).exp());
    let webinar_signup = source == LeadSource::Webinar && chance(rng, 0.7);
    let webinars_attended = poisson(rng, exposure * (-1.8 + 0.5 * u).exp()) + u32::from(webinar_signup);
    let (email_opens, email_clicks, unsubscribed) = if email.reachable() {
        let opens = poisson(rng, exposure * (1.2 + 0.35 * u).exp());
        let clicks = binomial(rng, opens, sigmoid(-1.6 + 0.6 * u));
        let cold = f64::from(u8::from(source == LeadSource::ColdList));
        let unsub = chance(rng, sigmoid(-2.7 - 0.5 * u + 0.9 * cold));
        (opens, clicks, unsub)
    } else {
        (0, 0, false)
    };
    let b2b = f64::from(u8::from(segment == Segment::B2B));
    let demo_requested =
        chance(rng, sigmoid(-3.6 + 1.1 * u + 0.5 * f64::from(pricing_page_visits).ln_1p() + 0.4 * b2b));
    let mut engagement = Engagement {
        visits,
        time_on_site_min: round_to(time_on_site_min, 10.0),
        pages_per_visit: round_to(pages_per_visit, 100.0),
        downloads,
        webinars_attended,
        email_opens,
        email_clicks,
        pricing_page_visits,
        careers_page_visits,
        unsubscribed,
        days_since_last_activity: age_days,
        demo_requested,
    };
    engagement.days_since_last_activity = draw_recency(rng, &engagement, u, age_days);
    engagement
}

/// Days since the last activity: recent for high-intent leads, capped by the lead's age, and the
/// lead's age when there was no activity at all.
fn draw_recency<R: RngCore>(rng: &mut R, engagement: &Engagement, u: f64, age_days: u32) -> u32 {
    if engagement.event_count() == 0 {
        return age_days;
    }
    let days = exponential(rng, (2.9 - 0.6 * u).exp()).floor();
    days.min(f64::from(age_days)) as u32
}

fn draw_blanks<R: RngCore>(rng: &mut R, engagement: &Engagement) -> Blanks {
    let job_title = chance(rng, 0.04);
    let seniority = chance(rng, 0.08);
    let industry = chance(rng, 0.10);
    let company_size = chance(rng, 0.09);
    let country = chance(rng, 0.04);
    let (time_on_site, pages_per_visit) = if engagement.visits > 0 {
        // A blocked analytics tag loses time on site and usually pages per visit with it.
        let time = chance(rng, 0.03);
        let pages = if time { chance(rng, 0.8) } else { chance(rng, 0.01) };
        (time, pages)
    } else {
        (false, false)
    };
    Blanks { job_title, seniority, industry, company_size, country, time_on_site, pages_per_visit }
}

/// Draws a junk lead: placeholder name, disposable or missing e-mail, no firmographics, a few
/// stray visits or downloads and nothing else.
pub fn draw_junk<R: RngCore>(rng: &mut R, id: LeadId, created: NaiveDate, age_days: u32) -> Lead {
    let segment = if chance(rng, 0.5) { Segment::B2B } else { Segment::B2C };
    let email = if chance(rng, 0.7) { EmailDomain::Disposable } else { EmailDomain::Missing };
    let first_name = pick_uniform(rng, JUNK_NAMES);
    let job_title = if chance(rng, 0.6) { pick_uniform(rng, JUNK_TITLES) } else { "" };
    let country = chance(rng, 0.5).then(|| pick(rng, &COUNTRIES));
    use LeadSource::*;
    let source = pick(rng, &[(ContentDownload, 0.40), (Social, 0.25), (OrganicSearch, 0.20), (PaidSearch, 0.15)]);
    let visits = poisson(rng, 0.3);
    let downloads = poisson(rng, 0.3) + u32::from(source == ContentDownload);
    let mut engagement = Engagement {
        visits,
        time_on_site_min: round_to(f64::from(visits) * 0.4, 10.0),
        pages_per_visit: if visits > 0 { 1.0 } else { 0.0 },
        downloads,
        webinars_attended: 0,
        email_opens: 0,
        email_clicks: 0,
        pricing_page_visits: 0,
        careers_page_visits: 0,
        unsubscribed: false,
        days_since_last_activity: age_days,
        demo_requested: false,
    };
    engagement.days_since_last_activity = draw_recency(rng, &engagement, 0.0, age_days);
    Lead {
        id,
        created,
        age_days,
        junk: true,
        first_name,
        email,
        job_title,
        seniority: None,
        industry: None,
        company_size: None,
        country,
        source,
        segment,
        job_seeker: false,
        intent: 0.0,
        product: super::dist::below(rng, PRODUCTS.len() as u32) as usize,
        engagement,
        blanks: Blanks::default(),
    }
}

fn round_to(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sample(n: u64) -> Vec<Lead> {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        (1..=n).map(|i| draw_lead(&mut rng, LeadId(i), as_of, 30, 548)).collect()
    }

    #[test]
    fn lead_id_is_zero_padded() {
        assert_eq!(LeadId(1).to_string(), "L0000001");
        assert_eq!(LeadId(12_345_678).to_string(), "L12345678");
    }

    #[test]
    fn counts_respect_their_bounds() {
        for lead in sample(5_000) {
            let e = &lead.engagement;
            assert!(e.pricing_page_visits <= e.visits, "{lead:?}");
            assert!(e.careers_page_visits <= e.visits, "{lead:?}");
            assert!(e.email_clicks <= e.email_opens, "{lead:?}");
            assert!(e.days_since_last_activity <= lead.age_days, "{lead:?}");
            assert!((30..=548).contains(&lead.age_days));
            if !lead.email.reachable() {
                assert_eq!((e.email_opens, e.unsubscribed), (0, false));
            }
            if e.visits == 0 {
                assert_eq!((e.time_on_site_min, e.pages_per_visit), (0.0, 0.0));
            } else {
                assert!(e.pages_per_visit >= 1.0);
            }
        }
    }

    #[test]
    fn shares_are_near_their_design_values() {
        let leads = sample(20_000);
        let n = leads.len() as f64;
        let share = |f: &dyn Fn(&Lead) -> bool| leads.iter().filter(|l| f(l)).count() as f64 / n;
        let junk = share(&|l| l.junk);
        assert!((junk - 0.04).abs() < 0.006, "junk {junk}");
        let b2b = share(&|l| !l.junk && l.segment == Segment::B2B) / (1.0 - junk);
        assert!((b2b - 0.72).abs() < 0.015, "b2b {b2b}");
        let blank_industry = share(&|l| l.blanks.industry);
        assert!((blank_industry - 0.096).abs() < 0.01, "blank industry {blank_industry}");
    }

    #[test]
    fn engagement_rises_with_fit() {
        let leads = sample(20_000);
        let mean_visits = |s: Seniority| {
            let v: Vec<f64> = leads
                .iter()
                .filter(|l| l.seniority == Some(s) && l.segment == Segment::B2B)
                .map(|l| f64::from(l.engagement.visits))
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean_visits(Seniority::Vp) > mean_visits(Seniority::Individual) + 0.3);
        assert!(mean_visits(Seniority::Individual) > mean_visits(Seniority::Student));
    }

    #[test]
    fn junk_leads_barely_engage() {
        let junk: Vec<Lead> = sample(20_000).into_iter().filter(|l| l.junk).collect();
        assert!(junk.len() > 600);
        for lead in &junk {
            assert!(JUNK_NAMES.contains(&lead.first_name));
            assert_eq!(lead.seniority, None);
            assert!(!lead.email.reachable());
            let e = &lead.engagement;
            assert_eq!(e.pricing_page_visits + e.webinars_attended + e.email_opens, 0);
            assert!(!e.demo_requested);
        }
    }
}
