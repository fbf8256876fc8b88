//! A flat, pre-ordered copy of the parsed page, with text statistics per element.
//!
//! In: the `scraper` document, parsed once by [`super::extract`]. Out: a [`Dom`], the body's
//! elements and text nodes in document order, each knowing its parent and where its subtree
//! ends (so a subtree is an index range), plus counts the content scorer needs (text,
//! link text, commas). Scripts, styles, forms controls and hidden elements are left out
//! while copying, so no later step has to skip them again. On the way it gathers the
//! page facts metadata needs (`<meta>`, `<link>`, `<title>`, JSON-LD, `<time>`), so the
//! document is walked once.

use ego_tree::NodeRef;
use scraper::node::Element;
use scraper::Node as HtmlNode;

use super::classes::{self, Hint};

/// What kind of element a node is, as far as extraction cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// A text node.
    Text,
    /// `<p>`.
    P,
    /// `<div>`, `<section>`, `<article>`, `<main>`, `<body>` and other generic blocks.
    Div,
    /// `<h1>`..`<h6>`, with the level.
    Heading(u8),
    /// `<ul>`, `<ol>`, `<dl>`.
    List,
    /// `<li>`, `<dt>`, `<dd>`.
    Item,
    /// `<blockquote>`.
    Quote,
    /// `<pre>`.
    Pre,
    /// `<table>`, `<thead>`, `<tbody>`, `<tfoot>`.
    Table,
    /// `<tr>`.
    Row,
    /// `<td>`, `<th>`.
    Cell,
    /// `<br>`.
    Br,
    /// `<a>`.
    Link,
    /// `<nav>`, `<aside>`, `<footer>`, `<header>`, `<figcaption>`, `<menu>`: page furniture.
    Furniture,
    /// `<figure>`.
    Figure,
    /// Any other (inline) element.
    Inline,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "p" => Tag::P,
            "div" | "section" | "article" | "main" | "body" | "center" | "form" | "address"
            | "details" | "font" => Tag::Div,
            "h1" => Tag::Heading(1),
            "h2" => Tag::Heading(2),
            "h3" => Tag::Heading(3),
            "h4" => Tag::Heading(4),
            "h5" => Tag::Heading(5),
            "h6" => Tag::Heading(6),
            "ul" | "ol" | "dl" => Tag::List,
            "li" | "dt" | "dd" => Tag::Item,
            "blockquote" => Tag::Quote,
            "pre" => Tag::Pre,
            "table" | "thead" | "tbody" | "tfoot" => Tag::Table,
            "tr" => Tag::Row,
            "td" | "th" => Tag::Cell,
            "br" | "hr" => Tag::Br,
            "a" => Tag::Link,
            "nav" | "aside" | "footer" | "header" | "figcaption" | "menu" | "summary" => {
                Tag::Furniture
            }
            "figure" => Tag::Figure,
            _ => Tag::Inline,
        }
    }

    /// Whether the element starts a new paragraph.
    pub(crate) fn is_block(self) -> bool {
        !matches!(self, Tag::Text | Tag::Link | Tag::Inline)
    }
}

/// One node of the flat copy.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    /// The kind of node.
    pub tag: Tag,
    /// The element, for attributes (`None` for text).
    pub el: Option<&'a Element>,
    /// The text of a text node (empty for elements).
    pub text: &'a str,
    /// Index of the parent (`usize::MAX` for the root).
    pub parent: usize,
    /// One past the last index of this node's subtree.
    pub end: usize,
    /// Non-whitespace characters of text in the subtree.
    pub chars: u32,
    /// Of which inside links.
    pub link_chars: u32,
    /// Characters of text not inside a nested block: this element's own paragraph text.
    pub inline_chars: u32,
    /// Commas in that own text.
    pub inline_commas: u32,
    /// `<br>`s in that own text (a div of text and line breaks holds several paragraphs).
    pub inline_breaks: u32,
    /// Characters inside `rel=tag` links (tag and category lists).
    pub tag_chars: u32,
    /// The class/id hint.
    pub hint: Hint,
}

impl Node<'_> {
    /// Share of the subtree's text that sits inside links.
    pub(crate) fn link_density(&self) -> f32 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f32 / self.chars as f32
        }
    }

    /// An attribute of the element.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.el.and_then(|e| attr(e, name))
    }
}

/// Page facts read while copying, for the metadata stage.
#[derive(Debug, Default)]
pub(crate) struct Facts<'a> {
    /// `<html lang>`.
    pub html_lang: Option<&'a str>,
    /// `<title>` text.
    pub title: String,
    /// Every `<meta>` element, in page order.
    pub metas: Vec<&'a Element>,
    /// Every `<link>` element, in page order.
    pub links: Vec<&'a Element>,
    /// The text of each `application/ld+json` script.
    pub json_ld: Vec<String>,
    /// Every `<time>` element with its text, in page order.
    pub times: Vec<(&'a Element, String)>,
    /// Text of elements marked `itemprop=author`/`rel=author`/`itemprop=datePublished`.
    pub itemprops: Vec<(&'a Element, String)>,
}

/// The flat copy of the page body plus page facts.
#[derive(Debug, Default)]
pub(crate) struct Dom<'a> {
    /// Nodes in document order; index 0 is the root (usually `<body>`).
    pub nodes: Vec<Node<'a>>,
    /// Facts for metadata.
    pub facts: Facts<'a>,
}

/// An attribute of `el`. Scraper's own `Element::attr` interns `name` as an atom on every
/// call (a global table lookup); a plain scan of the few attributes is several times cheaper,
/// and extraction asks about ten questions per element.
pub(crate) fn attr<'e>(el: &'e Element, name: &str) -> Option<&'e str> {
    el.attrs
        .iter()
        .find(|(k, _)| &*k.local == name)
        .map(|(_, v)| &**v)
}

/// Whether a link is a tag or category link (`rel="tag"`, `rel="category tag"`).
fn is_tag_link(el: Option<&Element>) -> bool {
    el.and_then(|el| attr(el, "rel")).is_some_and(|rel| {
        rel.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("tag"))
    })
}

/// Elements whose content is never article text.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "video"
            | "audio"
            | "select"
            | "option"
            | "input"
            | "textarea"
            | "button"
            | "label"
            | "img"
            | "picture"
            | "source"
            | "dialog"
            | "head"
            | "meta"
            | "link"
            | "title"
            | "map"
    )
}

/// Whether the page hides the element (`hidden`, `display:none`, `aria-hidden`).
fn is_hidden(el: &Element) -> bool {
    if attr(el, "hidden").is_some() || attr(el, "aria-hidden") == Some("true") {
        return true;
    }
    match attr(el, "style") {
        Some(style) if has_hiding_word(style) => {
            let compact: String = style
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect();
            compact.contains("display:none") || compact.contains("visibility:hidden")
        }
        _ => false,
    }
}

/// Whether a `style` value mentions `none` or `hidden` (before the costlier exact check).
fn has_hiding_word(style: &str) -> bool {
    let b = style.as_bytes();
    b.windows(4).any(|w| w.eq_ignore_ascii_case(b"none"))
        || b.windows(6).any(|w| w.eq_ignore_ascii_case(b"hidden"))
}

fn non_space_chars(text: &str) -> (u32, u32) {
    let mut chars = 0u32;
    let mut commas = 0u32;
    for c in text.chars() {
        if !c.is_whitespace() {
            chars += 1;
            if matches!(c, ',' | '，' | '、' | '،') {
                commas += 1;
            }
        }
    }
    (chars, commas)
}

impl<'a> Dom<'a> {
    /// Copies the parsed document.
    pub(crate) fn build(doc: &'a scraper::Html) -> Dom<'a> {
        let mut dom = Dom::default();
        let root = doc.tree.root();
        dom.gather_facts_and_copy(root);
        dom.count();
        dom.judge_names();
        dom.mark_related_sections();
        dom
    }

    /// Walks the whole tree once: collects facts from every element and copies the
    /// elements that can hold article text.
    fn gather_facts_and_copy(&mut self, root: NodeRef<'a, HtmlNode>) {
        // The stack holds (node, parent index in `nodes`, inside a skipped subtree).
        let mut stack: Vec<(NodeRef<'a, HtmlNode>, usize, bool)> = vec![(root, usize::MAX, true)];
        let mut open: Vec<usize> = Vec::new();
        while let Some((node, parent, skipped)) = stack.pop() {
            // Close copied nodes whose subtree ended before this one.
            while let Some(&top) = open.last() {
                if top == parent {
                    break;
                }
                let end = self.nodes.len();
                self.nodes[top].end = end;
                open.pop();
            }
            let mut child_parent = parent;
            let mut child_skipped = skipped;
            match node.value() {
                HtmlNode::Element(el) => {
                    self.note_fact(node, el);
                    let name = el.name();
                    if name == "body" && self.nodes.is_empty() {
                        child_skipped = false;
                        child_parent = self.push(Tag::Div, Some(el), "", usize::MAX);
                        open.push(child_parent);
                    } else if !skipped {
                        if is_skipped(name) || is_hidden(el) {
                            child_skipped = true;
                        } else {
                            child_parent = self.push(Tag::of(name), Some(el), "", parent);
                            open.push(child_parent);
                        }
                    }
                }
                HtmlNode::Text(text) if !skipped => {
                    let i = self.push(Tag::Text, None, text, parent);
                    self.nodes[i].end = i + 1;
                }
                _ => {}
            }
            let mut child = node.last_child();
            while let Some(c) = child {
                stack.push((c, child_parent, child_skipped));
                child = c.prev_sibling();
            }
        }
        let end = self.nodes.len();
        for i in open {
            self.nodes[i].end = end;
        }
    }

    fn push(&mut self, tag: Tag, el: Option<&'a Element>, text: &'a str, parent: usize) -> usize {
        self.nodes.push(Node {
            tag,
            el,
            text,
            parent,
            end: 0,
            chars: 0,
            link_chars: 0,
            inline_chars: 0,
            inline_commas: 0,
            inline_breaks: 0,
            tag_chars: u32::from(tag == Tag::Link && is_tag_link(el)),
            hint: Hint::default(),
        });
        self.nodes.len() - 1
    }

    /// Records what metadata needs from `el`.
    fn note_fact(&mut self, node: NodeRef<'a, HtmlNode>, el: &'a Element) {
        match el.name() {
            "html" => self.facts.html_lang = attr(el, "lang").or_else(|| attr(el, "xml:lang")),
            "meta" => self.facts.metas.push(el),
            "link" => self.facts.links.push(el),
            "title" if self.facts.title.is_empty() => self.facts.title = text_of(node),
            "script" => {
                let is_json_ld = attr(el, "type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
                if is_json_ld {
                    self.facts.json_ld.push(text_of(node));
                }
            }
            "time" => self.facts.times.push((el, text_of(node))),
            _ => {}
        }
        let marked = matches!(
            attr(el, "itemprop"),
            Some("author" | "datePublished" | "dateModified" | "name")
        ) || attr(el, "rel") == Some("author");
        if marked && self.facts.itemprops.len() < 64 {
            self.facts.itemprops.push((el, text_of(node)));
        }
    }

    /// Fills the text statistics, children before parents.
    fn count(&mut self) {
        for i in (0..self.nodes.len()).rev() {
            let node = &mut self.nodes[i];
            if node.tag == Tag::Text {
                let (chars, commas) = non_space_chars(node.text);
                node.chars = chars;
                node.inline_chars = chars;
                node.inline_commas = commas;
            }
            if node.tag == Tag::Link {
                node.link_chars = node.chars;
                // `push` left 1 on tag links: all their text is tag text.
                node.tag_chars = if node.tag_chars > 0 { node.chars } else { 0 };
            }
            if node.tag == Tag::Br {
                node.inline_breaks = 1;
            }
            let (parent, chars, links, tags, inline, commas, breaks, block) = (
                node.parent,
                node.chars,
                node.link_chars,
                node.tag_chars,
                node.inline_chars,
                node.inline_commas,
                node.inline_breaks,
                node.tag.is_block() && node.tag != Tag::Br,
            );
            if parent == usize::MAX {
                continue;
            }
            let p = &mut self.nodes[parent];
            p.chars += chars;
            p.link_chars += links;
            p.tag_chars += tags;
            if !block {
                p.inline_chars += inline;
                p.inline_commas += commas;
                p.inline_breaks += breaks;
            }
        }
    }

    /// Sets the class/id hints of the elements that hold text (the others never matter).
    fn judge_names(&mut self) {
        for node in &mut self.nodes {
            let Some(el) = node.el else { continue };
            // A table row's names describe its data ("player-580", "oddrow"), not furniture.
            let judged =
                node.tag != Tag::Row && (node.tag != Tag::Inline || attr(el, "itemprop").is_some());
            if node.chars > 0 && judged {
                node.hint = classes::hint(el);
            }
        }
    }

    /// Marks as furniture each block whose first text is a heading announcing other articles
    /// ("À lire aussi", "Related stories"): teaser lists that can outweigh a short article.
    fn mark_related_sections(&mut self) {
        for i in 0..self.nodes.len() {
            let node = &self.nodes[i];
            let parent = node.parent;
            if !matches!(node.tag, Tag::Heading(_)) || node.chars > 60 || parent == usize::MAX {
                continue;
            }
            let p = &self.nodes[parent];
            if p.parent == usize::MAX || p.hint.body || p.chars <= node.chars {
                continue;
            }
            let first_text = self.children(parent).find(|&c| self.nodes[c].chars > 0);
            if first_text != Some(i) {
                continue;
            }
            let text: String = self.nodes[i..node.end]
                .iter()
                .filter(|n| n.tag == Tag::Text)
                .map(|n| n.text)
                .collect();
            if classes::is_related_label(&text) {
                let p = &mut self.nodes[parent];
                p.hint.junk = true;
                p.hint.weight -= 25;
            }
        }
    }

    /// Indices of the direct children of `i`.
    pub(crate) fn children(&self, i: usize) -> Children<'_, 'a> {
        Children {
            dom: self,
            next: i + 1,
            end: self.nodes[i].end,
        }
    }

    /// Whether `a` is `b` or one of its ancestors.
    pub(crate) fn contains(&self, a: usize, b: usize) -> bool {
        a <= b && b < self.nodes[a].end
    }
}

/// Iterator over the direct children of a node.
pub(crate) struct Children<'d, 'a> {
    dom: &'d Dom<'a>,
    next: usize,
    end: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        self.next = self.dom.nodes[i].end.max(i + 1);
        Some(i)
    }
}

/// All text below `node`, as the page has it.
fn text_of(node: NodeRef<'_, HtmlNode>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let HtmlNode::Text(t) = d.value() {
            out.push_str(t);
        }
    }
    out
}
