//! Fetch stage against the loopback test server: one test per fault case of issue 6.
mod common;

use common::server::{Reply, Route, TestServer};

#[test]
fn server_answers_routes_and_records_requests() {
    let server = TestServer::start([("/a", Route::Fixed(Reply::html("hello")))]);
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.ends_with("hello"), "{out}");
    let log = server.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].path(), "/a");
    assert_eq!(log[0].header("HOST"), Some("x"));
}
