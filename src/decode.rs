//! Charset decoding: page bytes → `String`.
//!
//! In: the body bytes and the HTTP `Content-Type`. Out: text, and which encoding was used
//! and why (BOM, HTTP header, `<meta charset>` prescan, or a chardetng guess). Pure.

/// How the encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// The HTTP `Content-Type` charset.
    Header,
    /// A `<meta charset>` or `http-equiv` tag in the first bytes.
    Meta,
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
pub fn decode(bytes: &[u8], _content_type: Option<&str>) -> Decoded {
    let (text, enc, _) = encoding_rs::UTF_8.decode(bytes); // TODO(fetch helper)
    Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
        source: CharsetSource::Guess,
    }
}
