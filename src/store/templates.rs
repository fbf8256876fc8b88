//! The `templates` tree seen as [`TemplateCounts`]: on how many stored articles of an
//! outlet a paragraph fingerprint appears. The boilerplate stage reads it through the
//! trait; the store grows it in [`super::Store::commit_article`].

use sled::Tree;

use super::commit::{read_counter, template_key};
use crate::boilerplate::TemplateCounts;

/// A read-only view of the outlet template counters.
#[derive(Debug, Clone, Copy)]
pub struct TemplateView<'a> {
    tree: &'a Tree,
}

impl<'a> TemplateView<'a> {
    pub(super) fn new(tree: &'a Tree) -> TemplateView<'a> {
        TemplateView { tree }
    }
}

impl TemplateCounts for TemplateView<'_> {
    fn articles_with(&self, outlet: &str, fingerprint: u64) -> u32 {
        match self.tree.get(template_key(outlet, fingerprint)) {
            Ok(Some(v)) => read_counter(&v)
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                .unwrap_or(0),
            Ok(None) => 0,
            Err(e) => {
                // A read error only weakens template learning for this paragraph.
                tracing::warn!("reading a template counter: {e}");
                0
            }
        }
    }
}
