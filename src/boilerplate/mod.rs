//! Boilerplate removal: an extracted [`Article`] → one whose body is only the story.
//!
//! Runs after `extract`, before `cluster`, on every page (and on `.txt` articles). Takes the
//! article's paragraphs and removes, each with a recorded [`Removal`] and reason:
//! - `feeds.toml` `drop_lines` of the outlet (`Configured`), matched on normalised text, as
//!   the whole paragraph or its beginning;
//! - consent and cookie banners, as regions of lines (`Consent`, see `consent.rs`);
//! - one-line furniture (`Share`, `RelatedLink`, `Prompt`, `Credit`, `Source`,
//!   `Furniture`, see `rules.rs`); agency tags and credits are kept as metadata in
//!   [`Article::agencies`] and [`Article::credits`], a paywall notice sets
//!   [`Article::paywalled`];
//! - paragraphs the outlet prints on many articles (`OutletTemplate`, see `templates.rs`);
//! - exact and near-exact repeats inside the page, the first occurrence kept, however
//!   many copies there are; a long cut copy printed before its full paragraph (a truncated
//!   lead) gives way to the full one (`RepeatInPage`, see `repeats.rs`).
//!
//! When several apply, the reason recorded is the first in that list.
//!
//! Story guard: a stage that removes most of an article is more likely wrong than the
//! article. Repeats never count (their first occurrence stays). If consent regions would
//! take more than half of the text and none is unmistakable (two lines or more), they are
//! not removed. If the line rules and templates would take more than half of what is not
//! consent, template removals are withdrawn first, then rule removals of long paragraphs
//! (over [`LONG_PARAGRAPH`] characters); short furniture still goes. `Configured` lines are
//! always removed: the user asked for it.
//!
//! Pure and deterministic: no I/O, no clock, no randomised hashing; outlet-wide paragraph
//! counts arrive through [`TemplateCounts`]. Regexes are compiled once per process.

mod consent;
mod normalize;
mod phrases;
mod repeats;
mod rules;
mod templates;

use crate::model::{Article, Removal, RemovalReason};
use normalize::{normalized, NormalizedBody};
use rules::LineMatch;

/// Rule removals of paragraphs longer than this (in characters) are withdrawn when the
/// story guard trips.
pub const LONG_PARAGRAPH: usize = 200;

/// What is left, in characters, below which a page whose banner was removed is a wall.
const WALL_LEFT_MAX: usize = 200;

/// Outlet-wide paragraph counts, learned by the store as articles arrive.
pub trait TemplateCounts {
    /// On how many different stored articles of `outlet` the paragraph with this fingerprint
    /// appears (fingerprints as [`template_fingerprints`] gives them). The article being
    /// stripped is not stored yet, so it is not among them.
    fn articles_with(&self, outlet: &str, fingerprint: u64) -> u32;
}

/// No outlet history (offline `extract`, first article of an outlet).
pub struct NoTemplates;

impl TemplateCounts for NoTemplates {
    fn articles_with(&self, _outlet: &str, _fingerprint: u64) -> u32 {
        0
    }
}

/// What the stage needs besides the article.
pub struct Context<'a> {
    /// The outlet the article belongs to, if known (templates need it).
    pub outlet: Option<&'a str>,
    /// Lines feeds.toml says this outlet always prints.
    pub drop_lines: &'a [String],
    /// Outlet paragraph counts.
    pub templates: &'a dyn TemplateCounts,
    /// A paragraph on at least this many earlier articles of the outlet is a template
    /// (0 turns template removal off).
    pub template_min_articles: u32,
}

/// What is left once boilerplate is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An article with a story body.
    Article,
    /// The page held only a consent wall.
    ConsentWall,
    /// Nothing was left (or there was nothing to begin with).
    Empty,
}

/// Everything found against one paragraph, before the story guard decides.
#[derive(Debug, Default)]
struct Verdict {
    configured: bool,
    consent: bool,
    rule: Option<LineMatch>,
    template: bool,
    repeat: bool,
}

impl Verdict {
    /// The reason the paragraph goes, if it goes.
    fn reason(&self) -> Option<RemovalReason> {
        if self.configured {
            Some(RemovalReason::Configured)
        } else if self.consent {
            Some(RemovalReason::Consent)
        } else if let Some(found) = &self.rule {
            Some(found.reason)
        } else if self.template {
            Some(RemovalReason::OutletTemplate)
        } else if self.repeat {
            Some(RemovalReason::RepeatInPage)
        } else {
            None
        }
    }
}

/// Removes boilerplate from `article`, recording each removal on it (appended to
/// [`Article::removals`], in paragraph order, `index` counting paragraphs as they came in).
pub fn strip(mut article: Article, ctx: &Context<'_>) -> (Article, Outcome) {
    let paragraphs = std::mem::take(&mut article.paragraphs);
    let body = NormalizedBody::new(&paragraphs);
    let (mut verdicts, consent_clear) = judge(&paragraphs, &body, article.title.as_deref(), ctx);
    let lengths: Vec<usize> = paragraphs.iter().map(|p| p.chars().count()).collect();
    guard(&lengths, &mut verdicts, consent_clear);

    let (mut kept_chars, mut consent_chars) = (0, 0);
    for (index, (text, verdict)) in paragraphs.into_iter().zip(verdicts).enumerate() {
        let Some(reason) = verdict.reason() else {
            kept_chars += lengths[index];
            article.paragraphs.push(text);
            continue;
        };
        if reason == RemovalReason::Consent {
            consent_chars += lengths[index];
        }
        if let Some(found) = verdict.rule.filter(|found| found.reason == reason) {
            add_metadata(&mut article, found);
        }
        article.removals.push(Removal {
            index,
            text,
            reason,
        });
    }
    let outcome = if article.paragraphs.is_empty() && consent_chars == 0 {
        Outcome::Empty
    } else if consent_chars > kept_chars && kept_chars < WALL_LEFT_MAX {
        Outcome::ConsentWall
    } else {
        Outcome::Article
    };
    (article, outcome)
}

/// Fingerprints of the paragraphs the store should count for template learning: sorted,
/// deduplicated, one per distinct countable paragraph of the body (paragraphs of at least
/// 12 normalised characters), plus those already removed as outlet templates. Call it on
/// the article [`strip`] returned and count each fingerprint once per article.
pub fn template_fingerprints(article: &Article) -> Vec<u64> {
    templates::article_fingerprints(article)
}

/// Runs every detector over the body. Returns the verdicts and whether some consent region
/// is unmistakable.
fn judge(
    paragraphs: &[String],
    body: &NormalizedBody,
    title: Option<&str>,
    ctx: &Context<'_>,
) -> (Vec<Verdict>, bool) {
    let drop_lines: Vec<String> = ctx
        .drop_lines
        .iter()
        .map(|line| normalized(line))
        .filter(|line| !line.is_empty())
        .collect();
    let banners = consent::scan(paragraphs);
    let templates = templates::find(body, ctx);
    let repeats = repeats::find(body, title);
    let verdicts = paragraphs
        .iter()
        .enumerate()
        .map(|(i, paragraph)| {
            let configured = is_configured(body.get(i), &drop_lines);
            let consent = banners.in_banner[i];
            let rule = if configured || consent {
                None
            } else {
                rules::classify(paragraph)
            };
            Verdict {
                configured,
                consent,
                rule,
                template: templates[i],
                repeat: repeats[i].is_some(),
            }
        })
        .collect();
    (verdicts, banners.clear)
}

/// The normalised paragraph is a drop line, or begins with one (at a word boundary).
fn is_configured(paragraph: &str, drop_lines: &[String]) -> bool {
    drop_lines.iter().any(|line| {
        paragraph
            .strip_prefix(line.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// The story guard (see the module header). `lengths` are paragraph lengths in characters.
fn guard(lengths: &[usize], verdicts: &mut [Verdict], consent_clear: bool) {
    let counted = |verdicts: &[Verdict], pick: &dyn Fn(&Verdict) -> bool| -> usize {
        verdicts
            .iter()
            .zip(lengths)
            .filter(|(v, _)| !v.repeat && pick(v))
            .map(|(_, &len)| len)
            .sum()
    };
    let base = counted(verdicts, &|_| true);
    let consent = counted(verdicts, &|v| v.consent);
    if consent * 2 > base && !consent_clear {
        verdicts.iter_mut().for_each(|v| v.consent = false);
    }
    let story = counted(verdicts, &|v| !v.consent);
    let ruled = |verdicts: &[Verdict]| {
        counted(verdicts, &|v| {
            !v.consent && !v.configured && (v.rule.is_some() || v.template)
        })
    };
    if ruled(verdicts) * 2 <= story {
        return;
    }
    verdicts.iter_mut().for_each(|v| v.template = false);
    if ruled(verdicts) * 2 <= story {
        return;
    }
    for (verdict, &len) in verdicts.iter_mut().zip(lengths) {
        if len > LONG_PARAGRAPH {
            verdict.rule = None;
        }
    }
}

/// Records an agency tag's agencies, a credit line's credit, a paywall notice.
fn add_metadata(article: &mut Article, found: LineMatch) {
    for agency in found.agencies {
        if !article.agencies.contains(&agency) {
            article.agencies.push(agency);
        }
    }
    if let Some(credit) = found.credit {
        if !article.credits.contains(&credit) {
            article.credits.push(credit);
        }
    }
    article.paywalled |= found.paywall;
}
