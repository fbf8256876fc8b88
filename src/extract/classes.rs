//! What an element's `class`, `id`, `itemprop` and `role` say about it.
//!
//! In: one element. Out: a [`Hint`]: whether its names mark an article body ("article-body",
//! "entry-content", "contenu", "corps-article", `itemprop=articleBody`), page furniture
//! ("share", "related", "newsletter", "partage", "lire-aussi", "publicite", "leia-tambem"),
//! or plain content words ("article", "post", "texte"). Words are in English, French,
//! Spanish, Portuguese, Italian and German, since class names follow the site's language.
//! Used by the content scorer (`body`) and by the paragraph collector (`paragraphs`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::node::Element;

use super::dom::attr;

/// The verdict on one element's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hint {
    /// Score adjustment for the content scorer (positive: likely content).
    pub weight: i16,
    /// Names of page furniture: dropped from inside an article.
    pub junk: bool,
    /// Names that say "this is the article body".
    pub body: bool,
    /// Names of a consent manager's box (a cookie banner, a CMP's container).
    pub consent: bool,
}

// The four name patterns below are lowercase and matched against names folded by
// [`fold_case`], which answers as `(?i)` would on the names as written.

/// Names that mark the article body itself.
static BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"article[-_ ]?(body|content|text|texte|corps|contenu|inner)|articlebody|article__(body|content|text)|story[-_]?(body|content|text)|entry[-_]?(content|body|text)|post[-_]?(content|body|text|entry)|body[-_]?(text|copy|content)|main[-_]?(text|content)|news[-_]?(body|text|content)|rich[-_]?text|text[-_]?(body|content)|field[-_]?(body|name-body)|contenu[-_]?article|corps[-_]?(article|texte)|texte[-_]?article|cuerpo|conteudo[-_]?(materia|noticia|post)|materia[-_]?(corpo|conteudo|texto)|artikel[-_]?(text|body|inhalt)|testo[-_]?articolo|single[-_]?content",
    )
    .expect("static regex")
});

/// Names of page furniture that never belongs in the article text: words found anywhere in
/// the names (hyphenated ones spelled both ways), a list the regex crate searches as plain
/// strings, ...
static JUNK_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"share|sharing|social|related|newsletter|subscri|comment|disqus|advert|adslot|dfp|doubleclick|promo|sponsor|outbrain|taboola|breadcrumb|caption|credit|toolbar|byline|author|cookie|consent|gdpr|popup|modal|recommend|readmore|read-more|morestories|morenews|morearticles|more-stories|more-news|more-articles|mostread|mostpopular|mostviewed|most-read|most-popular|most-viewed|popular|trending|sidebar|widget|taglist|tag-list|keywords|signup|sign-up|follow|partage|abonn|lireaussi|lire-aussi|alire|a-lire|voiraussi|voir-aussi|memesujet|meme-sujet|publicit|commentaire|enrelation|en-relation|relacionad|leiatambem|leia-tambem|vejatambem|veja-tambem|correlat|anzeige|werbung|empfehl|pagination|pager|navbar|navigation|menu|footer|masthead|timestamp|dateline|published|video|player|gallery|slideshow|slider|carousel|embed|banner|alert|login|paywall|offer|print|rating|vote|hidden|visually-hidden|sr-only|screen-reader|skip|headline|kicker|eyebrow|inlinead|inlinepromo|inlinerelated|inline-ad|inline-promo|inline-related|morefrom|more-from|alsoread|also-read|seealso|see-also|furtherreading|further-reading|nextarticle|next-article|prev|donate|supportus|support-us|disclaimer|copyright|abouttheauthor|aboutthe-author|about-theauthor|about-the-author|rubrique|chapo|sommaire",
    )
    .expect("static regex")
});

/// ... and short words that must stand alone or at a name's edge ("ad-slot", "tags", not
/// "header", "datepicker").
static JUNK_EDGES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\bads?\b|[-_]ads?\b|\bad[-_]|\btags?\b|\bpub\b|\bnav\b|\bmeta\b|[-_]meta\b|\bdate\b|\bphoto|\bimage|\bimg\b|\btitle\b|bio\b",
    )
    .expect("static regex")
});

/// Names of consent-manager boxes: the generic words and the ids and classes the common
/// platforms inject (OneTrust, Didomi, Quantcast Choice, Sourcepoint, Cookiebot, Usercentrics,
/// TrustArc, Axeptio, tarteaucitron).
static CONSENT_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"cookie|consent|gdpr|rgpd|didomi|onetrust|optanon|qc-cmp|sp_message|\bcmp\b|cmp[-_]|[-_]cmp|cookiebot|usercentrics|truste|axeptio|tarteaucitron|privacy[-_]?(banner|notice|manager|center|centre)",
    )
    .expect("static regex")
});

/// Ordinary content words.
static CONTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"article|body|content|entry|hentry|main|page|post|text|blog|story|texte|contenu|corps|artikel|inhalt|articolo|noticia|materia|conteudo|cuerpo",
    )
    .expect("static regex")
});

/// Headings that introduce other articles ("Related stories", "À lire aussi", "Leia também",
/// "Te puede interesar", "Mehr zum Thema", "Leggi anche", "Читайте также", "Baca juga",
/// "関連記事", "관련기사"), whole heading text.
static RELATED_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:related(?: (?:articles?|stories|posts|news|content|reading|coverage))?|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|read (?:more|also|next)|more (?:stories|news|articles|to read|on this (?:topic|story))|recommended(?: for you| stories| articles| reading)?|see also|also read|(?:most|more) (?:read|popular|viewed|shared)(?: \w+)?|trending(?: now| stories)?|popular (?:posts|stories|articles)|latest (?:news|stories|posts|articles)|(?:à |a )?(?:lire|voir) aussi|sur le même (?:sujet|thème)|dans la même rubrique|les plus lus|vous (?:aimerez|pourriez aimer) aussi|articles? (?:similaires|liés|connexes)|(?:leia|veja) (?:também|mais)|você (?:também )?pode (?:gostar|se interessar)(?: também)?|(?:posts|notícias|matérias|artigos) relacionad[oa]s|mais lid[ao]s|relacionad[oa]s|(?:también )?te puede interesar|(?:lee|lea) también|(?:noticias|artículos) relacionad[oa]s|más leíd[oa]s|das könnte (?:sie|dich) auch interessieren|mehr zum thema|auch interessant|weitere artikel|meistgelesen|(?:ti )?potrebbe(?: anche)? interessarti|leggi anche|articoli correlati|самые (?:популярные|читаемые|обсуждаемые)(?: \w+)?|популярное|читайте (?:также|ещё|еще)|смотрите также|похожие (?:статьи|записи|новости|материалы)|по теме|(?:другие|ещё|еще) (?:новости|статьи|материалы)(?: по теме)?|рекомендуем(?: прочитать)?|baca juga|(?:artikel|berita) (?:terkait|lainnya|populer)|関連記事|人気記事|おすすめ記事|관련\s?기사|많이 본 (?:뉴스|기사)|인기\s?기사)[\s\p{P}]*$",
    )
    .expect("static regex")
});

/// Whether a heading's text announces a block of other articles.
pub(crate) fn is_related_label(text: &str) -> bool {
    if text.len() > 160 {
        return false;
    }
    let text: Vec<&str> = text.split_whitespace().collect();
    RELATED_LABEL.is_match(&text.join(" "))
}

/// Most class and id strings remembered per thread (the memory is emptied when full).
const REMEMBERED_MAX: usize = 50_000;

thread_local! {
    /// The verdict on each class or id string this thread has judged, on this page or an
    /// earlier one: a page repeats the same few hundred, a site repeats them on every page,
    /// and the regexes are the cost.
    static VERDICTS: RefCell<HashMap<String, Hint>> = RefCell::new(HashMap::new());
}

/// The hint for `el`, from its `class`, `id`, `itemprop` and `role`.
pub(crate) fn hint(el: &Element) -> Hint {
    let mut hint = Hint::default();
    match attr(el, "itemprop") {
        Some(p) if p.eq_ignore_ascii_case("articleBody") || p == "text" => {
            hint.body = true;
            hint.weight += 50;
        }
        // Microdata for the metadata (a dateline, a byline) inside the body container.
        Some(
            "datePublished" | "dateModified" | "dateCreated" | "author" | "creator" | "publisher",
        ) => {
            hint.junk = true;
            hint.weight -= 25;
        }
        _ => {}
    }
    match attr(el, "role") {
        Some("navigation" | "complementary" | "banner" | "contentinfo" | "search") => {
            hint.junk = true;
            hint.weight -= 25;
        }
        Some("main" | "article") => hint.weight += 25,
        _ => {}
    }
    for names in [attr(el, "class"), attr(el, "id")].into_iter().flatten() {
        if names.is_empty() {
            continue;
        }
        let verdict = remembered_verdict(names);
        hint.weight += verdict.weight;
        hint.junk |= verdict.junk;
        hint.body |= verdict.body;
        hint.consent |= verdict.consent;
    }
    hint
}

/// The verdict on a class or id string, judged once per thread.
fn remembered_verdict(names: &str) -> Hint {
    VERDICTS.with_borrow_mut(|verdicts| {
        if let Some(&verdict) = verdicts.get(names) {
            return verdict;
        }
        if verdicts.len() >= REMEMBERED_MAX {
            verdicts.clear();
        }
        let mut verdict = Hint::default();
        judge_names(names, &mut verdict);
        verdicts.insert(names.to_string(), verdict);
        verdict
    })
}

fn judge_names(names: &str, hint: &mut Hint) {
    if names.is_empty() {
        return;
    }
    let folded = fold_case(names);
    let names = folded.as_ref();
    hint.consent = CONSENT_BOX.is_match(names);
    if hint.consent && !BODY.is_match(names) {
        // A consent box is furniture wherever it sits, even inside the article.
        hint.junk = true;
        hint.weight -= 25;
    } else if BODY.is_match(names) {
        hint.body = true;
        hint.weight += 50;
    } else if JUNK_WORDS.is_match(names) || JUNK_EDGES.is_match(names) {
        hint.junk = true;
        hint.weight -= 25;
    } else if CONTENT.is_match(names) {
        hint.weight += 25;
    }
}

/// `names` with letters folded the way `(?i)` folds them against ASCII patterns: ASCII
/// letters lowercased, and the two other letters Unicode folds to ASCII ones, the Kelvin
/// sign `K` (to `k`) and the long s `ſ` (to `s`). Case-sensitive patterns on the folded
/// names give the answers `(?i)` patterns give on the names as written, and faster: the
/// regex crate can then use its literal prefilters. Most names are lowercase already and
/// come back borrowed.
fn fold_case(names: &str) -> Cow<'_, str> {
    let folds = |c: char| c.is_ascii_uppercase() || c == '\u{212A}' || c == 'ſ';
    if !names.chars().any(folds) {
        return Cow::Borrowed(names);
    }
    let folded = names
        .chars()
        .map(|c| match c {
            '\u{212A}' => 'k',
            'ſ' => 's',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    Cow::Owned(folded)
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
    fn folded_names_match_as_case_insensitive_patterns_would() {
        let names = [
            "Article-Body",
            "STORY_TEXT",
            "ShareBar",
            "Top-ADS",
            "COOKIE-Banner",
            "coo\u{212A}ie-notice",
            "\u{17F}hare",
            "Ad-slot",
            "éMeta",
            "PÀGINA-texte",
            "İmage",
            "navBar main",
        ];
        for pattern in [&*BODY, &*JUNK_WORDS, &*JUNK_EDGES, &*CONSENT_BOX, &*CONTENT] {
            let insensitive = Regex::new(&format!("(?i){}", pattern.as_str())).unwrap();
            for name in names {
                assert_eq!(
                    pattern.is_match(&fold_case(name)),
                    insensitive.is_match(name),
                    "{name} against {}",
                    &pattern.as_str()[..20]
                );
            }
        }
        assert!(judge("coo\u{212A}ie-consent").consent);
    }

    #[test]
    fn related_labels_in_several_languages() {
        for t in [
            "Related stories",
            "You may also like",
            "À lire aussi",
            "Sur le même sujet :",
            "Você pode gostar...",
            "Leia também",
            "Te puede interesar",
            "Mehr zum Thema",
            "Leggi anche",
            "Самые популярные диеты",
            "Читайте также:",
            "Baca Juga",
            "関連記事",
            "관련기사",
        ] {
            assert!(is_related_label(t), "{t}");
        }
        for t in [
            "Related to the budget, the council said",
            "Lire la suite",
            "Tags",
        ] {
            assert!(!is_related_label(t), "{t}");
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
            "article__block_slider",
        ] {
            assert!(judge(n).junk, "{n}");
        }
        for n in ["header", "load-more", "lead", "paragraph"] {
            assert!(!judge(n).junk, "{n}");
        }
    }
}
