//! The activity log: one row per tracked event, consistent with the lead's count columns.
//!
//! For a lead with engagement `e`, the log holds exactly `e.visits` `web_visit` events,
//! `e.pricing_page_visits` `pricing_page_visit`, `e.careers_page_visits` `careers_page_visit`,
//! `e.downloads` `content_download`, `e.webinars_attended` `webinar_attended`, `e.email_opens`
//! `email_open`, `e.email_clicks` `email_click`, one `demo_request` if a demo was requested and
//! one `unsubscribe` if the lead unsubscribed. Timestamps are placed as follows (times in UTC,
//! day `D` is the day of the last activity, `days_since_last_activity` before the as-of date):
//!
//! - web visits, downloads, opens: uniform between the creation day 00:00:00 and day `D` 23:59:59;
//!   webinars the same but on the hour between 14:00 and 17:00;
//! - a pricing or careers view: 30 s to 15 min after one of the lead's web visits;
//! - a click: 10 s to 1 h after one of the opens; a demo request: 1 to 30 min after a pricing
//!   view (uniform if there was none); an unsubscribe: 1 min to 1 h after the last e-mail event;
//! - all of these are clamped to day `D`, and the latest event is moved onto day `D`, so the
//!   newest event of every lead falls exactly `days_since_last_activity` days before the as-of
//!   date.
//!
//! Events are written in time order per lead. `page` is filled for the three page events
//! (`web_visit`: a page of the site, `pricing_page_visit`: `/pricing`, `careers_page_visit`:
//! `/careers`); `product` for downloads, webinars and demo requests (the lead's product of
//! interest 75% of the time).

use rand::RngCore;

use super::dist::{below, chance, pick_uniform};
use super::lead::Lead;
use super::vocab::{PRODUCTS, WEB_PAGES};
use super::write::{push_text, DayTable};

/// The header of `activities.csv`.
pub const ACTIVITY_HEADER: [&str; 5] = ["lead_id", "activity", "timestamp", "page", "product"];

/// A kind of tracked event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Activity {
    /// A website session.
    WebVisit,
    /// A view of /pricing.
    PricingPageVisit,
    /// A view of /careers.
    CareersPageVisit,
    /// A gated-content download.
    ContentDownload,
    /// Attended a webinar.
    WebinarAttended,
    /// Opened a marketing e-mail.
    EmailOpen,
    /// Clicked a link in a marketing e-mail.
    EmailClick,
    /// Asked for a demo.
    DemoRequest,
    /// Unsubscribed from marketing e-mail.
    Unsubscribe,
}

impl Activity {
    /// Every kind, in log order for events with the same timestamp.
    pub const ALL: [Self; 9] = [
        Self::WebVisit,
        Self::PricingPageVisit,
        Self::CareersPageVisit,
        Self::ContentDownload,
        Self::WebinarAttended,
        Self::EmailOpen,
        Self::EmailClick,
        Self::DemoRequest,
        Self::Unsubscribe,
    ];

    /// The label in the `activity` column.
    pub fn label(self) -> &'static str {
        match self {
            Self::WebVisit => "web_visit",
            Self::PricingPageVisit => "pricing_page_visit",
            Self::CareersPageVisit => "careers_page_visit",
            Self::ContentDownload => "content_download",
            Self::WebinarAttended => "webinar_attended",
            Self::EmailOpen => "email_open",
            Self::EmailClick => "email_click",
            Self::DemoRequest => "demo_request",
            Self::Unsubscribe => "unsubscribe",
        }
    }
}

/// One event of a lead's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Seconds since 00:00:00 UTC of the lead's creation day.
    pub second: u64,
    /// What happened.
    pub activity: Activity,
    /// The page viewed ("" if not a page event).
    pub page: &'static str,
    /// The product concerned ("" if none).
    pub product: &'static str,
}

const DAY: u64 = 86_400;

/// Draws the events of `lead`, sorted by time, into `events` (cleared first).
pub fn draw_events<R: RngCore>(rng: &mut R, lead: &Lead, events: &mut Vec<Event>) {
    events.clear();
    let e = &lead.engagement;
    if e.event_count() == 0 {
        return;
    }
    let last_day = u64::from(lead.age_days - e.days_since_last_activity);
    let end = (last_day + 1) * DAY; // exclusive
    let anywhere = |rng: &mut R| uniform_below(rng, end);
    let after = |rng: &mut R, t: u64, lo: u64, hi: u64| (t + lo + uniform_below(rng, hi - lo)).min(end - 1);
    let product = |rng: &mut R| {
        if chance(rng, 0.75) {
            PRODUCTS[lead.product]
        } else {
            pick_uniform(rng, &PRODUCTS)
        }
    };
    let push = |events: &mut Vec<Event>, second, activity, page, product| {
        events.push(Event { second, activity, page, product })
    };

    for _ in 0..e.visits {
        let page = if chance(rng, 0.3) {
            ["/product/analytics", "/product/crm", "/product/automation"][lead.product]
        } else {
            pick_uniform(rng, WEB_PAGES)
        };
        let t = anywhere(rng);
        push(events, t, Activity::WebVisit, page, "");
    }
    let visits = events.len();
    let page_views = |rng: &mut R, events: &mut Vec<Event>, n: u32, activity, page| {
        for _ in 0..n {
            let visit = events[below(rng, visits as u32) as usize].second;
            let t = after(rng, visit, 30, 900);
            push(events, t, activity, page, "");
        }
    };
    page_views(rng, events, e.pricing_page_visits, Activity::PricingPageVisit, "/pricing");
    page_views(rng, events, e.careers_page_visits, Activity::CareersPageVisit, "/careers");
    for _ in 0..e.downloads {
        let (t, p) = (anywhere(rng), product(rng));
        push(events, t, Activity::ContentDownload, "", p);
    }
    for _ in 0..e.webinars_attended {
        let day = uniform_below(rng, last_day + 1);
        let t = day * DAY + (14 + uniform_below(rng, 4)) * 3600;
        let p = product(rng);
        push(events, t, Activity::WebinarAttended, "", p);
    }
    let opens_start = events.len();
    for _ in 0..e.email_opens {
        let t = anywhere(rng);
        push(events, t, Activity::EmailOpen, "", "");
    }
    for _ in 0..e.email_clicks {
        let open = events[opens_start + below(rng, e.email_opens) as usize].second;
        let t = after(rng, open, 10, 3600);
        push(events, t, Activity::EmailClick, "", "");
    }
    if e.demo_requested {
        let pricing: Vec<u64> =
            events.iter().filter(|ev| ev.activity == Activity::PricingPageVisit).map(|ev| ev.second).collect();
        let t = if pricing.is_empty() {
            anywhere(rng)
        } else {
            let view = pricing[below(rng, pricing.len() as u32) as usize];
            after(rng, view, 60, 1800)
        };
        let p = product(rng);
        push(events, t, Activity::DemoRequest, "", p);
    }
    if e.unsubscribed {
        let last_email = events[opens_start..].iter().map(|ev| ev.second).max();
        let t = match last_email {
            Some(t) => after(rng, t, 60, 3600),
            None => anywhere(rng),
        };
        push(events, t, Activity::Unsubscribe, "", "");
    }
    // Put the newest event on day D. Moving the newest event later keeps every "after" relation.
    let newest = (0..events.len()).max_by_key(|&i| (events[i].second, i)).expect("events is non-empty");
    if events[newest].second < last_day * DAY {
        events[newest].second = last_day * DAY + uniform_below(rng, DAY);
    }
    events.sort_by_key(|ev| (ev.second, ev.activity));
}

fn uniform_below<R: RngCore>(rng: &mut R, n: u64) -> u64 {
    // n is at most a few hundred days of seconds, far below 2^32.
    u64::from(below(rng, n as u32))
}

/// Appends the CSV rows of `events` (of `lead`) to `out`; returns the number of rows.
pub fn push_events(out: &mut Vec<u8>, days: &DayTable, lead: &Lead, events: &[Event]) -> u64 {
    let id = lead.id.to_string();
    for ev in events {
        out.extend_from_slice(id.as_bytes());
        out.push(b',');
        out.extend_from_slice(ev.activity.label().as_bytes());
        out.push(b',');
        let day = (ev.second / DAY) as u32;
        days.push_timestamp(out, lead.age_days - day, (ev.second % DAY) as u32);
        out.push(b',');
        push_text(out, ev.page);
        out.push(b',');
        push_text(out, ev.product);
        out.push(b'\n');
    }
    events.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::lead::{draw_lead, LeadId};
    use chrono::NaiveDate;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn leads_with_events(n: u64) -> Vec<(Lead, Vec<Event>)> {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let mut lead_rng = ChaCha8Rng::seed_from_u64(3);
        let mut event_rng = ChaCha8Rng::seed_from_u64(4);
        (1..=n)
            .map(|i| {
                let lead = draw_lead(&mut lead_rng, LeadId(i), as_of, 0, 548);
                let mut events = Vec::new();
                draw_events(&mut event_rng, &lead, &mut events);
                (lead, events)
            })
            .collect()
    }

    #[test]
    fn event_counts_equal_count_columns() {
        for (lead, events) in leads_with_events(3_000) {
            let count = |a: Activity| events.iter().filter(|ev| ev.activity == a).count() as u32;
            let e = &lead.engagement;
            assert_eq!(count(Activity::WebVisit), e.visits);
            assert_eq!(count(Activity::PricingPageVisit), e.pricing_page_visits);
            assert_eq!(count(Activity::CareersPageVisit), e.careers_page_visits);
            assert_eq!(count(Activity::ContentDownload), e.downloads);
            assert_eq!(count(Activity::WebinarAttended), e.webinars_attended);
            assert_eq!(count(Activity::EmailOpen), e.email_opens);
            assert_eq!(count(Activity::EmailClick), e.email_clicks);
            assert_eq!(count(Activity::DemoRequest), u32::from(e.demo_requested));
            assert_eq!(count(Activity::Unsubscribe), u32::from(e.unsubscribed));
        }
    }

    #[test]
    fn newest_event_is_days_since_last_activity_ago() {
        for (lead, events) in leads_with_events(3_000) {
            let Some(newest) = events.last() else {
                assert_eq!(lead.engagement.days_since_last_activity, lead.age_days);
                continue;
            };
            let back = lead.age_days - (newest.second / DAY) as u32;
            assert_eq!(back, lead.engagement.days_since_last_activity, "{lead:?}");
            assert!(events.windows(2).all(|w| w[0].second <= w[1].second));
        }
    }

    #[test]
    fn clicks_follow_opens_and_unsubscribe_follows_email() {
        for (_, events) in leads_with_events(3_000) {
            let first = |a| events.iter().position(|ev: &Event| ev.activity == a);
            if let Some(click) = first(Activity::EmailClick) {
                assert!(first(Activity::EmailOpen).unwrap() < click);
            }
            if let Some(unsub) = first(Activity::Unsubscribe) {
                let last_email =
                    events.iter().rposition(|ev| matches!(ev.activity, Activity::EmailOpen | Activity::EmailClick));
                assert!(last_email.is_none_or(|i| i < unsub));
            }
        }
    }

    #[test]
    fn page_and_product_are_filled_where_documented() {
        for (_, events) in leads_with_events(1_000) {
            for ev in events {
                match ev.activity {
                    Activity::WebVisit => assert!(ev.page.starts_with('/') && ev.product.is_empty()),
                    Activity::PricingPageVisit => assert_eq!(ev.page, "/pricing"),
                    Activity::CareersPageVisit => assert_eq!(ev.page, "/careers"),
                    Activity::ContentDownload | Activity::WebinarAttended | Activity::DemoRequest => {
                        assert!(PRODUCTS.contains(&ev.product) && ev.page.is_empty())
                    }
                    _ => assert_eq!((ev.page, ev.product), ("", "")),
                }
            }
        }
    }

    #[test]
    fn rows_are_formatted() {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let days = DayTable::new(as_of, 10);
        let mut lead = leads_with_events(1).remove(0).0;
        lead.id = LeadId(42);
        lead.age_days = 3;
        let events = [Event { second: DAY + 3_661, activity: Activity::DemoRequest, page: "", product: "crm" }];
        let mut out = Vec::new();
        assert_eq!(push_events(&mut out, &days, &lead, &events), 1);
        assert_eq!(String::from_utf8(out).unwrap(), "L0000042,demo_request,2026-06-28T01:01:01Z,,crm\n");
    }
}
