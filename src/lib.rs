//! newsfold: a deduplicating news scraper.
//!
//! ```text
//! feeds.toml ─► config ─► fetch (robots, pacing, conditional GET) ─► decode (charset)
//!            ─► extract (DOM → Article) ─► boilerplate (banners, widgets, repeats, templates)
//!            ─► cluster (copies, stories) ─► store (sled) ─► dump
//! ```
//!
//! `extract`, `boilerplate` and `cluster` compute without I/O: what they need from the store
//! arrives as arguments. `fetch` and `store` are the only stages that touch the outside world.
//! The `cli` module drives the stages for each command.
#![forbid(unsafe_code)]

pub mod boilerplate;
pub mod canonical;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod decode;
pub mod extract;
pub mod fetch;
pub mod model;
pub mod pipeline;
pub mod store;
