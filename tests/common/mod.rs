//! Helpers shared by the integration tests: `mod common;` in a test file, then
//! `use common::server::{Reply, Route, TestServer};`.
pub mod fetch_kit;
pub mod server;
