//! Plain data types shared by the pipeline stages.
//!
//! Types flow left to right: a feed entry becomes a [`Candidate`], a downloaded page a
//! [`Fetched`], the extract stage makes an [`Article`], boilerplate removal records
//! [`Removal`]s on it, and the cluster stage places it in a story. No behaviour lives
//! here beyond small constructors, so every stage can depend on this module and on
//! nothing else.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a date was read from, strongest evidence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    /// `datePublished` / `dateModified` in JSON-LD.
    JsonLd,
    /// `article:published_time` and similar `<meta>` tags.
    Meta,
    /// A `<time datetime>` element.
    Time,
    /// The feed entry that pointed at the page.
    Feed,
    /// A `/2024/07/16/` pattern in the URL.
    Url,
    /// A dateline written in the text.
    Text,
    /// Given by the caller (the `date` field of `newsfold cluster` input).
    Input,
}

/// A date together with the place it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    /// The instant, in UTC. A date without a time is midnight UTC.
    pub at: DateTime<Utc>,
    /// Where it was read.
    pub source: DateSource,
}

/// Why a line was removed from an article body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemovalReason {
    /// Cookie or consent banner text.
    Consent,
    /// Share / follow widgets ("Partager", "Suivez … sur Telegram").
    Share,
    /// "Lire aussi", "Read more", related-article links.
    RelatedLink,
    /// Newsletter, subscription and comment prompts.
    Prompt,
    /// Photo credits and captions.
    Credit,
    /// Agency or source tag ("Avec AFP", "Source: Reuters").
    Source,
    /// A paragraph already seen earlier in the same page.
    RepeatInPage,
    /// A paragraph this outlet prints on many of its articles.
    OutletTemplate,
    /// A line the outlet's `drop_lines` in feeds.toml names.
    Configured,
    /// Other page furniture: an advertising label ("Publicité"), a lone logo word ("TV"),
    /// a machine-translation disclaimer.
    Furniture,
}

/// One removed line and why it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// Index of the paragraph in the body before removal.
    pub index: usize,
    /// The removed text.
    pub text: String,
    /// The reason.
    pub reason: RemovalReason,
}

/// An extracted article: clean text plus metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The URL the page was fetched from (or the file it was read from).
    pub url: Option<String>,
    /// The page's canonical URL (`<link rel=canonical>`, `og:url`), canonicalised.
    pub canonical_url: Option<String>,
    /// The headline, without a " - Site name" suffix.
    pub title: Option<String>,
    /// Authors, in page order.
    pub authors: Vec<String>,
    /// Publication date and its origin.
    pub published: Option<Dated>,
    /// Last modification date and its origin.
    pub modified: Option<Dated>,
    /// ISO 639-1 language code.
    pub lang: Option<String>,
    /// The outlet's name as the page gives it (`og:site_name`).
    pub site_name: Option<String>,
    /// The page says the article is behind a paywall.
    pub paywalled: bool,
    /// Body paragraphs, in reading order.
    pub paragraphs: Vec<String>,
    /// News agencies credited ("AFP" from "Avec AFP").
    pub agencies: Vec<String>,
    /// Photo credits found in the body.
    pub credits: Vec<String>,
    /// Lines the boilerplate stage removed, with reasons.
    pub removals: Vec<Removal>,
}

impl Article {
    /// The body as one string, paragraphs separated by `\n`.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n")
    }
}

/// An article URL found in a feed or sitemap, not fetched yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The outlet whose feed listed it.
    pub outlet: String,
    /// The URL as the feed gives it.
    pub url: String,
    /// The entry's title, if the feed has one.
    pub title: Option<String>,
    /// The entry's publication date, if the feed has one.
    pub published: Option<DateTime<Utc>>,
}
