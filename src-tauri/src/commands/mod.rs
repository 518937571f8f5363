//! Thin IPC commands, one file per feature. Names and argument names are part of the contract in
//! `spo_ipc::commands`.

pub(crate) mod competitors;
pub(crate) mod data;
pub(crate) mod jobs;
pub(crate) mod notifications;
pub(crate) mod pricing;
pub(crate) mod recovery;
pub(crate) mod settings;
pub(crate) mod stores;
pub(crate) mod team;
