//! The article's containers → clean paragraphs.
//!
//! In: the [`Dom`] and the containers `body` chose. Out: paragraph strings in reading order.
//! Walks each container once, dropping what sits inside an article without being part of
//! it: page furniture tags (`<nav>`, `<aside>`, `<figure>` and its caption, `<footer>`), elements
//! whose class/id names furniture (share bars, "Lire aussi", newsletter boxes), link lists,
//! and the repeated headline. Headings, list items, quotes and table rows each become a
//! paragraph; the cells of a row are joined on one line.

use super::dom::{Dom, Tag};

/// Whether element `i` (inside an article of `total` characters) is furniture to drop.
fn is_dropped(dom: &Dom<'_>, i: usize, total: u32) -> bool {
    let node = &dom.nodes[i];
    if node.tag == Tag::Text {
        return false;
    }
    let density = node.link_density();
    if node.tag_chars * 2 > node.chars && node.chars * 2 < total {
        return true; // A "Tags: a, b, c" line: mostly `rel=tag` links.
    }
    if node.hint.junk && !node.hint.body {
        // A furniture name on a wrapper of most of the article is a misleading name.
        if node.chars * 2 < total || density > 0.5 {
            return true;
        }
    }
    match node.tag {
        Tag::Furniture | Tag::Figure | Tag::Heading(1) => true,
        Tag::Div | Tag::List | Tag::Table | Tag::Heading(_) => node.chars > 0 && density > 0.5,
        Tag::P | Tag::Item | Tag::Quote => node.chars > 0 && density > 0.8,
        _ => false,
    }
}

/// Whether element `i` is, or sits inside, an element named like a consent box.
fn in_consent_box(dom: &Dom<'_>, mut i: usize) -> bool {
    while i != usize::MAX {
        if dom.nodes[i].hint.consent {
            return true;
        }
        i = dom.nodes[i].parent;
    }
    false
}

/// Builds paragraphs, collapsing whitespace.
#[derive(Default)]
struct Writer {
    paragraphs: Vec<String>,
    current: String,
    pending_space: bool,
}

impl Writer {
    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.current.is_empty() {
                    self.current.push(' ');
                }
                self.pending_space = false;
                self.current.push(c);
            }
        }
    }

    fn separator(&mut self, sep: &str) {
        if !self.current.is_empty() {
            self.current.push_str(sep);
            self.pending_space = false;
        }
    }

    fn flush(&mut self) {
        self.pending_space = false;
        if !self.current.is_empty() {
            self.paragraphs.push(std::mem::take(&mut self.current));
        }
    }
}

/// Whether a table cell holds only inline text (then it stays on its row's line).
fn is_inline_cell(dom: &Dom<'_>, i: usize) -> bool {
    let node = &dom.nodes[i];
    node.tag == Tag::Cell && node.inline_chars == node.chars
}

/// The text of `containers` as paragraphs.
pub(crate) fn collect(dom: &Dom<'_>, containers: &[usize]) -> Vec<String> {
    let total: u32 = containers.iter().map(|&c| dom.nodes[c].chars).sum();
    let mut writer = Writer::default();
    for &container in containers {
        let mut open_blocks: Vec<usize> = Vec::new();
        // A consent box inside a story goes whatever its size; when the container is itself
        // in one (a page that is only a consent wall), its text is all there is.
        let story_container = !in_consent_box(dom, container);
        let end = dom.nodes[container].end;
        let mut i = container;
        while i < end {
            while open_blocks.last().is_some_and(|&b| dom.nodes[b].end <= i) {
                open_blocks.pop();
                writer.flush();
            }
            let node = &dom.nodes[i];
            let consent_box = story_container && node.hint.consent && !node.hint.body;
            if i != container && (consent_box || is_dropped(dom, i, total)) {
                i = node.end.max(i + 1);
                continue;
            }
            match node.tag {
                Tag::Text => writer.text(node.text),
                Tag::Br => writer.flush(),
                _ if is_inline_cell(dom, i) => writer.separator(" | "),
                tag if tag.is_block() => {
                    writer.flush();
                    open_blocks.push(i);
                }
                _ => {}
            }
            i += 1;
        }
        writer.flush();
    }
    writer.paragraphs
}
