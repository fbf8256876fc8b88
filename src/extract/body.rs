//! Main-content detection: which elements of the page hold the article.
//!
//! In: the [`Dom`] with its text statistics. Out: the indices of the elements whose text is
//! the article, in page order. Each element that holds paragraph text gives points to its
//! ancestors (more for long text with commas, as readability does); an ancestor's total is
//! scaled down by its link density and moved by its class/id [`Hint`](super::classes::Hint).
//! The best ancestor wins, climbs when its parent gathers the rest of the text, and takes
//! along siblings that look like more of the same article (a body split by an ad slot).

use super::dom::{Dom, Tag};

/// Own text shorter than this does not count as a paragraph.
const MIN_PARAGRAPH_CHARS: u32 = 20;

/// Content scores of candidate containers, indexed like the DOM nodes.
struct Scores {
    score: Vec<f32>,
    scored: Vec<bool>,
    /// Inside page furniture (by tag or by name).
    furniture: Vec<bool>,
}

/// The base score of a container by its tag (divs are likelier containers than lists).
fn tag_base(tag: Tag) -> f32 {
    match tag {
        Tag::Div => 5.0,
        Tag::Pre | Tag::Cell | Tag::Quote => 3.0,
        Tag::List | Tag::Item | Tag::Table => -3.0,
        Tag::Heading(_) | Tag::Furniture => -5.0,
        _ => 0.0,
    }
}

/// The points one paragraph gives to its containers.
fn paragraph_points(dom: &Dom<'_>, i: usize) -> Option<f32> {
    let node = &dom.nodes[i];
    if !node.tag.is_block() || node.inline_chars < MIN_PARAGRAPH_CHARS {
        return None;
    }
    if matches!(node.tag, Tag::Heading(_) | Tag::Furniture) {
        return None;
    }
    // Text split by <br>s counts as several paragraphs (at most one per 80 characters).
    let runs = (node.inline_breaks / 2 + 1).min(node.inline_chars / 80 + 1) as f32;
    let length_points = (node.inline_chars as f32 / 90.0).min(3.0 * runs);
    Some(runs + node.inline_commas as f32 + length_points)
}

fn score_candidates(dom: &Dom<'_>) -> Scores {
    let n = dom.nodes.len();
    let mut scores = Scores {
        score: vec![0.0; n],
        scored: vec![false; n],
        furniture: Vec::new(),
    };
    for i in 0..n {
        let Some(points) = paragraph_points(dom, i) else {
            continue;
        };
        // A block holding its own text (a div of text and <br>s) is a container too.
        let own = !matches!(dom.nodes[i].tag, Tag::P | Tag::Item);
        let mut level = if own { 0 } else { 1 };
        let mut at = if own { i } else { dom.nodes[i].parent };
        while at != usize::MAX && level <= 3 {
            let divider = match level {
                0 | 1 => 1.0,
                2 => 2.0,
                l => l as f32 * 3.0,
            };
            if !scores.scored[at] {
                scores.scored[at] = true;
                let node = &dom.nodes[at];
                scores.score[at] = tag_base(node.tag) + node.hint.weight as f32;
            }
            scores.score[at] += points / divider;
            at = dom.nodes[at].parent;
            level += 1;
        }
    }
    scores.furniture = furniture_flags(dom);
    let candidates = scores.score.iter_mut().zip(&scores.scored);
    for ((score, &scored), (node, &furniture)) in
        candidates.zip(dom.nodes.iter().zip(&scores.furniture))
    {
        if scored {
            *score *= 1.0 - node.link_density();
            if furniture {
                // Inside comments, sidebars, footers: text there is rarely the article.
                *score *= 0.5;
            }
        }
    }
    scores
}

/// For each node, whether an ancestor is page furniture (by tag or by name) with no
/// article-body name in between.
fn furniture_flags(dom: &Dom<'_>) -> Vec<bool> {
    let mut flags = vec![false; dom.nodes.len()];
    for i in 0..dom.nodes.len() {
        let parent = dom.nodes[i].parent;
        if parent == usize::MAX || dom.nodes[i].hint.body {
            continue;
        }
        let p = &dom.nodes[parent];
        flags[i] = flags[parent] || p.tag == Tag::Furniture || p.hint.junk && !p.hint.body;
    }
    flags
}

/// The best-scoring container, if any element holds paragraph text.
///
/// A container inside a consent manager's box never wins while anything outside one holds
/// text: a long cookie banner must not outscore a short story.
fn top_candidate(dom: &Dom<'_>, scores: &Scores) -> Option<usize> {
    let in_consent = consent_flags(dom);
    let pick = |allow_consent: bool| {
        let mut best: Option<usize> = None;
        for (i, (node, &consent)) in dom.nodes.iter().zip(&in_consent).enumerate() {
            if !scores.scored[i] || node.hint.junk && !node.hint.body || consent && !allow_consent {
                continue;
            }
            if best.is_none_or(|b| scores.score[i] > scores.score[b]) {
                best = Some(i);
            }
        }
        best
    };
    pick(false).or_else(|| pick(true))
}

/// `flags[i]`: node `i` is, or sits inside, an element named like a consent box.
fn consent_flags(dom: &Dom<'_>) -> Vec<bool> {
    let mut flags = vec![false; dom.nodes.len()];
    for i in 0..dom.nodes.len() {
        let parent = dom.nodes[i].parent;
        let inherited = parent != usize::MAX && flags[parent];
        flags[i] = inherited || dom.nodes[i].hint.consent;
    }
    flags
}

/// Moves up from `top` while an ancestor holds the article's text better.
fn climb(dom: &Dom<'_>, scores: &Scores, mut top: usize) -> usize {
    // Several close runners-up under one ancestor: the article is that ancestor.
    let top_score = scores.score[top];
    let mut rivals: Vec<usize> = (0..dom.nodes.len())
        .filter(|&i| scores.scored[i] && i != top && scores.score[i] >= 0.75 * top_score)
        // Teasers in a related-posts box are not rival parts of the article.
        .filter(|&i| !scores.furniture[i] && !dom.nodes[i].hint.junk)
        .filter(|&i| !dom.contains(i, top) && !dom.contains(top, i))
        .collect();
    rivals.sort_by(|a, b| scores.score[*b].total_cmp(&scores.score[*a]));
    rivals.truncate(5);
    if rivals.len() >= 3 {
        let mut ancestor = dom.nodes[top].parent;
        while ancestor != usize::MAX {
            let holds = rivals
                .iter()
                .filter(|&&r| dom.contains(ancestor, r))
                .count();
            if holds >= 3 {
                top = ancestor;
                break;
            }
            ancestor = dom.nodes[ancestor].parent;
        }
    }
    // A parent that only wraps the candidate, or that holds much more paragraph text.
    loop {
        let parent = dom.nodes[top].parent;
        if parent == usize::MAX {
            return top;
        }
        let (p, t) = (&dom.nodes[parent], &dom.nodes[top]);
        let only_child = dom
            .children(parent)
            .filter(|&c| dom.nodes[c].chars > 0)
            .count()
            == 1;
        let more_text = p.chars as f32 > t.chars as f32 * 1.25 && p.link_density() < 0.3;
        let better = scores.scored[parent] && scores.score[parent] > scores.score[top];
        if (only_child || better && !more_text) && p.tag != Tag::Furniture {
            top = parent;
        } else {
            return top;
        }
    }
}

/// Siblings of `top` that continue the article, with `top`, in page order.
fn with_siblings(dom: &Dom<'_>, scores: &Scores, top: usize) -> Vec<usize> {
    let parent = dom.nodes[top].parent;
    if parent == usize::MAX {
        return vec![top];
    }
    let threshold = (scores.score[top] * 0.2).max(10.0);
    let top_class = dom.nodes[top].attr("class").filter(|c| !c.is_empty());
    dom.children(parent)
        .filter(|&s| {
            if s == top {
                return true;
            }
            let node = &dom.nodes[s];
            if node.chars == 0 || node.hint.junk || node.tag == Tag::Furniture {
                return false;
            }
            let bonus = match (top_class, node.attr("class")) {
                (Some(a), Some(b)) if a == b => scores.score[top] * 0.2,
                _ => 0.0,
            };
            if scores.scored[s] && scores.score[s] + bonus >= threshold {
                return true;
            }
            node.tag == Tag::P && paragraph_like(dom, s)
        })
        .collect()
}

/// A sibling paragraph long enough and free enough of links to be article text.
fn paragraph_like(dom: &Dom<'_>, i: usize) -> bool {
    let node = &dom.nodes[i];
    let density = node.link_density();
    node.chars > 80 && density < 0.25 || node.chars > 0 && density == 0.0 && node.chars > 40
}

/// The containers whose text is the article, in page order.
pub(crate) fn main_content(dom: &Dom<'_>) -> Vec<usize> {
    if dom.nodes.is_empty() {
        return Vec::new();
    }
    let scores = score_candidates(dom);
    let Some(top) = top_candidate(dom, &scores) else {
        return Vec::new();
    };
    if tracing::enabled!(tracing::Level::TRACE) {
        // The leading candidates, for `NEWSFOLD_LOG=newsfold::extract=trace`.
        let mut ranked: Vec<usize> = (0..dom.nodes.len()).filter(|&i| scores.scored[i]).collect();
        ranked.sort_by(|a, b| scores.score[*b].total_cmp(&scores.score[*a]));
        for &i in ranked.iter().take(8) {
            let n = &dom.nodes[i];
            tracing::trace!(
                node = i,
                tag = ?n.tag,
                class = ?n.attr("class"),
                id = ?n.attr("id"),
                score = scores.score[i],
                chars = n.chars,
                link_density = n.link_density(),
                "body candidate"
            );
        }
    }
    let top = climb(dom, &scores, top);
    tracing::trace!(node = top, class = ?dom.nodes[top].attr("class"), "body container");
    with_siblings(dom, &scores, top)
}
