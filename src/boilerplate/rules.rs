//! Line rules: page furniture recognised from one paragraph's own text.
//!
//! Each rule names a kind of furniture (share/follow widgets, related links, prompts, photo
//! credits, agency tags, ad labels, disclaimers) in French, English, German, Spanish,
//! Italian and Portuguese. Rules look at short lines only (each has a length cap), so a
//! story paragraph that happens to start with "Source" or mention a photo is never taken
//! for a widget. Agency and credit lines also yield metadata (`Avec AFP` → agency `AFP`).
//! Consent banners need the lines around them and live in `consent.rs`.

use std::sync::LazyLock;

use regex::Regex;

use super::phrases::{alternation, build};
use crate::model::RemovalReason;

/// What a rule found in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineMatch {
    /// Why the line goes.
    pub reason: RemovalReason,
    /// Agencies named by a source tag ("Avec AFP et Reuters" → AFP, Reuters).
    pub agencies: Vec<String>,
    /// The photo credit a credit line names, if it names one.
    pub credit: Option<String>,
    /// The line says the article is for subscribers.
    pub paywall: bool,
}

impl LineMatch {
    fn plain(reason: RemovalReason) -> LineMatch {
        LineMatch {
            reason,
            agencies: Vec::new(),
            credit: None,
            paywall: false,
        }
    }
}

/// Longest line a share, follow or comment widget can be.
const WIDGET_MAX: usize = 160;
/// Longest "Lire aussi: <headline>" line.
const RELATED_MAX: usize = 300;
/// Longest photo caption or credit line.
const CAPTION_MAX: usize = 400;
/// Longest agency tag.
const SOURCE_MAX: usize = 100;
/// Longest newsletter or paywall prompt.
const PROMPT_MAX: usize = 300;
/// Longest machine-translation disclaimer.
const DISCLAIMER_MAX: usize = 700;

static SHARE: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^[\s•·|]*(?:{})(?:\s+(?:sur|on|auf|en|su|no|via|by)\b.{{0,60}})?[\s:：.!]*$",
        alternation(super::phrases::SHARE_LABELS)
    ))
});

static SHARE_NETWORKS: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^(?:(?:{})[\s,|·•/:\-]*){{2,}}$",
        alternation(super::phrases::NETWORKS)
    ))
});

static FOLLOW: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^\s*(?:{})\b.{{0,80}}?(?:\s|^)(?:sur|on|auf|bei|en|su|no|na|nas|nos|in)\s*(?:{})\b.{{0,40}}$",
        alternation(super::phrases::FOLLOW_VERBS),
        alternation(super::phrases::SOCIAL)
    ))
});

static RELATED: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r#"^[\s»>▶►•·\-–—]*(?:{})\s*(?:$|[:：|»>\-–—]|\s+(?-i:\p{{Lu}})|\s+[«"“])"#,
        alternation(super::phrases::RELATED)
    ))
});

static COMMENTS: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^\s*(?:\d+\s*)?(?:{})\s*(?:\(\d+\))?[\s:.!]*$",
        alternation(super::phrases::COMMENTS)
    ))
});

static NEWSLETTER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    build(r"\b(?:newsletters?|lettres? d'information|lettre d'info|infolettre|boletín|boletim)\b")
});

/// Sign-up verbs: stems that take any ending ("inscrivez", "abonnez-vous", "subscribe"),
/// then whole words. The stems share one `\w*` (each Unicode `\w` costs compile time).
static SIGNUP_WORD: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:(?:inscri|abonn|subscri|recev|re[cç]oi|suscr[ií]b|subscrev|recib|iscriv|ricev|assin|inscrev|cadastr|receb)\w*|sign up|signup|receive|get our|abonnieren|anmelden|bestellen|erhalten|regístrate|register)\b",
    )
});

static SUBSCRIBE_START: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^[\s»>•]*(?:{})\b",
        alternation(super::phrases::SUBSCRIBE)
    ))
});

static PAYWALL: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:réservée? aux abonnés|reserved for (?:our )?subscribers|for subscribers only|subscribers only|nur für abonnenten|exklusiv für abonnenten|exclusivo para (?:suscriptores|assinantes)|solo para suscriptores|riservato agli abbonati|esclusivo per gli abbonati|il vous reste \d+\s*% de (?:cet|l') article)",
    )
});

static CREDIT_START: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"^\s*(?:©|\(c\)\s|copyright\b|crédits?(?:\s+photos?)?\s*:|credits?\s*:|photos?\s*(?:de\b|by\b|:)|fotos?\s*(?:de\b|di\b|von\b|:)|bild(?:quelle)?\s*:|image\s*:|illustration\s*:|créditos?\s*:)",
    )
});

static CAPTION_END: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\((?:[^()]{0,40}\s)?(?:photos?|fotos?|images?|bild|illustration|archives?|archivo|archivbild|archivfoto|file photo|photo d'archives|image d'illustration|photo d'illustration|photo d'archive)(?:[\s:/,][^()]{0,40})?\)[\s.]*$",
    )
});

static CREDIT_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:\b(?:photos?|fotos?|images?|bild|illustration|archives?|archivo|file|crédits?|credits?|copyright|de|by|von|di|d')\b|[():])",
    )
});

static SOURCE_TAG: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^[\s\-–—•*]*\(?\s*(?:{})\s*[:：]?\s*(?P<names>[^.!?;:]{{1,60}}?)\s*\)?[\s.]*$",
        alternation(super::phrases::SOURCE_KEYWORDS)
    ))
});

static AGENCY_ALONE: LazyLock<Regex> = LazyLock::new(|| {
    let agencies = alternation(super::phrases::AGENCIES);
    build(&format!(
        r"^[\s\-–—(]*(?P<names>(?:{agencies})(?:\s*(?:/|,|&|\bet\b|\band\b|\bund\b|\by\b|\be\b)\s*(?:{agencies}))*)[\s).]*$"
    ))
});

static NAME_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| build(r"\s*(?:,|/|&|\+|\bet\b|\band\b|\bund\b|\by\b|\be\b)\s*"));

static AD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    build(&format!(
        r"^[\s\-–—]*(?:{})[\s\-–—:.]*$",
        alternation(super::phrases::AD_LABELS)
    ))
});

static MACHINE_TRANSLATION: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:automatically (?:generated|translated)|machine[- ]translat\w*|auto-translated|translated by (?:ai|a machine)|traduite?s? automatiquement|traduction automatique|générée?s? automatiquement|automatisch übersetzt|maschinell übersetzt|automatische übersetzung|traducción automática|traducid[oa]s? automáticamente|generad[oa]s? automáticamente|tradott[oa] automaticamente|traduzione automatica|traduzid[oa]s? automaticamente|tradução automática|gerad[oa]s? automaticamente)",
    )
});

static DISCLAIMER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:\bversions?\b|inaccura|inexactitud|imprécision|ungenauigkeit|imprecis|imprecisõ|may contain errors|peut contenir des erreurs|kann fehler enthalten|puede contener errores|può contenere errori|pode conter erros|main language|langue principale|hauptsprache|idioma principal|lingua principale|original)",
    )
});

/// Generic words a source tag may hold that are not an agency ("Source: Divers").
const NOT_AGENCIES: &[&str] = &[
    "divers",
    "various",
    "agences",
    "agencies",
    "agencias",
    "agenturen",
    "agenzie",
    "agências",
    "rédaction",
    "redaction",
    "réseaux sociaux",
    "social media",
];

/// The rule that takes `line`, if any. Rules are tried from the most specific to the
/// least, so a "© Reuters" caption is a credit, not an agency tag.
pub(crate) fn classify(line: &str) -> Option<LineMatch> {
    let line = line.trim();
    let length = line.chars().count();
    if length == 0 {
        return None;
    }
    if length <= WIDGET_MAX && is_share(line) {
        return Some(LineMatch::plain(RemovalReason::Share));
    }
    if length <= RELATED_MAX && RELATED.is_match(line) {
        return Some(LineMatch::plain(RemovalReason::RelatedLink));
    }
    if let Some(found) = prompt(line, length) {
        return Some(found);
    }
    if length <= CAPTION_MAX {
        if let Some(found) = credit(line) {
            return Some(found);
        }
    }
    if length <= SOURCE_MAX {
        if let Some(agencies) = source_tag(line) {
            return Some(LineMatch {
                agencies,
                ..LineMatch::plain(RemovalReason::Source)
            });
        }
    }
    if is_lone_token(line, length) || (length <= WIDGET_MAX && AD_LABEL.is_match(line)) {
        return Some(LineMatch::plain(RemovalReason::Furniture));
    }
    if length <= DISCLAIMER_MAX
        && MACHINE_TRANSLATION.is_match(line)
        && DISCLAIMER_WORD.is_match(line)
    {
        return Some(LineMatch::plain(RemovalReason::Furniture));
    }
    None
}

/// A logo word or stray symbol: at most three characters and no lowercase letter
/// ("TV", "X", "|"). "Oui." and "Non" have lowercase letters and stay.
fn is_lone_token(line: &str, length: usize) -> bool {
    length <= 3 && !line.chars().any(char::is_lowercase)
}

fn is_share(line: &str) -> bool {
    SHARE.is_match(line) || SHARE_NETWORKS.is_match(line) || FOLLOW.is_match(line)
}

/// Comment prompts, newsletter and subscription prompts, paywall notices.
fn prompt(line: &str, length: usize) -> Option<LineMatch> {
    if length > PROMPT_MAX {
        return None;
    }
    if PAYWALL.is_match(line) {
        return Some(LineMatch {
            paywall: true,
            ..LineMatch::plain(RemovalReason::Prompt)
        });
    }
    let is_prompt = (length <= WIDGET_MAX && COMMENTS.is_match(line))
        || (length <= 200 && SUBSCRIBE_START.is_match(line))
        || (NEWSLETTER_WORD.is_match(line) && SIGNUP_WORD.is_match(line));
    is_prompt.then(|| LineMatch::plain(RemovalReason::Prompt))
}

/// A photo credit or caption: starts with a credit label, carries a ©, or ends with a
/// "(AFP photo)" / "(image d'illustration)" parenthesis.
fn credit(line: &str) -> Option<LineMatch> {
    let credit = if let Some(at) = line.rfind('©') {
        credit_name(&line[at + '©'.len_utf8()..])
    } else if CREDIT_START.is_match(line) {
        credit_name(line)
    } else if let Some(found) = CAPTION_END.find(line) {
        credit_name(found.as_str())
    } else {
        return None;
    };
    Some(LineMatch {
        credit,
        ..LineMatch::plain(RemovalReason::Credit)
    })
}

/// The name in a credit: "(Photo de Younis AL-BAYATI/AFP)" → "Younis AL-BAYATI/AFP",
/// " Ako Rasheed Source: Reuters" → "Ako Rasheed / Reuters", "(image d'illustration)" → none.
fn credit_name(raw: &str) -> Option<String> {
    let joined = raw.replace("Source:", "/").replace("SOURCE:", "/");
    let cleaned = CREDIT_NOISE.replace_all(&joined, " ");
    let name = cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c == '/' || c == '-' || c == '.' || c.is_whitespace())
        .to_string();
    name.chars()
        .any(char::is_uppercase)
        .then_some(name)
        .filter(|name| name.chars().count() <= 80)
}

/// The agencies an agency tag names ("Avec AFP", "- Avec AFP", "Source: Divers",
/// "SOURCE: FRENCH PRESS TV", "(Reuters)"), or `None` when the line is not one.
fn source_tag(line: &str) -> Option<Vec<String>> {
    let names = SOURCE_TAG
        .captures(line)
        .or_else(|| AGENCY_ALONE.captures(line))?
        .name("names")?
        .as_str();
    let parts: Vec<&str> = NAME_SEPARATOR
        .split(names)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let looks_like_names = !parts.is_empty()
        && parts.iter().all(|part| {
            part.split_whitespace().count() <= 4
                && (part
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
                    || is_agency(part))
        });
    if !looks_like_names {
        return None;
    }
    Some(
        parts
            .into_iter()
            .filter(|part| !NOT_AGENCIES.contains(&part.to_lowercase().as_str()))
            .map(str::to_string)
            .collect(),
    )
}

/// A known agency name, in any case ("dpa", "Efe").
fn is_agency(name: &str) -> bool {
    let lower = name.to_lowercase();
    super::phrases::AGENCIES.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(line: &str) -> Option<RemovalReason> {
        classify(line).map(|m| m.reason)
    }

    #[test]
    fn seed_furniture_lines() {
        use RemovalReason::*;
        assert_eq!(reason("Partager:"), Some(Share));
        assert_eq!(reason("Partager Cet Article"), Some(Share));
        assert_eq!(reason("Suivez RT France surTelegram"), Some(Share));
        assert_eq!(reason("Lire aussi"), Some(RelatedLink));
        assert_eq!(
            reason("Lire aussi: La Résistance irakienne mène des frappes contre deux positions israéliennes"),
            Some(RelatedLink)
        );
        assert_eq!(reason("Commentaires"), Some(Prompt));
        assert_eq!(reason("TV"), Some(Furniture));
    }

    #[test]
    fn agencies_and_credits_become_metadata() {
        let tag = classify("- Avec AFP").unwrap();
        assert_eq!(tag.reason, RemovalReason::Source);
        assert_eq!(tag.agencies, ["AFP"]);
        assert_eq!(
            classify("SOURCE: FRENCH PRESS TV").unwrap().agencies,
            ["FRENCH PRESS TV"]
        );
        let divers = classify("Source: Divers").unwrap();
        assert_eq!(divers.reason, RemovalReason::Source);
        assert!(divers.agencies.is_empty());
        assert_eq!(
            classify("Avec AFP et Reuters").unwrap().agencies,
            ["AFP", "Reuters"]
        );
        let photo = classify("©(Photo de Younis AL-BAYATI/AFP)").unwrap();
        assert_eq!(photo.reason, RemovalReason::Credit);
        assert_eq!(photo.credit.as_deref(), Some("Younis AL-BAYATI/AFP"));
        let rasheed = classify("Une attaque en Irak© Ako Rasheed Source: Reuters").unwrap();
        assert_eq!(rasheed.credit.as_deref(), Some("Ako Rasheed / Reuters"));
        let caption = classify("US Rep. Ilhan Omar talks with Nancy Pelosi. (AFP photo)").unwrap();
        assert_eq!(caption.credit.as_deref(), Some("AFP"));
        let illustration = classify("Des soldats américains (image d'illustration).").unwrap();
        assert_eq!(illustration.reason, RemovalReason::Credit);
        assert_eq!(illustration.credit, None);
    }

    #[test]
    fn story_lines_are_left_alone() {
        for line in [
            "Des attaques récurrentes",
            "Source sécuritaire: deux drones ont été abattus près de la base, selon un responsable irakien qui a requis l'anonymat.",
            "Avec ses alliés, Washington a répondu par des frappes.",
            "Il a partagé sur Telegram une vidéo de l'attaque, que l'AFP n'a pas pu authentifier.",
            "Oui.",
            "Les commentaires du ministre ont été vivement critiqués par l'opposition.",
            "Lire aussi les déclarations du ministre dans son intégralité n'a pas suffi.",
        ] {
            assert_eq!(reason(line), None, "{line}");
        }
    }
}
