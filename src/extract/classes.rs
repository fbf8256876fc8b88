//! What an element's `class`, `id`, `itemprop` and `role` say about it.
//!
//! In: one element. Out: a [`Hint`]: whether its names mark an article body ("article-body",
//! "entry-content", "contenu", "corps-article", `itemprop=articleBody`), page furniture
//! ("share", "related", "newsletter", "partage", "lire-aussi", "publicite", "leia-tambem"),
//! or plain content words ("article", "post", "texte"). Words are in English, French,
//! Spanish, Portuguese, Italian and German, since class names follow the site's language.
//! Used by the content scorer (`body`) and by the paragraph collector (`paragraphs`).

use std::sync::LazyLock;

use regex::Regex;
use scraper::node::Element;

/// The verdict on one element's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hint {
    /// Score adjustment for the content scorer (positive: likely content).
    pub weight: i16,
    /// Names of page furniture: dropped from inside an article.
    pub junk: bool,
    /// Names that say "this is the article body".
    pub body: bool,
}

/// Names that mark the article body itself.
static BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)article[-_ ]?(body|content|text|texte|corps|contenu|inner)|articlebody|article__(body|content|text)|story[-_]?(body|content|text)|entry[-_]?(content|body|text)|post[-_]?(content|body|text|entry)|body[-_]?(text|copy|content)|main[-_]?(text|content)|news[-_]?(body|text|content)|rich[-_]?text|text[-_]?(body|content)|field[-_]?(body|name-body)|contenu[-_]?article|corps[-_]?(article|texte)|texte[-_]?article|cuerpo|conteudo[-_]?(materia|noticia|post)|materia[-_]?(corpo|conteudo|texto)|artikel[-_]?(text|body|inhalt)|testo[-_]?articolo|single[-_]?content",
    )
    .expect("static regex")
});

/// Names of page furniture that never belongs in the article text.
static JUNK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)share|sharing|social|related|newsletter|subscri|comment|disqus|advert|\bads?\b|[-_]ads?\b|\bad[-_]|adslot|dfp|doubleclick|promo|sponsor|outbrain|taboola|breadcrumb|caption|credit|toolbar|byline|author|cookie|consent|gdpr|popup|modal|recommend|read-?more|more-?(stories|news|articles)|most-?(read|popular|viewed)|popular|trending|sidebar|widget|\btags?\b|tag-?list|keywords|signup|sign-up|follow|partage|abonn|lire-?aussi|a-?lire|voir-?aussi|meme-?sujet|publicit|\bpub\b|commentaire|en-?relation|relacionad|leia-?tambem|veja-?tambem|correlat|anzeige|werbung|empfehl|pagination|pager|\bnav\b|navbar|navigation|menu|footer|masthead|\bmeta\b|[-_]meta\b|timestamp|dateline|\bdate\b|published|video|player|gallery|slideshow|carousel|\bphoto|\bimage|\bimg\b|embed|banner|alert|login|paywall|offer|print|rating|vote|hidden|visually-hidden|sr-only|screen-reader|skip|headline|\btitle\b|kicker|eyebrow|inline-?(ad|promo|related)|more-?from|also-?read|see-?also|further-?reading|next-?article|prev|donate|support-?us|disclaimer|copyright|bio\b|about-?the-?author|rubrique|chapo|sommaire",
    )
    .expect("static regex")
});

/// Ordinary content words.
static CONTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)article|body|content|entry|hentry|main|page|post|text|blog|story|texte|contenu|corps|artikel|inhalt|articolo|noticia|materia|conteudo|cuerpo",
    )
    .expect("static regex")
});

/// Judges `el` by its `class`, `id`, `itemprop` and `role`.
pub(crate) fn hint(el: &Element) -> Hint {
    let mut hint = Hint::default();
    match el.attr("itemprop") {
        Some(p) if p.eq_ignore_ascii_case("articleBody") || p == "text" => {
            hint.body = true;
            hint.weight += 50;
        }
        _ => {}
    }
    match el.attr("role") {
        Some("navigation" | "complementary" | "banner" | "contentinfo" | "search") => {
            hint.junk = true;
            hint.weight -= 25;
        }
        Some("main" | "article") => hint.weight += 25,
        _ => {}
    }
    for names in [el.attr("class"), el.attr("id")].into_iter().flatten() {
        judge_names(names, &mut hint);
    }
    hint
}

fn judge_names(names: &str, hint: &mut Hint) {
    if names.is_empty() {
        return;
    }
    if BODY.is_match(names) {
        hint.body = true;
        hint.weight += 50;
    } else if JUNK.is_match(names) {
        hint.junk = true;
        hint.weight -= 25;
    } else if CONTENT.is_match(names) {
        hint.weight += 25;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(names: &str) -> Hint {
        let mut h = Hint::default();
        judge_names(names, &mut h);
        h
    }

    #[test]
    fn body_names_in_several_languages() {
        for n in [
            "article-body",
            "entry-content",
            "corps-article",
            "StoryBodyCompanion",
        ] {
            assert!(judge(n).body, "{n}");
        }
    }

    #[test]
    fn furniture_names_in_several_languages() {
        for n in [
            "social-share",
            "bloc-partage",
            "lire-aussi",
            "publicite",
            "leia-tambem",
        ] {
            assert!(judge(n).junk, "{n}");
        }
        for n in ["header", "load-more", "lead", "paragraph"] {
            assert!(!judge(n).junk, "{n}");
        }
    }
}
