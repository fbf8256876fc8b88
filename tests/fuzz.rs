//! Hostile bytes through the pure stages (issue 6's fuzz target, as proptest): whatever a
//! server sends, `pipeline::clean` (decode → nesting bound → extract → boilerplate) returns
//! without panicking, gives the same answer twice, and produces output no bigger than a
//! small multiple of its input (so memory is bounded by the body cap). Deeply nested and
//! misnested HTML, the inputs that make HTML parsers quadratic or blow their stack, go
//! through as well and keep their text.
//!
//! A cargo-fuzz target would need nightly; these properties run in `cargo test`.

use newsfold::boilerplate::NoTemplates;
use newsfold::pipeline::{bound_nesting, clean, Cleaned, Source, MAX_NESTING};
use proptest::prelude::*;

fn source() -> Source {
    Source {
        outlet: "Le Site".into(),
        lang: Some("fr".into()),
        ..Source::default()
    }
}

fn run(body: &[u8], content_type: Option<&str>) -> Cleaned {
    clean(
        body,
        content_type,
        "https://example.fr/2024/07/16/article",
        &source(),
        &NoTemplates,
        4,
    )
}

/// Everything the article holds, as text.
fn output_len(c: &Cleaned) -> usize {
    let a = &c.article;
    a.text().len()
        + a.title.as_deref().map_or(0, str::len)
        + a.authors.iter().map(String::len).sum::<usize>()
        + a.removals.iter().map(|r| r.text.len()).sum::<usize>()
}

/// The cleaned output may not outgrow the input by more than decoding can (a byte becomes
/// at most a 3-byte U+FFFD) plus what the stages copy twice (title, removal records).
fn assert_bounded(body: &[u8], c: &Cleaned) {
    assert!(
        output_len(c) <= 8 * body.len() + 256,
        "{} bytes out of {} in",
        output_len(c),
        body.len()
    );
}

/// Pieces of HTML that real and broken pages are made of.
fn html_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<div>".to_string()),
        Just("</div>".to_string()),
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<b><i>".to_string()),
        Just("</b>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("<article>".to_string()),
        Just("<script>".to_string()),
        Just("</script>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<svg><path/>".to_string()),
        Just("<meta charset=\"windows-1252\">".to_string()),
        Just(
            "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":"
                .to_string()
        ),
        Just("<title>".to_string()),
        Just("&amp;&#x10FFFF;&#0;&nbsp".to_string()),
        Just("<a href=\"javascript:x\">".to_string()),
        Just("<div class=\"share\">Partager sur Facebook</div>".to_string()),
        "[a-zA-Zéèàç .,'\"<>/=&;\u{0}-\u{1f}]{0,40}",
        "Le ministère a annoncé mardi [a-zé ]{10,80}\\.",
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("text/html".to_string())),
        Just(Some("text/html; charset=utf-8".to_string())),
        Just(Some("text/html; charset=iso-8859-1".to_string())),
        Just(Some("text/html; charset=utf-16".to_string())),
        Just(Some("text/html; charset=\"bogus\"".to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..4096), ct in content_type()) {
        let once = run(&body, ct.as_deref());
        assert_bounded(&body, &once);
        let twice = run(&body, ct.as_deref());
        prop_assert_eq!(&once.article, &twice.article);
        prop_assert_eq!(once.encoding, twice.encoding);
    }

    #[test]
    fn html_soup_never_panics(pieces in prop::collection::vec(html_piece(), 0..300), ct in content_type()) {
        let body = pieces.concat().into_bytes();
        let once = run(&body, ct.as_deref());
        assert_bounded(&body, &once);
        let twice = run(&body, ct.as_deref());
        prop_assert_eq!(&once.article, &twice.article);
    }

    #[test]
    fn nesting_bound_keeps_every_text_byte(pieces in prop::collection::vec(html_piece(), 0..400), depth in 1usize..64) {
        let html = pieces.concat();
        let bounded = bound_nesting(&html, depth);
        // Only tags are left out: the text is all there, in order.
        prop_assert!(bounded.len() <= html.len());
        let kept: Vec<char> = bounded.chars().filter(|c| c.is_alphanumeric()).collect();
        let orig: Vec<char> = html.chars().filter(|c| c.is_alphanumeric()).collect();
        // Letters of dropped tag names go, letters of text stay: a subsequence.
        let mut it = orig.iter();
        prop_assert!(kept.iter().all(|k| it.any(|o| o == k)));
    }
}

/// A page whose article sits under `depth` levels of `open`.
fn nested_page(open: &str, close: &str, depth: usize) -> String {
    let paragraphs = "<p>Le ministère des Armées a confirmé mardi soir que deux drones avaient été abattus près de la base, sans faire de victime.</p>\
        <p>Selon un responsable de la coalition, l'attaque n'a pas été revendiquée et une enquête est en cours pour en établir l'origine.</p>";
    format!(
        "<!doctype html><html><head><title>Drones abattus</title></head><body>{}<article>{paragraphs}</article>{}</body></html>",
        open.repeat(depth),
        close.repeat(depth)
    )
}

#[test]
fn deeply_nested_pages_are_bounded_and_keep_their_article() {
    // The parser opens `tbody`, `tr` and `td` under each table: four levels per table.
    for (open, close, levels) in [
        ("<div>", "</div>", 1),
        ("<div>", "", 1),
        ("<span><b>", "", 1),
        ("<div/>", "", 1),
        ("<table><tr><td>", "</td></tr></table>", 4),
        ("<div></span>", "", 1),
    ] {
        let page = nested_page(open, close, 50_000);
        let bounded = bound_nesting(&page, MAX_NESTING);
        let doc = scraper::Html::parse_document(&bounded);
        let depth = doc
            .tree
            .root()
            .descendants()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0);
        assert!(
            depth <= MAX_NESTING * levels + 8,
            "{open}: depth {depth} after the bound"
        );
        let cleaned = run(page.as_bytes(), Some("text/html; charset=utf-8"));
        let text = cleaned.article.text();
        assert!(
            text.contains("deux drones avaient été abattus")
                && text.contains("enquête est en cours"),
            "{open}: {text:?}"
        );
        assert_bounded(page.as_bytes(), &cleaned);
    }
}

#[test]
fn misnested_formatting_tags_do_not_explode() {
    // The adoption agency's worst case: formatting elements closed in the wrong order.
    let page = "<b><i><u><s>Texte".repeat(5_000) + &"</b></i></u></s>".repeat(5_000);
    let cleaned = run(page.as_bytes(), None);
    assert_bounded(page.as_bytes(), &cleaned);
    assert!(cleaned.article.text().len() <= page.len());
}
