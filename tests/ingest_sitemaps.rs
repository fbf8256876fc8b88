//! `ingest` of an outlet listed by sitemaps only (issue 2: "news sitemaps are welcome";
//! issue 6: conditional GET for sitemaps too): a sitemap index whose children are a
//! Google News sitemap and a gzipped plain sitemap, each child's articles stored with the
//! sitemap's dates; the second run gets a 304 for the index, still visits its children,
//! and stores nothing twice.

mod common;

use std::io::Write;

use common::cli::newsfold;
use common::newsroom::{article_page, Report, REPORTS};
use common::server::{Reply, Route, TestServer};

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

fn conditional(content_type: &str, body: impl Into<Vec<u8>>, tag: &str) -> Route {
    Route::Conditional {
        etag: Some(format!("\"{tag}\"")),
        last_modified: None,
        reply: Reply::ok(content_type, body),
    }
}

/// Seed 000 under a path without a date, on a page without a date either.
const UNDATED: Report = Report {
    path: "/monde/drones-abattus-al-asad",
    ..REPORTS[0]
};

/// Seeds 000 and 003 in the news sitemap (000's page and URL carry no date: the sitemap's
/// `publication_date` is used), 004 in the gzipped plain sitemap.
fn sitemap_outlet() -> TestServer {
    TestServer::start_with(|base| {
        let index = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<sitemap><loc>{base}/news.xml</loc></sitemap>\n<sitemap><loc>{base}/archive.xml.gz</loc><lastmod>2021-06-30</lastmod></sitemap>\n</sitemapindex>\n"
        );
        let news_url = |r: &Report, date: &str| {
            format!(
                "<url><loc>{base}{}</loc><news:news><news:publication><news:name>Le Site</news:name><news:language>fr</news:language></news:publication><news:publication_date>{date}</news:publication_date><news:title>{}</news:title></news:news></url>\n",
                r.path, r.title
            )
        };
        let news = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n{}{}</urlset>\n",
            news_url(&UNDATED, "2021-06-07T09:15:00+02:00"),
            news_url(&REPORTS[3], "2022-01-04T10:00:00+01:00"),
        );
        let archive = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<url><loc>{base}{}</loc><lastmod>2021-06-20</lastmod></url>\n</urlset>\n",
            REPORTS[4].path
        );
        // Seed 000's page without its JSON-LD date.
        let undated = article_page("Le Site", &UNDATED, base, "utf-8")
            .replace("\"datePublished\":\"2021-06-07T08:30:00+02:00\",", "");
        vec![
            (
                "/sitemap_index.xml".into(),
                conditional("application/xml", index, "i1"),
            ),
            (
                "/news.xml".into(),
                conditional("application/xml", news, "n1"),
            ),
            (
                "/archive.xml.gz".into(),
                Route::Fixed(Reply::ok("application/x-gzip", gzip(&archive))),
            ),
            (UNDATED.path.into(), Route::Fixed(Reply::html(undated))),
            (
                REPORTS[3].path.into(),
                Route::Fixed(Reply::html(article_page(
                    "Le Site",
                    &REPORTS[3],
                    base,
                    "utf-8",
                ))),
            ),
            (
                REPORTS[4].path.into(),
                Route::Fixed(Reply::html(article_page(
                    "Le Site",
                    &REPORTS[4],
                    base,
                    "utf-8",
                ))),
            ),
        ]
    })
}

#[test]
fn sitemap_index_news_sitemap_and_gzipped_child_through_ingest() {
    let site = sitemap_outlet();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("feeds.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\nper_host_delay_secs = 0.01\n\n[[outlet]]\nname = \"Le Site\"\nlang = \"fr\"\nsitemaps = [\"{}\"]\n",
            site.url("/sitemap_index.xml")
        ),
    )
    .expect("write config");
    let config = config.to_str().expect("utf-8");
    let store = dir.path().join("store");
    let store_arg = store.to_str().expect("utf-8");
    let args = ["ingest", "--config", config, "--store", store_arg];

    let first = newsfold(&args);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{err}");
    assert!(
        err.contains("feeds 3 ok (0 not modified) / 0 failed"),
        "{err}"
    );
    assert!(err.contains("3 new articles"), "{err}");

    let db = newsfold::store::Store::open(
        &store,
        newsfold::store::Access::Wait(std::time::Duration::from_secs(5)),
    )
    .expect("open store");
    let stored = |r: &Report| {
        let id = newsfold::store::article_id(
            &newsfold::canonical::canonicalize(&site.url(r.path)).expect("url"),
        );
        db.article(&id)
            .expect("read")
            .unwrap_or_else(|| panic!("{} stored", r.path))
    };
    let undated = stored(&UNDATED);
    let published = undated.published.expect("a date from the news sitemap");
    assert_eq!(published.at.to_rfc3339(), "2021-06-07T07:15:00+00:00");
    assert!(stored(&REPORTS[3]).text.contains("drones"));
    assert_eq!(stored(&REPORTS[4]).outlet, "Le Site");
    drop(db);

    // Second run: the index is not modified, its children are still visited (the news
    // sitemap answers 304 too, the gzipped one is downloaded again), nothing is stored twice
    // and no article page is fetched again.
    let second = newsfold(&args);
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{err}");
    assert!(err.contains("feeds 3 ok (2 not modified)"), "{err}");
    assert!(err.contains(" 0 new articles"), "{err}");
    assert_eq!(site.requests_to("/archive.xml.gz").len(), 2);
    for r in [&UNDATED, &REPORTS[3], &REPORTS[4]] {
        assert_eq!(site.requests_to(r.path).len(), 1, "{} fetched once", r.path);
    }
    let check = newsfold(&["check", "--store", store_arg]);
    assert_eq!(check.status.code(), Some(0));
}
