//! Accounts and opportunities: money per deal ([`value`]: expected value = probability x
//! value, pipeline totals by grade and stage, per currency) and the account roll-up
//! ([`rollup`]: a company's numbers from its contacts' or deals' scores, read from a scored
//! file by [`scored`]), and money calibration on history ([`calibration`]).

pub mod buying_group;
pub mod calibration;
pub mod momentum;
pub mod rollup;
pub mod scored;
pub mod value;
