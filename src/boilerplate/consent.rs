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
//! A news story about cookies seldom addresses the reader about them, which is what keeps
//! such a story out; the caller's story guard reverts unclear regions that would take most
//! of the text.

use std::sync::LazyLock;

use regex::Regex;

use super::phrases::{alternation, build, CONSENT_BUTTONS, CONSENT_HEADINGS};

/// Longest paragraph taken for a consent line (the longest TCF texts run near 1,500).
const CONSENT_LINE_MAX: usize = 3000;
/// Longest button row or heading.
const WEAK_LINE_MAX: usize = 120;

static CONSENT_TERM: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:cookies?|traceurs?|trackers?|consentement|consentez|consentir|consentire|consent|precise geolocation|géolocalisation précises?|geolocalizzazione precisi|localización geográfica precisa|geolocalização precisa|genaue standortdaten|einwilligung|zustimmung|consentimiento|consenso|consentimento|données personnelles|données de navigation|personal data|personenbezogene\w* daten|datos personales|dati personali|dados pessoais|traitons les données|(?:vos|your|ihre|sus|tus|i tuoi|i suoi|os seus|os teus) (?:données|data|daten|datos|dati|dados)|intérêt légitime|legitimate interest|berechtigten interesses|interés legítimo|legittimo interesse|interesse legítimo|tout accepter|tout refuser|paramétrer vos choix|accept all|reject all|alle akzeptieren|alle ablehnen|aceptar todo|rechazar todo|accetta tutti|rifiuta tutti|aceitar todos|rejeitar todos)\b",
    )
});

static READER_OR_SITE: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"\b(?:vous|votre|vos|you|your|sie|ihre?|ihren|ihrer|ihnen|usted|tú|tu|tus|vostro|vostra|vostri|tuo|tua|tuoi|você|vocês|seu|sua|seus|suas|nous utilisons|nos partenaires|we use|our partners|wir verwenden|wir nutzen|unsere partner|utilizamos|usamos|nuestros socios|utilizziamo|i nostri partner|nossos parceiros|en cliquant|by clicking|klicken sie|indem sie|al hacer clic|haciendo clic|cliccando|facendo clic|ao clicar|clicando|utilise des cookies|utilise les cookies|uses cookies|verwendet cookies|nutzt cookies|utiliza cookies|usa cookies|utilizza (?:i )?cookie|this (?:site|website)|ce site|diese (?:website|seite)|este sitio|questo sito|este site)\b",
    )
});

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

static WEAK_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let buttons = alternation(CONSENT_BUTTONS);
    let headings = alternation(CONSENT_HEADINGS);
    build(&format!(
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

/// A paragraph that talks to the reader about cookies, consent or personal data.
pub(crate) fn is_consent_line(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || line.len() > CONSENT_LINE_MAX {
        return false;
    }
    (CONSENT_TERM.is_match(line) && READER_OR_SITE.is_match(line))
        || TCF_DEVICE.is_match(line)
        || TCF_ADS.is_match(line)
}

/// A banner button row or heading ("OK", "Tout AccepterTout refuserParamétrer vos choix"),
/// or a short line about cookies or privacy.
pub(crate) fn is_weak_line(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty()
        && line.chars().count() <= WEAK_LINE_MAX
        && (WEAK_LINE.is_match(line) || WEAK_TERM.is_match(line))
}

/// Marks the banner regions of `paragraphs`.
pub(crate) fn scan(paragraphs: &[String]) -> ConsentScan {
    let strong: Vec<bool> = paragraphs.iter().map(|p| is_consent_line(p)).collect();
    let weak: Vec<bool> = paragraphs
        .iter()
        .zip(&strong)
        .map(|(p, &s)| !s && is_weak_line(p))
        .collect();
    let mut in_banner = vec![false; paragraphs.len()];
    let mut clear = false;
    let mut start = 0;
    while start < paragraphs.len() {
        if !strong[start] && !weak[start] {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < paragraphs.len() && (strong[end] || weak[end]) {
            end += 1;
        }
        let strong_lines = strong[start..end].iter().filter(|&&s| s).count();
        if strong_lines > 0 {
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
        assert!(is_weak_line("OK"));
        assert!(is_weak_line(
            "Tout AccepterTout refuserParamétrer vos choix"
        ));
        assert!(is_weak_line("Accept all | Reject all | Manage preferences"));
        assert!(is_weak_line("We value your privacy"));
        assert!(!is_weak_line("Des attaques récurrentes"));
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
        assert!(!is_consent_line(story));
    }
}
