//! The categorical values a lead can take, with the labels written to the CSV files and the
//! word lists (first names, job titles, web pages) the generator draws text from.
//!
//! Weights and effect sizes live next to the process that uses them ([`super::lead`] and
//! [`super::outcome`]); this file only says what the values are and how they are spelt.

/// The kind of e-mail address a lead gave (`email_domain_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailDomain {
    /// A company domain.
    Corporate,
    /// A free mailbox (gmail, outlook, ...).
    Personal,
    /// A throw-away mailbox (mailinator, ...): never reads mail.
    Disposable,
    /// No address given; written as an empty cell.
    Missing,
}

impl EmailDomain {
    /// The CSV label (empty for [`EmailDomain::Missing`]).
    pub fn label(self) -> &'static str {
        match self {
            Self::Corporate => "corporate",
            Self::Personal => "personal",
            Self::Disposable => "disposable",
            Self::Missing => "",
        }
    }

    /// Whether the lead can receive (and so open, click and unsubscribe from) e-mail.
    pub fn reachable(self) -> bool {
        matches!(self, Self::Corporate | Self::Personal)
    }
}

/// The lead's seniority as the CRM would normalise it from the job title (`seniority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seniority {
    /// CEO, CTO, founder, owner.
    CLevel,
    /// Vice presidents.
    Vp,
    /// Directors and heads of function.
    Director,
    /// Managers.
    Manager,
    /// Individual contributors.
    Individual,
    /// Students and interns.
    Student,
}

impl Seniority {
    /// Every value, in CSV order.
    pub const ALL: [Self; 6] = [Self::CLevel, Self::Vp, Self::Director, Self::Manager, Self::Individual, Self::Student];

    /// The CSV label.
    pub fn label(self) -> &'static str {
        match self {
            Self::CLevel => "c-level",
            Self::Vp => "vp",
            Self::Director => "director",
            Self::Manager => "manager",
            Self::Individual => "individual",
            Self::Student => "student",
        }
    }
}

/// Head-count band of the lead's company (`company_size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanySize {
    /// 1–10 employees.
    S1To10,
    /// 11–50 employees.
    S11To50,
    /// 51–200 employees.
    S51To200,
    /// 201–1000 employees.
    S201To1000,
    /// 1001–5000 employees.
    S1001To5000,
    /// More than 5000 employees.
    S5000Plus,
}

impl CompanySize {
    /// Every value, smallest first.
    pub const ALL: [Self; 6] =
        [Self::S1To10, Self::S11To50, Self::S51To200, Self::S201To1000, Self::S1001To5000, Self::S5000Plus];

    /// The CSV label.
    pub fn label(self) -> &'static str {
        match self {
            Self::S1To10 => "1-10",
            Self::S11To50 => "11-50",
            Self::S51To200 => "51-200",
            Self::S201To1000 => "201-1000",
            Self::S1001To5000 => "1001-5000",
            Self::S5000Plus => "5000+",
        }
    }
}

/// The lead's industry (`industry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Industry {
    /// Software and internet.
    Software,
    /// Banking, insurance, fintech.
    FinancialServices,
    /// Healthcare and life sciences.
    Healthcare,
    /// Retail and e-commerce.
    Retail,
    /// Manufacturing.
    Manufacturing,
    /// Schools and universities.
    Education,
    /// Media and entertainment.
    Media,
    /// Agencies, consultancies, law and accounting firms.
    ProfessionalServices,
    /// Public sector.
    Government,
    /// Charities and NGOs.
    NonProfit,
}

impl Industry {
    /// The CSV label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Software => "Software",
            Self::FinancialServices => "Financial Services",
            Self::Healthcare => "Healthcare",
            Self::Retail => "Retail",
            Self::Manufacturing => "Manufacturing",
            Self::Education => "Education",
            Self::Media => "Media",
            Self::ProfessionalServices => "Professional Services",
            Self::Government => "Government",
            Self::NonProfit => "Non-profit",
        }
    }
}

/// Countries with their share of leads: a long tail after the United States. Country has no
/// effect on engagement or conversion; it is a deliberate noise column.
pub const COUNTRIES: [(&str, f64); 12] = [
    ("United States", 0.37),
    ("United Kingdom", 0.12),
    ("Germany", 0.09),
    ("India", 0.08),
    ("Canada", 0.07),
    ("France", 0.06),
    ("Australia", 0.05),
    ("Netherlands", 0.04),
    ("Brazil", 0.04),
    ("Spain", 0.03),
    ("Singapore", 0.03),
    ("Mexico", 0.02),
];

/// How the lead reached us (`lead_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadSource {
    /// Unpaid search results.
    OrganicSearch,
    /// Search ads.
    PaidSearch,
    /// Registered for a webinar.
    Webinar,
    /// Recommended by a customer.
    Referral,
    /// Sent by a reseller or integration partner.
    Partner,
    /// Badge scan at a trade show.
    TradeShow,
    /// Filled in a gated-content form.
    ContentDownload,
    /// Bought or scraped contact list.
    ColdList,
    /// Social media.
    Social,
}

impl LeadSource {
    /// The CSV label.
    pub fn label(self) -> &'static str {
        match self {
            Self::OrganicSearch => "organic search",
            Self::PaidSearch => "paid search",
            Self::Webinar => "webinar",
            Self::Referral => "referral",
            Self::Partner => "partner",
            Self::TradeShow => "trade show",
            Self::ContentDownload => "content download",
            Self::ColdList => "cold list",
            Self::Social => "social",
        }
    }
}

/// Business or consumer lead (`segment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Buys for a company.
    B2B,
    /// Buys for themself.
    B2C,
}

impl Segment {
    /// The CSV label.
    pub fn label(self) -> &'static str {
        match self {
            Self::B2B => "B2B",
            Self::B2C => "B2C",
        }
    }
}

/// The products a download, webinar or demo request is about (`product` in the activity log).
pub const PRODUCTS: [&str; 3] = ["analytics", "crm", "automation"];

/// First names for real leads (some with apostrophes, hyphens and non-ASCII letters).
pub const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Thomas",
    "Sarah",
    "Daniel",
    "Karen",
    "Matthew",
    "Emily",
    "Anthony",
    "Olivia",
    "Mark",
    "Emma",
    "Steven",
    "Sophie",
    "Paul",
    "Hannah",
    "Andrew",
    "Laura",
    "Priya",
    "Rahul",
    "Ananya",
    "Arjun",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Lukas",
    "Anna",
    "Felix",
    "Lea",
    "Jonas",
    "Marie",
    "Lucas",
    "Camille",
    "Hugo",
    "Chloé",
    "José",
    "María",
    "Carlos",
    "Lucía",
    "João",
    "Ana",
    "Sven",
    "Ingrid",
    "Liam",
    "Noah",
    "Anne-Marie",
    "D'Andre",
    "Siobhán",
    "Zoë",
    "Oliver",
    "Charlotte",
    "Ethan",
    "Ava",
    "Mohammed",
    "Fatima",
    "Omar",
    "Aisha",
    "Ben",
    "Grace",
    "Sam",
    "Alex",
];

/// Placeholder and keyboard-mash names typed by junk leads.
pub const JUNK_NAMES: &[&str] =
    &["test", "Test", "asdf", "qwerty", "aaa", "xxx", "asdfgh", "zzz", "jjjj", "none", "TEST", "a"];

/// Job titles typed by leads of each seniority, including abbreviations and sloppy spellings.
pub fn job_titles(seniority: Seniority) -> &'static [&'static str] {
    match seniority {
        Seniority::CLevel => &[
            "CEO",
            "Chief Executive Officer",
            "CTO",
            "CMO",
            "Chief Marketing Officer",
            "COO",
            "Founder & CEO",
            "Co-Founder",
            "CFO",
            "ceo",
            "Owner",
            "Founder",
        ],
        Seniority::Vp => &[
            "VP Marketing",
            "VP of Sales",
            "Vice President, Marketing",
            "VP Engineering",
            "SVP Growth",
            "V.P. Sales",
            "vp mktg",
            "VP Operations",
        ],
        Seniority::Director => &[
            "Director of Marketing",
            "Marketing Director",
            "Sales Director",
            "Director, Demand Generation",
            "Head of Growth",
            "Head of Marketing",
            "IT Director",
            "dir. marketing",
        ],
        Seniority::Manager => &[
            "Marketing Manager",
            "Sales Manager",
            "Product Manager",
            "Marketing Ops Manager",
            "Project Manager",
            "Manager",
            "mktg mgr",
            "Marketing Manager, EMEA",
            "Engineering Manager",
        ],
        Seniority::Individual => &[
            "Software Engineer",
            "Marketing Specialist",
            "Sales Representative",
            "Data Analyst",
            "Account Executive",
            "Consultant",
            "Designer",
            "Developer",
            "SDR",
            "Marketing Coordinator",
            "engineer",
            "analyst",
            "Freelancer",
            "Self-employed",
        ],
        Seniority::Student => &["Student", "student", "MBA Candidate", "Intern", "Graduate Student", "PhD Student"],
    }
}

/// Job titles typed by junk leads (one contains a quote, to exercise CSV quoting).
pub const JUNK_TITLES: &[&str] = &["test", "asdf", "x", "n/a", "-", "none", "???", "Head of \"Everything\"", "qwerty"];

/// Pages a `web_visit` event lands on (pricing and careers views are their own activities).
pub const WEB_PAGES: &[&str] = &[
    "/",
    "/blog/lead-scoring-101",
    "/blog/crm-hygiene",
    "/blog/marketing-automation-roi",
    "/blog/dashboards-that-matter",
    "/product/analytics",
    "/product/crm",
    "/product/automation",
    "/docs/getting-started",
    "/customers",
    "/integrations",
    "/about",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_the_documented_spellings() {
        let seniority: Vec<_> = Seniority::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(seniority, ["c-level", "vp", "director", "manager", "individual", "student"]);
        let sizes: Vec<_> = CompanySize::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(sizes, ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"]);
        assert_eq!(EmailDomain::Missing.label(), "");
        assert_eq!(LeadSource::ContentDownload.label(), "content download");
    }

    #[test]
    fn country_shares_sum_to_one() {
        let total: f64 = COUNTRIES.iter().map(|(_, w)| w).sum();
        assert!((total - 1.0).abs() < 1e-12, "total {total}");
    }

    #[test]
    fn every_seniority_has_titles() {
        for s in Seniority::ALL {
            assert!(job_titles(s).len() >= 6, "{s:?}");
        }
    }
}
