//! Pilot tests with a control group (issue 5): placeholder until it lands.
