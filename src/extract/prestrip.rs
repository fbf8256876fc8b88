//! Cutting what extraction never reads out of the HTML before html5ever parses it.
//!
//! In: the page's HTML text. Out: the same HTML without comments and without the contents of
//! `<script>` (JSON-LD excepted), `<style>`, `<noscript>`, `<iframe>`, `<noembed>`,
//! `<noframes>` and `<svg>`; the elements themselves stay, empty. Why: on news pages those
//! contents are over half of the bytes, html5ever tokenizes every one of them, and the DOM
//! copy then throws them away (`dom::is_skipped`). Cutting them first roughly halves parsing.
//!
//! The cut must give the tree html5ever would have built minus those contents, so this is a
//! small tokenizer following the HTML standard where it matters: tags are read attribute by
//! attribute (a quoted `>` or `<script` inside a value is not markup), the raw-text and
//! RCDATA elements (`<title>`, `<textarea>`, `<xmp>`...) are skipped whole up to their end
//! tag, and comments end at `-->`, `--!>` or the abrupt `<!-->`. Two cases stop the cutting
//! and leave the rest of the page as it is: a script holding `<!--` (the standard's escaped
//! script states, where `</script>` may not end it) and `<plaintext>`. An `<svg>` ends at
//! its end tag or at the first HTML tag that breaks out of foreign content (`<p>`, `<div>`...),
//! as the tree builder would.

use std::borrow::Cow;

/// Elements whose whole content is dropped (raw text the DOM copy skips anyway).
const DROPPED_RAW: [&[u8]; 6] = [
    b"script",
    b"style",
    b"noscript",
    b"iframe",
    b"noembed",
    b"noframes",
];

/// Raw-text and RCDATA elements kept as they are (their text may matter).
const KEPT_RAW: [&[u8]; 3] = [b"title", b"textarea", b"xmp"];

/// HTML start tags that end foreign (`<svg>`) content in the tree builder.
const BREAKOUT: [&[u8]; 45] = [
    b"b",
    b"big",
    b"blockquote",
    b"body",
    b"br",
    b"center",
    b"code",
    b"dd",
    b"div",
    b"dl",
    b"dt",
    b"em",
    b"embed",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"head",
    b"hr",
    b"i",
    b"img",
    b"li",
    b"listing",
    b"menu",
    b"meta",
    b"nobr",
    b"ol",
    b"p",
    b"pre",
    b"ruby",
    b"s",
    b"small",
    b"span",
    b"strong",
    b"strike",
    b"sub",
    b"sup",
    b"table",
    b"tt",
    b"u",
    b"ul",
    b"var",
    b"html",
];

/// The HTML with the contents extraction never reads removed (see the module doc).
pub(crate) fn strip(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut out = String::new();
    // `html[copied..]` is still to be written; `cut` opens a gap in it.
    let mut copied = 0;
    let cut = |out: &mut String, from: usize, to: usize, copied: &mut usize| {
        if to > from {
            if out.capacity() == 0 {
                out.reserve(html.len() / 2);
            }
            out.push_str(&html[*copied..from]);
            *copied = to;
        }
    };
    let mut pos = 0;
    while let Some(lt) = find_byte(b, b'<', pos) {
        let next = b.get(lt + 1).copied();
        match next {
            Some(b'!') if b[lt + 2..].starts_with(b"--") => {
                let end = comment_end(b, lt + 4);
                cut(&mut out, lt, end, &mut copied);
                pos = end;
            }
            Some(b'!' | b'?') => pos = find_byte(b, b'>', lt + 2).map_or(b.len(), |i| i + 1),
            Some(b'/') => {
                pos = match b.get(lt + 2) {
                    Some(c) if c.is_ascii_alphabetic() => tag_end(b, name_end(b, lt + 2)).0,
                    _ => find_byte(b, b'>', lt + 2).map_or(b.len(), |i| i + 1),
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name_stop = name_end(b, lt + 1);
                let name = &b[lt + 1..name_stop];
                let (end, self_closing) = tag_end(b, name_stop);
                if DROPPED_RAW.iter().any(|n| name.eq_ignore_ascii_case(n)) {
                    let close = end_tag(b, end, name);
                    let is_script = name.eq_ignore_ascii_case(b"script");
                    if is_script && find(&b[end..close], b"<!--").is_some() {
                        break; // Escaped script states: leave the rest to html5ever.
                    }
                    let json_ld = is_script && contains_ignore_case(&b[lt..end], b"ld+json");
                    if !json_ld {
                        cut(&mut out, end, close, &mut copied);
                    }
                    pos = close;
                } else if KEPT_RAW.iter().any(|n| name.eq_ignore_ascii_case(n)) {
                    pos = end_tag(b, end, name);
                } else if name.eq_ignore_ascii_case(b"plaintext") {
                    break;
                } else if name.eq_ignore_ascii_case(b"svg") && !self_closing {
                    let close = svg_end(b, end);
                    cut(&mut out, end, close, &mut copied);
                    pos = close;
                } else {
                    pos = end;
                }
            }
            _ => pos = lt + 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

/// The first `byte` at or after `from`.
fn find_byte(b: &[u8], byte: u8, from: usize) -> Option<usize> {
    memchr::memchr(byte, b.get(from..)?).map(|i| from + i)
}

/// The first `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Where a comment whose text starts at `from` ends (one past its `>`).
fn comment_end(b: &[u8], from: usize) -> usize {
    // `<!-->` and `<!--->` are whole (empty) comments.
    match b.get(from..) {
        Some([b'>', ..]) => return from + 1,
        Some([b'-', b'>', ..]) => return from + 2,
        _ => {}
    }
    let mut pos = from;
    while let Some(dashes) = b.get(pos..).and_then(|rest| find(rest, b"--")) {
        let at = pos + dashes;
        match b.get(at + 2) {
            Some(b'>') => return at + 3,
            Some(b'!') if b.get(at + 3) == Some(&b'>') => return at + 4,
            _ => pos = at + 1,
        }
    }
    b.len()
}

/// Where a tag name starting at `from` ends.
fn name_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && !matches!(b[i], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>') {
        i += 1;
    }
    i
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Reads a tag's attributes from `from` (just after its name): one past its `>` (or the end
/// of the text), and whether it was self-closing (`/>`).
fn tag_end(b: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    let mut slash = false;
    loop {
        // Before an attribute name.
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        match b.get(i) {
            None => return (b.len(), false),
            Some(b'>') => return (i + 1, slash),
            Some(b'/') => {
                slash = true;
                i += 1;
                continue;
            }
            _ => slash = false,
        }
        // The name (a leading `=` belongs to it).
        i += 1;
        while i < b.len()
            && !matches!(
                b[i],
                b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>' | b'='
            )
        {
            i += 1;
        }
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                i = find_byte(b, q, i + 1).map_or(b.len(), |e| e + 1);
            }
            _ => {
                while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
            }
        }
    }
}

/// Where the raw text that starts at `from` ends: the `<` of `</name` followed by a space,
/// `/` or `>`, or the end of the text.
fn end_tag(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut pos = from;
    while let Some(found) = b.get(pos..).and_then(|rest| find(rest, b"</")) {
        let lt = pos + found;
        let after = &b[lt + 2..];
        let matches = after.len() >= name.len()
            && after[..name.len()].eq_ignore_ascii_case(name)
            && after
                .get(name.len())
                .is_none_or(|&c| is_space(c) || c == b'/' || c == b'>');
        if matches {
            return lt;
        }
        pos = lt + 2;
    }
    b.len()
}

/// Where an `<svg>`'s content that starts at `from` ends: the `<` of its end tag (nested
/// `<svg>`s counted) or of an HTML tag that breaks out of foreign content.
fn svg_end(b: &[u8], from: usize) -> usize {
    let mut depth = 1;
    let mut pos = from;
    while let Some(lt) = find_byte(b, b'<', pos) {
        match b.get(lt + 1) {
            Some(b'!') if b[lt + 2..].starts_with(b"--") => pos = comment_end(b, lt + 4),
            Some(b'/') => {
                let stop = name_end(b, lt + 2);
                if b[lt + 2..stop].eq_ignore_ascii_case(b"svg") {
                    depth -= 1;
                    if depth == 0 {
                        return lt;
                    }
                }
                pos = tag_end(b, stop).0;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let stop = name_end(b, lt + 1);
                let name = &b[lt + 1..stop];
                if BREAKOUT.iter().any(|n| name.eq_ignore_ascii_case(n)) {
                    return lt;
                }
                let (end, self_closing) = tag_end(b, stop);
                if name.eq_ignore_ascii_case(b"svg") && !self_closing {
                    depth += 1;
                }
                pos = end;
            }
            _ => pos = lt + 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_style_and_comments_go_json_ld_stays() {
        let html = "<head><style>p{color:red}</style><script>var a = '<p>x</p>';</script>\
            <script type=\"application/ld+json\">{\"a\":1}</script></head>\
            <body><!-- a <p>comment</p> --><p>Text</p><noscript><p>Enable JS</p></noscript></body>";
        assert_eq!(
            strip(html),
            "<head><style></style><script></script>\
            <script type=\"application/ld+json\">{\"a\":1}</script></head>\
            <body><p>Text</p><noscript></noscript></body>"
        );
    }

    #[test]
    fn markup_inside_attribute_values_and_titles_is_not_markup() {
        let html = "<title>a <script> b</title><div data-x='<script>' title=\"-->\">\
            <textarea><style></textarea><p>Kept</p></div>";
        assert_eq!(strip(html), html);
    }

    #[test]
    fn end_tags_are_matched_without_case_and_only_whole() {
        let html = "<SCRIPT>a = '</scripts>';</Script ><p>After</p>";
        assert_eq!(strip(html), "<SCRIPT></Script ><p>After</p>");
    }

    #[test]
    fn abrupt_and_bang_comments_end_where_the_standard_ends_them() {
        assert_eq!(strip("<!--><p>A</p><!---><p>B</p>"), "<p>A</p><p>B</p>");
        assert_eq!(strip("<!-- x --!><p>C</p>"), "<p>C</p>");
    }

    #[test]
    fn escaped_script_leaves_the_rest_untouched() {
        let html =
            "<style>x</style><script><!-- document.write('<script></script>') --></script><p>T</p>";
        assert_eq!(
            strip(html),
            "<style></style><script><!-- document.write('<script></script>') --></script><p>T</p>"
        );
    }

    #[test]
    fn svg_content_goes_until_its_end_or_an_html_tag() {
        assert_eq!(
            strip("<svg><svg><path/></svg><text>x</text></svg><p>A</p>"),
            "<svg></svg><p>A</p>"
        );
        assert_eq!(
            strip("<svg><path d='M0'><p>Unclosed</p>"),
            "<svg><p>Unclosed</p>"
        );
        assert_eq!(strip("<svg/><p>A</p>"), "<svg/><p>A</p>");
    }

    #[test]
    fn unterminated_constructs_do_not_panic() {
        for html in [
            "<script>",
            "<!--",
            "<a href='",
            "<",
            "</",
            "<svg",
            "<style>x</st",
            "<p a=b",
        ] {
            let _ = strip(html);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_soup_strips_without_panic(s in "(<script>|</script>|<style>|<svg>|</svg>|<!--|-->|<p>|<|>|/|=|'|\"|a|é| )*") {
            let _ = strip(&s);
        }
    }
}
