//! Paragraph normalisation and stable hashing, shared by repeat and template detection.
//!
//! Two paragraphs that differ only in case, accents, punctuation, typographic quotes or
//! spacing normalise to the same string, so "L’attaque a eu lieu." and "l'attaque a eu
//! lieu" are one paragraph. Hashes are FNV-1a 64 over the normalised UTF-8 bytes: fixed
//! constants, no per-process seed, so a fingerprint stored in sled today matches the one
//! computed next year. Changing [`push_normalized`] changes every fingerprint, which would
//! make stored template counts stale: bump the store's schema version if you do.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of `bytes`: stable across runs, machines and Rust versions.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// A map keyed by [`fnv1a`] fingerprints. The keys are hashes already: the map's hasher only
/// folds a key's high half into its low half (FNV's low bits depend only on the low bits of
/// the bytes, and the map picks buckets by low bits), where the default would run SipHash
/// over it again.
pub(crate) type FingerprintMap<V> = HashMap<u64, V, BuildHasherDefault<FingerprintHasher>>;

/// The hasher of [`FingerprintMap`].
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `u64` keys; other input is hashed as FNV-1a goes on.
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
    }

    fn write_u64(&mut self, fingerprint: u64) {
        self.0 = fingerprint;
    }
}

/// Appends the normalised form of `text` to `out`: compatibility decomposition (NFKD),
/// combining marks dropped (é → e), lowercase, each run of non-alphanumeric characters
/// turned into one space, nothing leading or trailing.
pub(crate) fn push_normalized(text: &str, out: &mut String) {
    let start = out.len();
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if pending_space && out.len() > start {
                out.push(' ');
            }
            pending_space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            pending_space = true;
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            // ASCII decomposes to itself: skip the normaliser (most characters of most pages).
            push(c, out);
        } else {
            // Decomposing one character at a time gives the same letters as decomposing the
            // text: only the order of combining marks could differ, and they are dropped.
            for d in std::iter::once(c).nfkd().filter(|&d| !is_combining_mark(d)) {
                push(d, out);
            }
        }
    }
}

pub(crate) fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_normalized(text, &mut out);
    out
}

/// Every paragraph of a body, normalised into one shared buffer (one allocation for the
/// whole article rather than one per paragraph).
pub(crate) struct NormalizedBody {
    buffer: String,
    spans: Vec<Range<usize>>,
}

impl NormalizedBody {
    /// Normalises each paragraph, in order.
    pub(crate) fn new(paragraphs: &[String]) -> NormalizedBody {
        let capacity = paragraphs.iter().map(String::len).sum();
        let mut buffer = String::with_capacity(capacity);
        let mut spans = Vec::with_capacity(paragraphs.len());
        for paragraph in paragraphs {
            let start = buffer.len();
            push_normalized(paragraph, &mut buffer);
            spans.push(start..buffer.len());
        }
        NormalizedBody { buffer, spans }
    }

    /// The normalised text of paragraph `index` (empty when out of range).
    pub(crate) fn get(&self, index: usize) -> &str {
        self.spans
            .get(index)
            .and_then(|span| self.buffer.get(span.clone()))
            .unwrap_or("")
    }

    /// The length in bytes of all the normalised text.
    pub(crate) fn text_len(&self) -> usize {
        self.buffer.len()
    }

    /// How many paragraphs it holds.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_quotes_and_spacing() {
        assert_eq!(
            normalized("  L’Attaque  a été «revendiquée»… "),
            "l attaque a ete revendiquee"
        );
        assert_eq!(
            normalized("l'attaque a ete revendiquee"),
            "l attaque a ete revendiquee"
        );
        assert_eq!(normalized("—…"), "");
    }

    #[test]
    fn char_by_char_folding_equals_whole_text_folding() {
        let whole = |t: &str| -> String {
            let mut out = String::new();
            let mut pending = false;
            for c in t.nfkd().filter(|&c| !is_combining_mark(c)) {
                if c.is_alphanumeric() {
                    if pending && !out.is_empty() {
                        out.push(' ');
                    }
                    pending = false;
                    out.extend(c.to_lowercase());
                } else {
                    pending = true;
                }
            }
            out
        };
        for t in [
            "Aïn al-Assad, Ｆｕｌｌｗｉｄｔｈ ﬁn",
            "e\u{301}\u{323}t\u{e9} Ǆ ½ İstanbul",
            "Straße ΣΊΣΥΦΟΣ",
        ] {
            assert_eq!(normalized(t), whole(t), "{t}");
        }
    }

    #[test]
    fn fnv_is_the_published_function() {
        // Reference values of FNV-1a 64 (the empty string is the offset basis).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn body_spans_cover_each_paragraph() {
        let body = NormalizedBody::new(&["Un.".to_string(), String::new(), "Deux Trois".into()]);
        assert_eq!(body.len(), 3);
        assert_eq!(body.get(0), "un");
        assert_eq!(body.get(1), "");
        assert_eq!(body.get(2), "deux trois");
        assert_eq!(body.get(9), "");
    }
}
