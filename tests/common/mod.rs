//! Helpers shared by the integration tests: `mod common;` in a test file, then
//! `use common::cli::newsfold;`, `use common::server::{Reply, Route, TestServer};`,
//! `use common::newsroom::*;` or `use common::fetch_kit::*;`.
#![allow(dead_code)] // Each test binary uses a different part of it.
pub mod cli;
pub mod fetch_kit;
pub mod newsroom;
pub mod server;
