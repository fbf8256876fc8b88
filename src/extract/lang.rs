//! The article's language as an ISO 639-1 code.
//!
//! In: what the page declares (`<html lang>`, `content-language`, `og:locale`, JSON-LD
//! `inLanguage`), the outlet's configured language, and the body text. Out: a two-letter
//! code. Declarations win in that order; when none is usable, whatlang guesses from the
//! text (only when it is confident, so a few words of a near-empty page give no answer).

/// The two-letter code of a declaration such as `fr`, `fr-FR`, `en_US` or `pt-br`.
pub(crate) fn normalize(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    if primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_lowercase()) {
        Some(primary)
    } else {
        iso639_1(&primary).map(str::to_string)
    }
}

/// Detects the language of `text`, if whatlang is confident.
pub(crate) fn detect(text: &str) -> Option<String> {
    // A few thousand characters are plenty and keep detection cheap on long articles.
    let sample: String = text.chars().take(3000).collect();
    let info = whatlang::detect(&sample)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    iso639_1(info.lang().code()).map(str::to_string)
}

/// ISO 639-3 (as whatlang names languages) → ISO 639-1.
fn iso639_1(code: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("eng", "en"),
        ("fra", "fr"),
        ("deu", "de"),
        ("spa", "es"),
        ("por", "pt"),
        ("ita", "it"),
        ("nld", "nl"),
        ("rus", "ru"),
        ("ukr", "uk"),
        ("pol", "pl"),
        ("ces", "cs"),
        ("slk", "sk"),
        ("slv", "sl"),
        ("hrv", "hr"),
        ("srp", "sr"),
        ("bul", "bg"),
        ("mkd", "mk"),
        ("bel", "be"),
        ("ron", "ro"),
        ("hun", "hu"),
        ("ell", "el"),
        ("tur", "tr"),
        ("swe", "sv"),
        ("dan", "da"),
        ("nob", "nb"),
        ("fin", "fi"),
        ("est", "et"),
        ("lav", "lv"),
        ("lit", "lt"),
        ("cat", "ca"),
        ("epo", "eo"),
        ("lat", "la"),
        ("ara", "ar"),
        ("heb", "he"),
        ("pes", "fa"),
        ("urd", "ur"),
        ("hin", "hi"),
        ("ben", "bn"),
        ("mar", "mr"),
        ("tam", "ta"),
        ("tel", "te"),
        ("kan", "kn"),
        ("mal", "ml"),
        ("guj", "gu"),
        ("pan", "pa"),
        ("nep", "ne"),
        ("sin", "si"),
        ("tha", "th"),
        ("vie", "vi"),
        ("ind", "id"),
        ("cmn", "zh"),
        ("jpn", "ja"),
        ("kor", "ko"),
        ("kat", "ka"),
        ("hye", "hy"),
        ("aze", "az"),
        ("kaz", "kk"),
        ("uzb", "uz"),
        ("afr", "af"),
        ("zul", "zu"),
        ("yor", "yo"),
        ("amh", "am"),
        ("tgl", "tl"),
        ("jav", "jv"),
        ("khm", "km"),
        ("mya", "my"),
        ("ori", "or"),
        ("aka", "ak"),
        ("sna", "sn"),
        ("tuk", "tk"),
        ("yid", "yi"),
        ("lit", "lt"),
    ];
    TABLE
        .iter()
        .find(|(three, _)| *three == code)
        .map(|(_, two)| *two)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations() {
        assert_eq!(normalize("fr-FR").as_deref(), Some("fr"));
        assert_eq!(normalize("en_US").as_deref(), Some("en"));
        assert_eq!(normalize("fra").as_deref(), Some("fr"));
        assert_eq!(normalize("").as_deref(), None);
        assert_eq!(normalize("x-klingon").as_deref(), None);
    }

    #[test]
    fn detection() {
        let fr = "Le gouvernement a annoncé mardi une nouvelle série de mesures pour \
                  soutenir les agriculteurs touchés par la sécheresse de cet été.";
        assert_eq!(detect(fr).as_deref(), Some("fr"));
        assert_eq!(detect("").as_deref(), None);
    }
}
