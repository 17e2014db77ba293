//! Data in and out: opening files ([`source`]; small whole files under a size limit:
//! [`limited`]), loading lead files ([`load`], which reads
//! CSV through [`csv_read`] and NDJSON through [`ndjson`]), typing values ([`typing`]), joining lookup tables ([`join`]), and
//! writing scored output ([`output`], staged through [`staging`]'s temporary files), and a
//! JSON tree that keeps its keys in order ([`ordered_json`], for checksums over a file's text).

pub mod csv_read;
pub mod join;
pub mod limited;
pub mod load;
pub mod ndjson;
pub mod ordered_json;
pub mod output;
pub mod read_ahead;
pub mod source;
pub mod staging;
pub mod typing;
