//! Feed and sitemap parsing of the fixtures in `tests/fixtures/feeds/` (one quirk per file,
//! see the README there).

use std::path::PathBuf;

use newsfold::fetch::{parse_feed, parse_sitemap, FeedEntry};

const BASE: &str = "https://journal.example.fr/rss/une.xml";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn feed(name: &str) -> Vec<FeedEntry> {
    parse_feed(&fixture(name), None, BASE).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn urls(entries: &[FeedEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.url.as_str()).collect()
}

fn titles(entries: &[FeedEntry]) -> Vec<&str> {
    entries.iter().filter_map(|e| e.title.as_deref()).collect()
}

#[test]
fn broken_entities_are_repaired_not_fatal() {
    // The quirk is real: a plain feed-rs parse rejects this file.
    assert!(feed_rs::parser::parse(&fixture("broken-entity.xml")[..]).is_err());
    let entries = feed("broken-entity.xml");
    assert_eq!(
        titles(&entries),
        ["Base aérienne : la fermeture confirmée", "Santé & économie"]
    );
    assert_eq!(
        urls(&entries)[0],
        "https://journal.example.fr/2024/07/16/base-aerienne"
    );
    let published = entries[0].published.map(|d| d.to_rfc3339());
    assert_eq!(published.as_deref(), Some("2024-07-16T06:30:00+00:00"));
}

#[test]
fn control_characters_are_dropped_not_fatal() {
    let entries = feed("control-chars.xml");
    assert_eq!(
        titles(&entries),
        ["Incendie dans la forêt des Landes", "Météo : canicule"]
    );
}

#[test]
fn atom_relative_links_are_resolved_and_linkless_entries_skipped() {
    let entries = feed("atom-relative-links.xml");
    assert_eq!(
        urls(&entries),
        [
            "https://journal.example.fr/2024/07/16/base-aerienne",
            "https://journal.example.fr/elus.html"
        ]
    );
    // `published` wins over `updated`; `updated` serves when alone.
    let dates: Vec<String> = entries
        .iter()
        .filter_map(|e| e.published.map(|d| d.to_rfc3339()))
        .collect();
    assert_eq!(
        dates,
        ["2024-07-16T06:30:00+00:00", "2024-07-16T10:00:00+00:00"]
    );
}

#[test]
fn json_feed_items_with_urls_are_read() {
    let entries = feed("json-feed.json");
    assert_eq!(
        urls(&entries),
        [
            "https://journal.example.fr/2024/07/16/base-aerienne",
            "https://journal.example.fr/2024/07/16/elus"
        ]
    );
    assert_eq!(titles(&entries)[1], "Les élus réagissent");
}

#[test]
fn windows_1252_prolog_is_honoured() {
    let entries = feed("rss-windows-1252-prolog.xml");
    assert_eq!(titles(&entries), ["L’été des élus : « Ça coûte cher »"]);
}

#[test]
fn news_sitemap_gives_entries_with_news_metadata() {
    for name in ["news-sitemap.xml", "news-sitemap.xml.gz"] {
        let sitemap = parse_sitemap(
            &fixture(name),
            None,
            "https://journal.example.fr/sitemap-news.xml",
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            urls(&sitemap.entries),
            [
                "https://journal.example.fr/2024/07/16/base-aerienne?from=sitemap&page=1",
                "https://journal.example.fr/2024/07/16/elus"
            ],
            "{name}"
        );
        assert_eq!(
            titles(&sitemap.entries),
            ["Base aérienne : la fermeture confirmée"]
        );
        let dates: Vec<String> = sitemap
            .entries
            .iter()
            .filter_map(|e| e.published.map(|d| d.to_rfc3339()))
            .collect();
        assert_eq!(
            dates,
            ["2024-07-16T06:30:00+00:00", "2024-07-16T00:00:00+00:00"]
        );
        assert!(sitemap.children.is_empty());
    }
}

#[test]
fn sitemap_index_gives_children() {
    let sitemap = parse_sitemap(
        &fixture("sitemap-index.xml"),
        None,
        "https://journal.example.fr/sitemap.xml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(sitemap.entries.is_empty());
    assert_eq!(
        sitemap.children,
        [
            "https://journal.example.fr/sitemap-news.xml",
            "https://journal.example.fr/sitemap-2024-07.xml.gz"
        ]
    );
}

#[test]
fn garbage_is_a_clear_error() {
    let err = parse_feed(
        b"<html><body>Consent wall</body></html>",
        Some("text/html"),
        BASE,
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("parsing feed: "), "{err}");
}

proptest::proptest! {
    #[test]
    fn any_bytes_parse_or_fail_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = parse_feed(&bytes, None, BASE);
        let _ = parse_sitemap(&bytes, None, BASE);
    }

    #[test]
    fn xml_soup_never_panics(s in "(<urlset>|<url>|<loc>|</loc>|</url>|<rss>|<item>|<link>|&amp;|&eacute;|&|<!\\[CDATA\\[|\\]\\]>|[a-z/:.]){0,40}") {
        let _ = parse_feed(s.as_bytes(), None, BASE);
        let _ = parse_sitemap(s.as_bytes(), None, BASE);
    }
}
