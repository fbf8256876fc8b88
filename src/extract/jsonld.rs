//! JSON-LD (`<script type="application/ld+json">`) → the article facts it states.
//!
//! In: the scripts' texts. Out: a [`LdArticle`] with the headline, authors, dates, body,
//! publisher and access flag of the first article-like object (`NewsArticle`, `BlogPosting`,
//! `ReportageNews`, …, also inside `@graph` and arrays); dates and access are also taken from
//! a `WebPage` when no article states them. Broken JSON (raw newlines in strings, HTML
//! comments around it) is repaired once; what still does not parse is ignored.

use serde_json::Value;

/// What the page's JSON-LD says about the article.
#[derive(Debug, Default, Clone)]
pub(crate) struct LdArticle {
    /// `headline` (or `name`).
    pub headline: Option<String>,
    /// `author` names.
    pub authors: Vec<String>,
    /// `datePublished`.
    pub published: Option<String>,
    /// `dateModified`.
    pub modified: Option<String>,
    /// `articleBody`.
    pub body: Option<String>,
    /// `isAccessibleForFree`.
    pub free: Option<bool>,
    /// `publisher.name`.
    pub publisher: Option<String>,
    /// `url` / `mainEntityOfPage`.
    pub url: Option<String>,
    /// `inLanguage`.
    pub language: Option<String>,
}

/// Reads every script and merges what article-like objects say.
pub(crate) fn read(scripts: &[String]) -> LdArticle {
    let mut objects = Vec::new();
    for script in scripts {
        if let Some(value) = parse_lenient(script) {
            flatten(value, &mut objects, 0);
        }
    }
    let mut ld = LdArticle::default();
    for obj in objects.iter().filter(|o| is_article(o)) {
        fill_from(&mut ld, obj, true);
    }
    for obj in objects.iter().filter(|o| is_page(o)) {
        fill_from(&mut ld, obj, false);
    }
    ld
}

/// Parses JSON, repairing raw control characters and comment wrappers once.
fn parse_lenient(script: &str) -> Option<Value> {
    let trimmed = script.trim();
    if let Ok(v) = serde_json::from_str(trimmed) {
        return Some(v);
    }
    let unwrapped = trimmed
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim_start_matches("//<![CDATA[")
        .trim_end_matches("//]]>")
        .trim()
        .trim_end_matches(';');
    let repaired: String = unwrapped
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    serde_json::from_str(&repaired).ok()
}

/// Collects the objects of a value: itself, array members, `@graph` members.
fn flatten(value: Value, out: &mut Vec<serde_json::Map<String, Value>>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                flatten(item, out, depth + 1);
            }
        }
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten(graph, out, depth + 1);
            }
            out.push(map);
        }
        _ => {}
    }
}

fn types(obj: &serde_json::Map<String, Value>) -> Vec<&str> {
    match obj.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_article(obj: &serde_json::Map<String, Value>) -> bool {
    types(obj).iter().any(|t| {
        t.ends_with("Article")
            || t.ends_with("Posting")
            || t.contains("News")
            || *t == "Report"
            || *t == "Review"
    })
}

fn is_page(obj: &serde_json::Map<String, Value>) -> bool {
    types(obj).iter().any(|t| t.ends_with("WebPage"))
}

fn string_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(a) => a.iter().find_map(|x| string_of(Some(x))),
        Value::Object(o) => string_of(o.get("@value").or_else(|| o.get("name"))),
        _ => None,
    }
}

fn names_of(v: Option<&Value>, out: &mut Vec<String>) {
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            if !s.is_empty() && !s.starts_with("http") && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
        Some(Value::Array(a)) => a.iter().for_each(|x| names_of(Some(x), out)),
        Some(Value::Object(o)) => names_of(o.get("name"), out),
        _ => {}
    }
}

fn bool_of(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        _ => None,
    }
}

/// Fills what `ld` still lacks from `obj` (articles give everything, pages only dates/access).
fn fill_from(ld: &mut LdArticle, obj: &serde_json::Map<String, Value>, article: bool) {
    fn keep(slot: &mut Option<String>, value: Option<String>) {
        if slot.is_none() {
            *slot = value;
        }
    }
    keep(&mut ld.published, string_of(obj.get("datePublished")));
    keep(&mut ld.modified, string_of(obj.get("dateModified")));
    if ld.free.is_none() {
        ld.free = bool_of(obj.get("isAccessibleForFree"));
    }
    if !article {
        return;
    }
    keep(
        &mut ld.headline,
        string_of(obj.get("headline").or_else(|| obj.get("name"))),
    );
    if ld.authors.is_empty() {
        names_of(
            obj.get("author").or_else(|| obj.get("creator")),
            &mut ld.authors,
        );
    }
    keep(&mut ld.body, string_of(obj.get("articleBody")));
    keep(&mut ld.publisher, string_of(obj.get("publisher")));
    keep(
        &mut ld.url,
        string_of(obj.get("url").or_else(|| obj.get("mainEntityOfPage"))),
    );
    keep(&mut ld.language, string_of(obj.get("inLanguage")));
    if ld.free.is_none() {
        if let Some(Value::Object(part)) = obj.get("hasPart") {
            ld.free = bool_of(part.get("isAccessibleForFree"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_article_inside_graph_with_raw_newline() {
        let script = "{\"@context\":\"https://schema.org\",\"@graph\":[{\"@type\":\"WebPage\"},\
            {\"@type\":\"NewsArticle\",\"headline\":\"Un titre\",\"articleBody\":\"Ligne\nsuivante\",\
            \"author\":[{\"@type\":\"Person\",\"name\":\"Jeanne Martin\"},\"Paul Durand\"],\
            \"datePublished\":\"2024-07-16T10:00:00+02:00\",\"isAccessibleForFree\":\"False\",\
            \"publisher\":{\"@type\":\"Organization\",\"name\":\"Le Quotidien\"}}]}";
        let ld = read(&[script.to_string()]);
        assert_eq!(ld.headline.as_deref(), Some("Un titre"));
        assert_eq!(ld.authors, vec!["Jeanne Martin", "Paul Durand"]);
        assert_eq!(ld.body.as_deref(), Some("Ligne suivante"));
        assert_eq!(ld.free, Some(false));
        assert_eq!(ld.publisher.as_deref(), Some("Le Quotidien"));
    }

    #[test]
    fn ignores_garbage() {
        let ld = read(&["{not json".to_string(), "[]".to_string()]);
        assert!(ld.headline.is_none() && ld.authors.is_empty());
    }
}
