//! Consent and cookie banners, found as regions of lines rather than line by line.
//!
//! A banner printed as text is a run of lines: a heading ("Your privacy"), one or more
//! paragraphs that speak to the reader about cookies or personal data ("En cliquant sur
//! « Tout accepter » vous consentez…", "We and our partners store and/or access…"), and
//! button rows ("OK", "Tout AccepterTout refuserParamétrer vos choix"). A paragraph is a
//! *consent line* when it names cookies/consent/personal data and addresses the reader or
//! speaks as the site ("vous", "you", "Sie", "we use", "en cliquant"), or when it is an IAB
//! TCF purpose. Buttons and headings are *weak*: they go only as part of a region, a
//! maximal run of consent and weak lines that holds at least one consent line. So "OK"
//! inside a banner goes, and an "OK" elsewhere is left to the line rules.
//!
//! Lines come in four kinds besides story text:
//! - *strong*: the site speaks ("we use cookies", "nous et nos partenaires", "en cliquant
//!   sur…", "diese Website verwendet…") about cookies, consent or personal data, or an IAB
//!   TCF purpose. One is enough to make a region a banner.
//! - *reader*: a consent term addressed to the reader ("vos données", "your consent")
//!   without the site's voice. A story or a guide about cookies writes such lines too, so
//!   they make a banner only together with a button row or heading in the same region.
//! - *button*: a button row or banner heading ("OK", "Tout accepter", "Your privacy").
//! - *weak*: another short line naming cookies, privacy or partners ("Strictly Necessary
//!   Cookies"); it joins a region, never makes one.
//!
//! A line that reports speech ("a rappelé la présidente", "the commissioner said",
//! "sagte", "dijo", "ha detto", "disse") is story, never banner: banners do not quote
//! people. So a story about cookies stays even when it quotes a regulator telling readers
//! "you can refuse cookies". The caller's story guard also reverts unclear regions (a lone
//! line) that would take most of the text.
//!
//! Speed: the consent regexes are large alternations; a paragraph is first folded (see
//! [`folded`]) and searched for the consent terms without word boundaries
//! ([`CONSENT_TERM_GATE`]), and most story paragraphs stop there. Button rows are matched
//! on the folded line too, by a pattern without `(?i)` ([`WEAK_LINE`], the largest).

use std::sync::LazyLock;

use regex::Regex;

use super::phrases::{alternation, build, build_folded, CONSENT_BUTTONS, CONSENT_HEADINGS};

/// Longest paragraph taken for a consent line (the longest TCF texts run near 1,500).
const CONSENT_LINE_MAX: usize = 3000;
/// Longest button row or heading.
const WEAK_LINE_MAX: usize = 120;

/// The consent terms, lowercase, without word boundaries: [`CONSENT_TERM`] adds them,
/// [`CONSENT_TERM_GATE`] does without.
const CONSENT_TERMS: &str = r"(?:cookies?|traceurs?|trackers?|consentement|consentez|consentir|consentire|consent|precise geolocation|géolocalisation précises?|geolocalizzazione precisi|localización geográfica precisa|geolocalização precisa|genaue standortdaten|einwilligung|zustimmung|consentimiento|consenso|consentimento|données personnelles|données de navigation|personal data|personenbezogene\w* daten|datos personales|dati personali|dados pessoais|traitons les données|(?:vos|your|ihre|sus|tus|i tuoi|i suoi|os seus|os teus) (?:données|data|daten|datos|dati|dados)|intérêt légitime|legitimate interest|berechtigten interesses|interés legítimo|legittimo interesse|interesse legítimo|tout accepter|tout refuser|paramétrer vos choix|accept all|reject all|alle akzeptieren|alle ablehnen|aceptar todo|rechazar todo|accetta tutti|rifiuta tutti|aceitar todos|rejeitar todos)";

static CONSENT_TERM: LazyLock<Regex> = LazyLock::new(|| build(&format!(r"\b{CONSENT_TERMS}\b")));

/// The consent terms searched in the lowercased line without word boundaries: a plain
/// alternation the regex crate runs with its fast literal engines, where the `\b` of
/// [`CONSENT_TERM`] on accented text needs its slowest one. Most story lines stop here.
static CONSENT_TERM_GATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(CONSENT_TERMS).expect("static consent gate compiles"));

static READER_OR_SITE: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:vous|votre|vos|you|your|sie|ihre?|ihren|ihrer|ihnen|usted|tú|tu|tus|vostro|vostra|vostri|tuo|tua|tuoi|você|vocês|seu|sua|seus|suas|nous utilisons|nos partenaires|we use|our partners|wir verwenden|wir nutzen|unsere partner|utilizamos|usamos|nuestros socios|utilizziamo|i nostri partner|nossos parceiros|en cliquant|by clicking|klicken sie|indem sie|al hacer clic|haciendo clic|cliccando|facendo clic|ao clicar|clicando|utilise des cookies|utilise les cookies|uses cookies|verwendet cookies|nutzt cookies|utiliza cookies|usa cookies|utilizza (?:i )?cookie|this (?:site|website)|ce site|diese (?:website|seite)|este sitio|questo sito|este site)\b",
    )
});

/// The site (or its partners) speaking, or the reader told what clicking does.
static SITE_VOICE: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:nous utilisons|nous et nos partenaires|nos partenaires|notre site|ce site|en cliquant|en poursuivant|en continuant|utilise des cookies|utilise les cookies|we use|we and our partners|our partners|our site|our website|this (?:site|website)|by clicking|by continuing|by using|uses cookies|wir verwenden|wir nutzen|wir und unsere partner|unsere partner|unsere website|diese (?:website|webseite|seite)|klicken sie|indem sie|verwendet cookies|nutzt cookies|utilizamos|usamos|nuestros socios|nuestra web|este sitio|al hacer clic|haciendo clic|si continúa|si continúas|si continuas|utiliza cookies|usa cookies|utilizziamo|usiamo|noi e i nostri partner|i nostri partner|questo sito|cliccando|facendo clic|proseguendo|continuando|utilizza (?:i )?cookie|nós e os nossos parceiros|os nossos parceiros|nossos parceiros|este site|ao clicar|clicando|ao continuar|utiliza cookies)\b",
    )
});

/// Reported speech: a story quoting someone, which a banner never does.
static REPORTED: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:a (?:déclaré|indiqué|expliqué|affirmé|annoncé|estimé|rappelé|souligné|précisé|dénoncé|infligé|sanctionné)|rappelle|estime|souligne|dénonce|according to|said|says|told|warned|ruled|sagte|sagt|erklärte|betonte|warnte|kritisierte|so die|heißt es|dijo|afirmó|explicó|señaló|aseguró|advirtió|denunció|recordó|ha (?:detto|spiegato|dichiarato|affermato|sottolineato|ricordato)|disse|afirmou|explicou|declarou|alertou|lembrou)\b",
    )
});

/// Words one of which a line needs (lowercased) before [`TCF_DEVICE`] is tried.
const DEVICE_WORDS: [&str; 4] = ["appareil", "device", "gerät", "dispositivo"];
/// Stems one of which a line needs (lowercased) before [`TCF_ADS`] is tried.
const PERSONALISED_WORDS: [&str; 3] = ["personnalis", "personalis", "personaliz"];

/// IAB TCF purpose 1 ("Store and/or access information on a device") in six languages.
static TCF_DEVICE: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:stocker|store|speichern|almacenar|archiviare|armazenar).{0,40}(?:sur un appareil|on a device|auf einem gerät|en un dispositivo|su un dispositivo|num dispositivo|em um dispositivo)|(?:informationen auf einem gerät)",
    )
});

/// IAB TCF purposes on personalised ads and their measurement.
static TCF_ADS: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"(?:publicités?|advertising|werbung|anuncios|annunci|anúncios).{0,40}(?:personnalisé|personalised|personalized|personalisierte|personalizados|personalizzati).{0,80}(?:mesure|measurement|messung|medición|valutazione|medição)",
    )
});

/// Words that make a short line part of a banner when it sits in one ("Strictly Necessary
/// Cookies", "Il rispetto della tua privacy è la nostra priorità").
static WEAK_TERM: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:cookies?|privacy|vie privée|confidentialité|privatsphäre|datenschutz\w*|privacidad|privacidade|consent\w*|einwilligung|zustimmung|consentimiento|consenso|consentimento|traceurs|partenaires|partners?|socios|parceiros|fournisseurs|vendors|anbieter|proveedores|fornitori|fornecedores)\b",
    )
});

/// Stems one of which every [`WEAK_TERM`] word holds, searched first without word
/// boundaries: the regex crate's fast engines, where a Unicode `\b` on non-ASCII text needs
/// its slowest one. Most short lines stop here.
static WEAK_TERM_GATE: LazyLock<Regex> = LazyLock::new(|| {
    build("cookie|priv|confidentialit|datenschutz|consen|einwilligung|zustimmung|traceur|partenaire|partner|socios|parceiro|fournisseur|vendor|anbieter|proveedor|fornitor|fornecedor")
});

/// A whole line of banner buttons or a banner heading, matched on the [`folded`] line.
static WEAK_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let buttons = alternation(CONSENT_BUTTONS);
    let headings = alternation(CONSENT_HEADINGS);
    build_folded(&format!(
        r"^[\s«»“”]*(?:(?:{headings})|(?:{buttons})(?:[\s|/·•,«»“”]*(?:{buttons}))*)[\s.!:»”]*$"
    ))
});

/// Banner regions found in a body.
pub(crate) struct ConsentScan {
    /// `in_banner[i]`: paragraph `i` belongs to a banner region.
    pub in_banner: Vec<bool>,
    /// Some region is unmistakable: two lines or more, or a button row with its text.
    /// A one-paragraph "region" without buttons may be a story quoting a banner.
    pub clear: bool,
}

/// What a line is to a banner (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Story,
    Weak,
    Button,
    Reader,
    Strong,
}

/// The kind of one paragraph.
pub(crate) fn line_kind(line: &str) -> LineKind {
    let line = line.trim();
    if line.is_empty() {
        return LineKind::Story;
    }
    if line.len() > CONSENT_LINE_MAX {
        // Longer than a consent line, so longer than a button row or weak line too.
        return LineKind::Story;
    }
    let length = line.chars().count();
    let lower = folded(line);
    if length <= WEAK_LINE_MAX && WEAK_LINE.is_match(&lower) {
        return LineKind::Button;
    }
    let holds = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if (holds(&DEVICE_WORDS) && TCF_DEVICE.is_match(line))
        || (holds(&PERSONALISED_WORDS) && TCF_ADS.is_match(line))
    {
        return LineKind::Strong;
    }
    if CONSENT_TERM_GATE.is_match(&lower)
        && CONSENT_TERM.is_match(line)
        && READER_OR_SITE.is_match(line)
    {
        if REPORTED.is_match(line) {
            return LineKind::Story;
        }
        return if SITE_VOICE.is_match(line) {
            LineKind::Strong
        } else {
            LineKind::Reader
        };
    }
    if length <= WEAK_LINE_MAX
        && WEAK_TERM_GATE.is_match(line)
        && WEAK_TERM.is_match(line)
        && !REPORTED.is_match(line)
    {
        return LineKind::Weak;
    }
    LineKind::Story
}

/// `line` lowercased as `(?i)` compares letters: `to_lowercase`, and the long s `ſ` (which
/// `(?i)` matches to `s` but which is lowercase already) read as `s`. For the Latin letters
/// of the phrases these are the only differences, so a lowercase pattern on the folded line
/// answers as the same pattern with `(?i)` on the line.
fn folded(line: &str) -> String {
    let lower = line.to_lowercase();
    if lower.contains('ſ') {
        return lower.replace('ſ', "s");
    }
    lower
}

/// Marks the banner regions of `paragraphs`: maximal runs of non-story lines that hold a
/// strong line, or a reader line and a button row or heading.
pub(crate) fn scan(paragraphs: &[String]) -> ConsentScan {
    let kinds: Vec<LineKind> = paragraphs.iter().map(|p| line_kind(p)).collect();
    let mut in_banner = vec![false; paragraphs.len()];
    let mut clear = false;
    let mut start = 0;
    while start < kinds.len() {
        if kinds[start] == LineKind::Story {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < kinds.len() && kinds[end] != LineKind::Story {
            end += 1;
        }
        let region = &kinds[start..end];
        let has = |kind: LineKind| region.contains(&kind);
        if has(LineKind::Strong) || (has(LineKind::Reader) && has(LineKind::Button)) {
            in_banner[start..end].fill(true);
            clear |= end - start >= 2;
        }
        start = end;
    }
    ConsentScan { in_banner, clear }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn button_rows_and_headings_are_weak() {
        for line in [
            "OK",
            "Tout AccepterTout refuserParamétrer vos choix",
            "Accept all | Reject all | Manage preferences",
            "We value your privacy",
        ] {
            assert_eq!(line_kind(line), LineKind::Button, "{line}");
        }
        assert_eq!(line_kind("Strictly Necessary Cookies"), LineKind::Weak);
        assert_eq!(line_kind("Des attaques récurrentes"), LineKind::Story);
    }

    #[test]
    fn the_weak_term_gate_passes_every_weak_term() {
        for word in [
            "Cookies",
            "cookie",
            "Privacy",
            "vie privée",
            "Confidentialité",
            "Privatsphäre",
            "Datenschutzerklärung",
            "privacidad",
            "privacidade",
            "Consentement",
            "Einwilligung",
            "Zustimmung",
            "consentimiento",
            "consenso",
            "consentimento",
            "traceurs",
            "Partenaires",
            "partners",
            "socios",
            "parceiros",
            "fournisseurs",
            "Vendors",
            "Anbieter",
            "proveedores",
            "fornitori",
            "fornecedores",
        ] {
            assert!(WEAK_TERM.is_match(word), "{word}: not a weak term");
            assert!(WEAK_TERM_GATE.is_match(word), "{word}: stopped by the gate");
        }
    }

    #[test]
    fn button_rows_match_folded_lines_as_case_insensitive_patterns_would() {
        let insensitive = Regex::new(&format!("(?i){}", WEAK_LINE.as_str())).unwrap();
        let lines = [
            "TOUT ACCEPTER",
            "Tout Accepter | Tout Refuser",
            "J’ACCEPTE",
            "Paramètres des cookies",
            "PARAMÈTRES DES COOKIES",
            "ACCEPT ALL",
            "Accept all \u{17F}ettings",
            "Accept cookie\u{17F}",
            "İ accept",
            "Lire la suite",
        ];
        let mut matched = 0;
        for line in lines {
            let folded_answer = WEAK_LINE.is_match(&folded(line));
            assert_eq!(folded_answer, insensitive.is_match(line), "{line}");
            matched += usize::from(folded_answer);
        }
        assert!(matched >= 5, "only {matched} button rows");
    }

    #[test]
    fn reader_lines_need_a_button_to_make_a_banner() {
        let guide = lines("Story.\nVous pouvez retirer votre consentement à tout moment.\nVos données restent les vôtres, rappelons-le, quel que soit votre choix.\nStory.");
        assert_eq!(scan(&guide).in_banner, [false; 4]);
        let banner = lines(
            "Story.\nVous pouvez retirer votre consentement à tout moment.\nJ'accepte\nStory.",
        );
        assert_eq!(scan(&banner).in_banner, [false, true, true, false]);
    }

    #[test]
    fn a_region_needs_a_consent_line() {
        let body = lines("Story one.\nOK\nWe use cookies to improve your experience.\nAccept all\nStory two.\nOK");
        let scan = scan(&body);
        assert_eq!(scan.in_banner, [false, true, true, true, false, false]);
        assert!(scan.clear);
    }

    #[test]
    fn a_story_about_cookies_is_not_a_banner() {
        let story = "La CNIL a infligé une amende à Google, qui ne permettait pas de refuser les cookies aussi facilement que de les accepter.";
        assert_eq!(line_kind(story), LineKind::Story);
        let quote = "« Vous devez pouvoir refuser les cookies aussi facilement que vous les acceptez », a rappelé la présidente de la CNIL.";
        assert_eq!(line_kind(quote), LineKind::Story);
        let guide = "Pour retirer votre consentement, il suffit en principe de rouvrir le panneau de réglages.";
        assert_eq!(line_kind(guide), LineKind::Reader);
        assert_eq!(
            line_kind("Nous utilisons des cookies pour mesurer l'audience de notre site."),
            LineKind::Strong
        );
    }
}
