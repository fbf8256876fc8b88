//! Charset decoding of the fixtures in `tests/fixtures/encoding/` (one quirk per file,
//! see the README there): each must read as the French text it was written from.

use std::path::PathBuf;

use newsfold::decode::{decode, CharsetSource};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/encoding")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// (file, Content-Type header, expected encoding, expected source, snippet that must appear).
const CASES: [(&str, Option<&str>, &str, CharsetSource, &str); 6] = [
    (
        "iso-8859-1-no-header.html",
        Some("text/html"),
        "windows-1252",
        CharsetSource::Guess,
        "Le ministère des Armées a confirmé l'été dernier",
    ),
    (
        "windows-1252-claims-utf8.html",
        Some("text/html; charset=utf-8"),
        "windows-1252",
        CharsetSource::Guess,
        "l’été dernier la fermeture de la base aérienne : « Ça coûte cher »",
    ),
    (
        "meta-after-1024.html",
        None,
        "windows-1252",
        CharsetSource::LateMeta,
        "Les élus régionaux, inquiets pour l'économie locale",
    ),
    (
        "bom-utf16le.html",
        None,
        "UTF-16LE",
        CharsetSource::Bom,
        "nouvel œuvre de défense",
    ),
    (
        "utf8-behind-latin1-header.html",
        Some("text/html; charset=ISO-8859-1"),
        "UTF-8",
        CharsetSource::Guess,
        "« Ça coûte cher »",
    ),
    (
        "http-equiv-iso-8859-15.html",
        None,
        "ISO-8859-15",
        CharsetSource::Meta,
        "Un budget de 40 millions d'€.",
    ),
];

#[test]
fn every_encoding_fixture_reads_as_french() {
    for (file, content_type, encoding, source, snippet) in CASES {
        let d = decode(&fixture(file), content_type);
        assert_eq!((d.encoding, d.source), (encoding, source), "{file}");
        assert!(
            d.text.contains(snippet),
            "{file}: {snippet:?} not in {:?}",
            d.text
        );
        assert!(
            !d.text.contains('\u{FFFD}'),
            "{file}: replacement character"
        );
        assert!(!d.text.contains("Ã"), "{file}: mojibake");
    }
}
