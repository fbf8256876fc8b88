//! Helpers shared by the integration tests: `mod common;` in a test file, then
//! `use common::server::{Reply, Route, TestServer};` or `use common::newsroom::*;`.
#![allow(dead_code)] // Each test binary uses a different part of it.
pub mod newsroom;
pub mod server;
