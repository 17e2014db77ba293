//! The rule-based points score (issue 4): placeholder until the rules engine lands.
