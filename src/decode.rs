//! Charset decoding: page bytes → `String`.
//!
//! In: the body bytes and the HTTP `Content-Type`. Out: text, and which encoding was used
//! and why. Runs after fetch, before extract. Pure: no I/O, same bytes give the same text.
//!
//! The order follows the WHATWG encoding sniffing algorithm, with two scraper-minded changes:
//! 1. A byte-order mark wins ([`CharsetSource::Bom`]).
//! 2. The `charset` of the HTTP `Content-Type` ([`CharsetSource::Header`]).
//! 3. A `<meta charset>` or `<meta http-equiv=content-type content="...charset=...">` found by a
//!    prescan of the first 1024 bytes ([`CharsetSource::Meta`]); a meta declaring UTF-16 means
//!    UTF-8 and `x-user-defined` means windows-1252, as in browsers.
//! 4. A weaker signal browsers ignore: the same tag further in, within the first 4096 bytes
//!    (pages with a long `<head>` before their meta, [`CharsetSource::LateMeta`]).
//! 5. Otherwise: bytes that are (mostly) valid UTF-8 are UTF-8, and only the others go to chardetng's
//!    guess ([`CharsetSource::Guess`] both ways). chardetng answers UTF-8 for valid UTF-8 anyway,
//!    but checking validity is a fast pass while the guesser reads every byte through several
//!    candidate models (it was a third of `newsfold extract`'s time on undeclared pages).
//!
//! Change one: a declaration the bytes contradict is dropped for the guess. Declared UTF-8
//! that is not UTF-8 (a Windows-1252 page claiming UTF-8; a few stray bytes among many good
//! multi-byte characters do not count, see [`mostly_utf8`]) and a declared legacy
//! single-byte encoding on bytes that are valid UTF-8 with non-ASCII (a UTF-8 page behind a
//! server that says ISO-8859-1) are both common on news sites and both give mojibake if
//! obeyed; valid multi-byte UTF-8 almost never happens by accident in a legacy encoding.
//! Also dropped: a header declaring UTF-16 on bytes without NULs, and labels WHATWG maps to
//! the "replacement" encoding (which would decode to nothing but U+FFFD).
//! Change two: labels map through the WHATWG table, so `iso-8859-1` decodes as windows-1252
//! (a superset: the `’` and `œ` of French pages labelled Latin-1 come out right).

use std::cell::OnceCell;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, REPLACEMENT, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// Bytes the WHATWG prescan looks at.
const PRESCAN_BYTES: usize = 1024;
/// Bytes the weaker late-meta scan looks at.
const LATE_SCAN_BYTES: usize = 4096;
/// Bytes fed to the guesser (enough for a verdict, bounded for speed on huge pages).
const GUESS_BYTES: usize = 256 * 1024;

/// How the encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// The HTTP `Content-Type` charset.
    Header,
    /// A `<meta charset>` or `http-equiv` tag in the first 1024 bytes.
    Meta,
    /// Such a tag after the first 1024 bytes but within 4096 (a weaker signal).
    LateMeta,
    /// No declaration (or a wrong one): guessed from the bytes.
    Guess,
}

/// Decoded text.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// The encoding's WHATWG name.
    pub encoding: &'static str,
    /// How it was chosen.
    pub source: CharsetSource,
}

/// Decodes `bytes` given the HTTP `Content-Type` header, if any.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    let (encoding, source) = choose(&Page::new(bytes), content_type);
    let start = if source == CharsetSource::Bom {
        Encoding::for_bom(bytes).map_or(0, |(_, len)| len)
    } else {
        0
    };
    let (text, _) = encoding.decode_without_bom_handling(&bytes[start..]);
    Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        source,
    }
}

/// [`decode`] taking the bytes by value: UTF-8 text (the usual case) becomes the `String`
/// without a copy, and is checked for validity once.
pub fn decode_vec(bytes: Vec<u8>, content_type: Option<&str>) -> Decoded {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return decode(e.as_bytes(), content_type),
    };
    let page = Page {
        bytes: text.as_bytes(),
        utf8: OnceCell::from(true),
    };
    let (encoding, source) = choose(&page, content_type);
    if encoding == UTF_8 && source != CharsetSource::Bom {
        return Decoded {
            text,
            encoding: encoding.name(),
            source,
        };
    }
    decode(text.as_bytes(), content_type)
}

/// The page's bytes, and whether they are valid UTF-8 (worked out once, when first asked).
struct Page<'a> {
    bytes: &'a [u8],
    utf8: OnceCell<bool>,
}

impl<'a> Page<'a> {
    fn new(bytes: &'a [u8]) -> Page<'a> {
        Page {
            bytes,
            utf8: OnceCell::new(),
        }
    }

    fn is_utf8(&self) -> bool {
        *self
            .utf8
            .get_or_init(|| std::str::from_utf8(self.bytes).is_ok())
    }
}

/// The encoding to decode the page with, and why.
fn choose(page: &Page<'_>, content_type: Option<&str>) -> (&'static Encoding, CharsetSource) {
    let bytes = page.bytes;
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return (encoding, CharsetSource::Bom);
    }
    let declared = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .map(|e| (e, CharsetSource::Header))
        .or_else(|| {
            meta_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)]).map(|e| (e, CharsetSource::Meta))
        })
        .or_else(|| {
            meta_charset(&bytes[..bytes.len().min(LATE_SCAN_BYTES)])
                .map(|e| (e, CharsetSource::LateMeta))
        });
    match declared {
        Some((encoding, source)) if !contradicted(encoding, page) => (encoding, source),
        _ => (guess(page), CharsetSource::Guess),
    }
}

/// Whether the bytes prove the declared encoding wrong (change one of the module doc).
fn contradicted(encoding: &'static Encoding, page: &Page<'_>) -> bool {
    let bytes = page.bytes;
    if encoding == UTF_8 {
        return !mostly_utf8(page);
    }
    if encoding == REPLACEMENT {
        return true; // A label browsers refuse (iso-2022-kr...): decoding gives only U+FFFD.
    }
    if encoding == UTF_16LE || encoding == UTF_16BE {
        // UTF-16 markup has a NUL in every ASCII character; none in 1024 bytes means not UTF-16.
        return !bytes[..bytes.len().min(PRESCAN_BYTES)].contains(&0);
    }
    let single_byte = encoding.is_single_byte();
    single_byte && !bytes.is_ascii() && page.is_utf8()
}

/// UTF-8 for valid UTF-8, else chardetng's guess (we decode documents, we do not run them).
fn guess(page: &Page<'_>) -> &'static Encoding {
    if mostly_utf8(page) {
        return UTF_8;
    }
    let bytes = page.bytes;
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    let sample = &bytes[..bytes.len().min(GUESS_BYTES)];
    detector.feed(sample, sample.len() == bytes.len());
    detector.guess(None, Utf8Detection::Allow)
}

/// Whether `bytes` are UTF-8, allowing a few broken sequences among many good ones.
///
/// A UTF-8 page with a stray Latin-1 byte (a pasted quote, a truncated character) is still a
/// UTF-8 page: decoding it as windows-1252 would turn every `è` of it into `Ã¨` to save one
/// character. A legacy page has (almost) no valid multi-byte sequences, so each of its accented
/// letters is a broken one. UTF-8 it is when valid multi-byte characters outnumber broken
/// sequences twenty to one.
fn mostly_utf8(page: &Page<'_>) -> bool {
    if page.is_utf8() {
        return true; // The usual case, checked at memory speed.
    }
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = page.bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                good += valid.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // The prefix is valid by construction; count its non-ASCII characters.
                good += std::str::from_utf8(valid)
                    .map_or(0, |v| v.chars().filter(|c| !c.is_ascii()).count());
                bad += 1;
                match e.error_len() {
                    Some(len) => rest = &after[len..],
                    None => break, // Truncated at the end: one broken sequence.
                }
            }
        }
    }
    bad == 0 || good >= bad.saturating_mul(20)
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
pub fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// The encoding a `<meta>` in `head` declares, by a WHATWG-style prescan.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while pos < head.len() {
        let rest = &head[pos..];
        if rest.starts_with(b"<!--") {
            pos += find(&rest[4..], b"-->").map_or(rest.len(), |i| i + 7);
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest
                .get(5)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
        {
            let (found, used) = meta_tag(&rest[5..]);
            if found.is_some() {
                return found;
            }
            pos += 5 + used;
        } else if rest.starts_with(b"<") {
            // Any other tag, end tag, `<!doctype>` or `<?xml ?>`: skip its attributes.
            let (_, used) = attributes(&rest[1..]);
            pos += 1 + used;
        } else {
            pos += 1;
        }
    }
    None
}

/// Reads one `<meta` tag's attributes; returns the declared encoding and bytes consumed.
fn meta_tag(tag: &[u8]) -> (Option<&'static Encoding>, usize) {
    let (attrs, used) = attributes(tag);
    let get = |name: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let label = match (get("charset"), get("http-equiv"), get("content")) {
        (Some(charset), _, _) => Some(charset.to_string()),
        (None, Some(equiv), Some(content)) if equiv.eq_ignore_ascii_case("content-type") => {
            charset_param(&format!("x;{content}"))
        }
        _ => None,
    };
    let encoding = label.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
    // WHATWG: a meta can't truthfully declare UTF-16 (the prescan read it as ASCII).
    let encoding = encoding.map(|e| match e {
        e if e == UTF_16LE || e == UTF_16BE => UTF_8,
        e if e.name() == "x-user-defined" => WINDOWS_1252,
        e => e,
    });
    (encoding, used)
}

/// Parses `name=value` pairs up to the closing `>`; names lowercased, values as written.
fn attributes(tag: &[u8]) -> (Vec<(String, String)>, usize) {
    let mut attrs = Vec::new();
    let mut pos = 0;
    loop {
        while tag
            .get(pos)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
        {
            pos += 1;
        }
        match tag.get(pos) {
            None => return (attrs, pos),
            Some(b'>') => return (attrs, pos + 1),
            _ => {}
        }
        let name_start = pos;
        while tag
            .get(pos)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            pos += 1;
        }
        let name = String::from_utf8_lossy(&tag[name_start..pos]).to_ascii_lowercase();
        while tag.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
            pos += 1;
        }
        let mut value = String::new();
        if tag.get(pos) == Some(&b'=') {
            pos += 1;
            while tag.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
                pos += 1;
            }
            let (text, used) = attribute_value(&tag[pos..]);
            value = text;
            pos += used;
        }
        if name.is_empty() {
            pos += 1; // A stray `/` or `=`: step over it so the loop always advances.
        } else {
            attrs.push((name, value));
        }
    }
}

/// A quoted or bare attribute value and the bytes it took.
fn attribute_value(rest: &[u8]) -> (String, usize) {
    match rest.first() {
        Some(&quote @ (b'"' | b'\'')) => {
            let len = rest[1..]
                .iter()
                .position(|b| *b == quote)
                .unwrap_or(rest.len() - 1);
            let text = String::from_utf8_lossy(&rest[1..1 + len]).into_owned();
            (text, (len + 2).min(rest.len()))
        }
        _ => {
            let len = rest
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'>')
                .unwrap_or(rest.len());
            (String::from_utf8_lossy(&rest[..len]).into_owned(), len)
        }
    }
}

fn starts_with_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRENCH: &str = "Le ministère a annoncé l’été dernier une hausse des crédits : « Ça coûte cher », dit-il, œuvrant déjà.";

    fn latin1(text: &str) -> Vec<u8> {
        WINDOWS_1252.encode(text).0.into_owned()
    }

    #[test]
    fn bom_wins_over_header() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(FRENCH.as_bytes());
        let d = decode(&bytes, Some("text/html; charset=iso-8859-1"));
        assert_eq!(
            (d.source, d.encoding, d.text.as_str()),
            (CharsetSource::Bom, "UTF-8", FRENCH)
        );
    }

    #[test]
    fn header_charset_is_used_and_quotes_are_accepted() {
        let page = format!("<p>{FRENCH}</p>");
        let d = decode(&latin1(&page), Some("text/html; Charset=\"ISO-8859-1\""));
        assert_eq!(
            (d.source, d.encoding),
            (CharsetSource::Header, "windows-1252")
        );
        assert_eq!(d.text, page);
    }

    #[test]
    fn meta_charset_and_http_equiv_are_found() {
        let page = format!("<html><head><meta charset='windows-1252'></head><p>{FRENCH}</p>");
        let d = decode(&latin1(&page), None);
        assert_eq!(
            (d.source, d.text.as_str()),
            (CharsetSource::Meta, page.as_str())
        );
        let page = format!(
            "<!-- <meta charset=koi8-r> --><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-15\"><p>{FRENCH}</p>"
        );
        let d = decode(&latin1(&page), None);
        assert_eq!((d.source, d.encoding), (CharsetSource::Meta, "ISO-8859-15"));
    }

    #[test]
    fn meta_after_1024_bytes_is_a_late_signal() {
        let page = format!(
            "<head><title>x</title>{}<meta charset=\"iso-8859-1\"></head><p>{FRENCH}</p>",
            " ".repeat(1500)
        );
        let d = decode(&latin1(&page), None);
        assert_eq!(
            (d.source, d.text.as_str()),
            (CharsetSource::LateMeta, page.as_str())
        );
    }

    #[test]
    fn declared_utf8_that_is_not_utf8_falls_back_to_the_guess() {
        let page = format!("<meta charset=utf-8><p>{FRENCH}</p>");
        let d = decode(&latin1(&page), Some("text/html; charset=utf-8"));
        assert_eq!(
            (d.source, d.encoding),
            (CharsetSource::Guess, "windows-1252")
        );
        assert_eq!(d.text, page);
    }

    #[test]
    fn utf8_bytes_behind_a_latin1_header_stay_utf8() {
        let page = format!("<p>{FRENCH}</p>");
        let d = decode(page.as_bytes(), Some("text/html; charset=iso-8859-1"));
        assert_eq!(
            (d.source, d.text.as_str()),
            (CharsetSource::Guess, page.as_str())
        );
    }

    #[test]
    fn utf8_with_a_few_broken_bytes_stays_utf8() {
        // A UTF-8 French page with one stray Latin-1 byte (0xE9) in a pasted quote.
        let mut page = "<p>Le ministère a confirmé l’attaque près de la base. "
            .repeat(20)
            .into_bytes();
        page.extend_from_slice(b"<p>Cit\xe9 par l'AFP.</p>");
        for ct in [Some("text/html; charset=utf-8"), None] {
            let d = decode(&page, ct);
            assert_eq!(d.encoding, "UTF-8", "{ct:?}");
            assert!(
                d.text.contains("ministère") && !d.text.contains("Ã"),
                "{ct:?}"
            );
            assert!(d.text.contains("Cit\u{FFFD} par"), "{ct:?}");
        }
        // A windows-1252 page claiming UTF-8 has only broken sequences: not UTF-8.
        let legacy =
            b"<p>Le minist\xe8re a confirm\xe9 l\x92attaque pr\xe8s de la base.</p>".repeat(5);
        let d = decode(&legacy, Some("text/html; charset=utf-8"));
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("ministère a confirmé l’attaque"));
    }

    #[test]
    fn undeclared_latin1_french_is_guessed() {
        let page = format!("<html><p>{FRENCH}</p><p>{FRENCH}</p></html>");
        let d = decode(&latin1(&page), Some("text/html"));
        assert_eq!(
            (d.source, d.text.as_str()),
            (CharsetSource::Guess, page.as_str())
        );
    }

    #[test]
    fn impossible_header_declarations_fall_back_to_the_guess() {
        let page = format!("<p>{FRENCH}</p>");
        for header in [
            "text/html; charset=utf-16",
            "text/html; charset=iso-2022-kr",
        ] {
            let d = decode(page.as_bytes(), Some(header));
            assert_eq!(
                (d.source, d.text.as_str()),
                (CharsetSource::Guess, page.as_str()),
                "{header}"
            );
        }
    }

    #[test]
    fn undeclared_valid_utf8_is_utf8_without_the_guesser() {
        // Cyrillic and CJK, where a byte-statistics guess has the most room to go wrong.
        let page = format!("<p>{FRENCH}</p><p>Москва, 東京</p>");
        for d in [
            decode(page.as_bytes(), None),
            decode_vec(page.clone().into_bytes(), None),
        ] {
            assert_eq!(
                (d.source, d.encoding, d.text.as_str()),
                (CharsetSource::Guess, "UTF-8", page.as_str())
            );
        }
    }

    #[test]
    fn decode_vec_reads_a_bom_and_a_lying_declaration_like_decode() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(FRENCH.as_bytes());
        let lying = latin1(&format!("<meta charset=utf-8><p>{FRENCH}</p>"));
        for (bytes, ct) in [(bom, None), (lying, Some("text/html; charset=utf-8"))] {
            let (a, b) = (decode(&bytes, ct), decode_vec(bytes.clone(), ct));
            assert_eq!(
                (a.text, a.encoding, a.source),
                (b.text, b.encoding, b.source)
            );
        }
    }

    #[test]
    fn meta_utf16_means_utf8() {
        let page = format!("<meta charset=utf-16><p>{FRENCH}</p>");
        let d = decode(page.as_bytes(), None);
        assert_eq!((d.encoding, d.text.as_str()), ("UTF-8", page.as_str()));
    }

    #[test]
    fn charset_param_reads_the_parameter_only() {
        assert_eq!(
            charset_param("text/html; charset=UTF-8").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(
            charset_param("text/html;charset= 'latin1' ").as_deref(),
            Some("latin1")
        );
        assert_eq!(charset_param("text/html"), None);
        assert_eq!(charset_param("charset=utf-8"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048), ct in proptest::option::of("[ -~]{0,40}")) {
            let d = decode(&bytes, ct.as_deref());
            proptest::prop_assert!(!d.encoding.is_empty());
            let v = decode_vec(bytes, ct.as_deref());
            proptest::prop_assert_eq!((d.text, d.encoding, d.source), (v.text, v.encoding, v.source));
        }

        #[test]
        fn meta_soup_never_panics(s in "(<meta|<!--|-->|<|>|=|'|\"|charset|http-equiv| |content|[a-z0-9;-])*") {
            let _ = decode(s.as_bytes(), None);
        }
    }
}
