//! Data in and out: loading lead files ([`load`], [`chunk`]), typing values ([`typing`]),
//! and writing scored output ([`output`]).

pub mod chunk;
pub mod load;
pub mod output;
pub mod typing;
