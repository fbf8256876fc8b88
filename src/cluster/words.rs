//! Words of a text: tokens, folded spellings, term ids, stop words.
//!
//! In: a line of text. Out: its words ([`Tokens`]: runs of letters and digits, each with
//! whether it is capitalised, starts a sentence, or is a number), each folded
//! ([`fold_word`]: case, accents, doubled letters, a plural `s`, so that Al-Asad, Aïn
//! al-Assad and AL-ASSAD meet) and hashed to a 64-bit id ([`term_id`]); and whether a
//! folded word is a French or English stop word ([`is_stop`]).
//!
//! Why apart: the features, the date scanner and the representative title read words the
//! same way, and this is the hot path of feature extraction: an ASCII line is read in one
//! pass over its bytes ([`AsciiWords`]), which property tests hold to the char-by-char
//! definition ([`Tokens`], [`fold_word`]).

use unicode_normalization::char::decompose_canonical;
use unicode_normalization::char::is_combining_mark;

use super::features::ANCHOR_BIT;

/// Hashes folded text (FNV-1a, stable across runs and machines). The near-copy sketch
/// is built on these full hashes.
pub fn word_hash(folded: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for b in folded.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// A word's term id: its [`word_hash`] with the top bit cleared, since it marks anchors.
pub fn term_id(folded: &str) -> u64 {
    word_hash(folded) & !ANCHOR_BIT
}

/// Folds a word for matching: lowercase, no accents, doubled letters collapsed, a final
/// plural `s` dropped on longer words. Writes into `out` (cleared first).
pub fn fold_word(word: &str, out: &mut String) {
    if word.is_ascii() {
        fold_ascii(word, out);
        return;
    }
    out.clear();
    let mut last = '\0';
    for c in word.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                let l = c.to_ascii_lowercase();
                if l != last || l.is_ascii_digit() {
                    out.push(l);
                }
                last = l;
            }
            continue;
        }
        if !c.is_alphanumeric() {
            continue;
        }
        let mut push = |c: char| {
            for l in c.to_lowercase() {
                if l != last || l.is_ascii_digit() {
                    out.push(l);
                }
                last = l;
            }
        };
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                push(d);
            }
        });
    }
    drop_plural(out);
}

/// [`fold_word`] and the [`word_hash`] of its result, in one pass over an ASCII word
/// (the hot path: every token is folded, then hashed).
pub fn fold_and_hash(word: &str, out: &mut String) -> u64 {
    if word.is_ascii() {
        fold_ascii(word, out)
    } else {
        fold_word(word, out);
        word_hash(out)
    }
}

/// [`fold_word`] of an ASCII word, byte by byte without the Unicode tables, returning the
/// [`word_hash`] of the result, computed as the bytes are written.
fn fold_ascii(word: &str, out: &mut String) -> u64 {
    out.clear();
    out.reserve(word.len());
    let mut fold = AsciiFold::default();
    for &b in word.as_bytes() {
        fold.push(ASCII_FOLD[usize::from(b)], out);
    }
    fold.finish(out)
}

/// [`fold_word`] and [`word_hash`] of an ASCII word, fed one folded byte at a time.
struct AsciiFold {
    hash: u64,
    /// The hash before the last byte written (a dropped plural `s` restores it).
    before_last: u64,
    /// The last letter or digit read.
    last: u8,
}

impl Default for AsciiFold {
    fn default() -> Self {
        AsciiFold {
            hash: FNV_OFFSET,
            before_last: FNV_OFFSET,
            last: 0,
        }
    }
}

impl AsciiFold {
    /// Adds a byte folded by [`ASCII_FOLD`] (0: dropped) to `out`.
    fn push(&mut self, l: u8, out: &mut String) {
        // Digits sort below letters: they are never collapsed.
        if l != 0 && (l != self.last || l <= b'9') {
            out.push(char::from(l));
            self.before_last = self.hash;
            self.hash = (self.hash ^ u64::from(l)).wrapping_mul(FNV_PRIME);
        }
        if l != 0 {
            self.last = l;
        }
    }

    /// Drops a plural `s` from `out`; the hash of what is left.
    fn finish(self, out: &mut String) -> u64 {
        if drop_plural(out) {
            self.before_last
        } else {
            self.hash
        }
    }
}

/// A byte folded: ASCII letters lowercased, digits kept, anything else 0 (dropped). 256
/// entries, so that indexing by any byte needs no bounds check.
static ASCII_FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// Drops the final plural `s` of a folded word longer than four bytes; says whether it did.
fn drop_plural(out: &mut String) -> bool {
    let plural = out.len() > 4 && out.ends_with('s') && !out.ends_with("ss");
    if plural {
        out.pop();
    }
    plural
}

/// Is this folded word a French or English stop word (or a too-short token)?
pub fn is_stop(folded: &str) -> bool {
    is_stop_term(folded, term_id(folded))
}

/// [`is_stop`] for a word whose term id is known (the hot path: one table probe).
pub(super) fn is_stop_term(folded: &str, term: u64) -> bool {
    static IDS: std::sync::OnceLock<TermTable<()>> = std::sync::OnceLock::new();
    let ids = IDS.get_or_init(|| TermTable::new(STOP_WORDS.iter().map(|w| (term_id(w), ()))));
    let one_char = folded.len() <= 1 || (folded.len() <= 4 && folded.chars().nth(1).is_none());
    one_char || ids.get(term).is_some()
}

/// A fixed set of word term ids, each with a value: open addressing in a table four
/// times the size of the set, so a lookup is one or two probes (the hot path asks it
/// about every token; a binary search took a dozen unpredictable branches).
pub(super) struct TermTable<V> {
    /// `(term, value)`; an empty slot holds `u64::MAX`, never a word's id (top bit clear).
    slots: Vec<(u64, V)>,
    mask: usize,
}

impl<V: Copy + Default> TermTable<V> {
    /// The table of `entries` (a term given twice keeps its first value).
    pub(super) fn new(entries: impl IntoIterator<Item = (u64, V)>) -> Self {
        let entries: Vec<(u64, V)> = entries.into_iter().collect();
        let size = (entries.len() * 4).next_power_of_two().max(16);
        let mut table = TermTable {
            slots: vec![(u64::MAX, V::default()); size],
            mask: size - 1,
        };
        for (term, value) in entries {
            let mut i = table.home(term);
            while table.slots[i].0 != u64::MAX && table.slots[i].0 != term {
                i = (i + 1) & table.mask;
            }
            if table.slots[i].0 == u64::MAX {
                table.slots[i] = (term, value);
            }
        }
        table
    }

    /// The value of `term`, if it is in the set.
    pub(super) fn get(&self, term: u64) -> Option<V> {
        if term == u64::MAX {
            return None;
        }
        let mut i = self.home(term);
        loop {
            let (t, v) = self.slots[i];
            if t == term {
                return Some(v);
            }
            if t == u64::MAX {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    fn home(&self, term: u64) -> usize {
        (term.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & self.mask
    }
}

/// One word of a line, with what its spelling says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The word as written (a number keeps its digit-group separators).
    pub text: &'a str,
    /// Starts with a capital letter.
    pub capital: bool,
    /// Starts a sentence (line start or after `.`, `!`, `?`, `:`, a quote).
    pub sentence_start: bool,
    /// Made of digits.
    pub numeric: bool,
}

/// Splits a line into words: runs of letters and digits. Apostrophes and hyphens split
/// (l'attaque, al-Asad); digit groups written `2.500`, `2,500` or `2 500` stay one number.
pub struct Tokens<'a> {
    line: &'a str,
    pos: usize,
    sentence_start: bool,
}

impl<'a> Tokens<'a> {
    /// Tokens of one line.
    pub fn new(line: &'a str) -> Self {
        Tokens {
            line,
            pos: 0,
            sentence_start: true,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.line.as_bytes();
        // Skip to the next letter or digit, noting sentence ends on the way. ASCII is
        // read byte by byte; other characters are decoded where they start.
        let mut start = self.pos;
        let first = loop {
            let b = *bytes.get(start)?;
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() {
                    break char::from(b);
                }
                if matches!(b, b'.' | b'!' | b'?' | b':' | b'"' | b'(') {
                    self.sentence_start = true;
                }
                start += 1;
                continue;
            }
            let c = self.line[start..].chars().next()?;
            if c.is_alphanumeric() {
                break c;
            }
            if matches!(c, '«' | '“' | '»' | '”') {
                self.sentence_start = true;
            }
            start += c.len_utf8();
        };
        let numeric = first.is_ascii_digit();
        let mut end = start + first.len_utf8();
        while let Some(&b) = bytes.get(end) {
            if b.is_ascii() {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                end += 1;
            } else {
                match self.line[end..].chars().next() {
                    Some(c) if c.is_alphanumeric() => end += c.len_utf8(),
                    _ => break,
                }
            }
        }
        if numeric && end - start <= 3 && self.line[start..end].bytes().all(|b| b.is_ascii_digit())
        {
            // Digit groups: "2.500", "2,500", "2 500" (also a no-break space).
            loop {
                let sep_len = group_separator(&self.line[end..]);
                let group = end + sep_len;
                let is_group = sep_len > 0
                    && bytes.len() >= group + 3
                    && bytes[group..group + 3].iter().all(u8::is_ascii_digit)
                    && bytes
                        .get(group + 3)
                        .is_none_or(|b| !b.is_ascii_alphanumeric());
                if !is_group {
                    break;
                }
                end = group + 3;
            }
        }
        let token = Token {
            text: &self.line[start..end],
            capital: first.is_uppercase(),
            sentence_start: self.sentence_start,
            numeric,
        };
        self.sentence_start = false;
        self.pos = end;
        Some(token)
    }
}

/// The words of an ASCII line as [`Tokens`] splits them, each folded into a buffer and
/// hashed ([`fold_and_hash`]) while its bytes are read: the hot path reads a byte once,
/// not once to split and once to fold (most lines are ASCII).
pub(super) struct AsciiWords<'a> {
    line: &'a str,
    pos: usize,
    sentence_start: bool,
}

impl<'a> AsciiWords<'a> {
    /// The words of `line`, which must be ASCII (other lines go through [`Tokens`]).
    pub(super) fn new(line: &'a str) -> Self {
        debug_assert!(line.is_ascii());
        AsciiWords {
            line,
            pos: 0,
            sentence_start: true,
        }
    }

    /// The next word and its hash; its folded text is left in `folded`.
    pub(super) fn next(&mut self, folded: &mut String) -> Option<(Token<'a>, u64)> {
        let bytes = self.line.as_bytes();
        let mut start = self.pos;
        while ASCII_FOLD[usize::from(*bytes.get(start)?)] == 0 {
            if matches!(bytes[start], b'.' | b'!' | b'?' | b':' | b'"' | b'(') {
                self.sentence_start = true;
            }
            start += 1;
        }
        folded.clear();
        let mut fold = AsciiFold::default();
        let mut end = start;
        while let Some(l) = bytes.get(end).map(|b| ASCII_FOLD[usize::from(*b)]) {
            if l == 0 {
                break;
            }
            fold.push(l, folded);
            end += 1;
        }
        let first = bytes[start];
        let numeric = first.is_ascii_digit();
        if numeric && end - start <= 3 && bytes[start..end].iter().all(u8::is_ascii_digit) {
            // Digit groups, as in `Tokens` (a no-break space is not ASCII).
            while matches!(bytes.get(end), Some(b'.' | b',' | b' ')) {
                let group = end + 1;
                let digits = match bytes.get(group..group + 3) {
                    Some(d) if d.iter().all(u8::is_ascii_digit) => d,
                    _ => break,
                };
                if bytes.get(group + 3).is_some_and(u8::is_ascii_alphanumeric) {
                    break;
                }
                for d in digits {
                    fold.push(*d, folded);
                }
                end = group + 3;
            }
        }
        let token = Token {
            text: &self.line[start..end],
            capital: first.is_ascii_uppercase(),
            sentence_start: self.sentence_start,
            numeric,
        };
        self.sentence_start = false;
        self.pos = end;
        Some((token, fold.finish(folded)))
    }
}

/// Length of a digit-group separator at the start of `s`, or 0.
fn group_separator(s: &str) -> usize {
    match s.chars().next() {
        Some(c @ ('.' | ',' | ' ' | '\u{a0}' | '\u{202f}')) => c.len_utf8(),
        _ => 0,
    }
}

/// Folded French and English stop words, sorted (binary search).
static STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "ai",
    "aient",
    "ainsi",
    "al",
    "alor",
    "also",
    "am",
    "an",
    "and",
    "any",
    "apre",
    "are",
    "as",
    "at",
    "au",
    "aucun",
    "aupre",
    "auquel",
    "aura",
    "aurait",
    "ausi",
    "autre",
    "aux",
    "avaient",
    "avait",
    "avant",
    "avec",
    "avoir",
    "ayant",
    "be",
    "because",
    "before",
    "being",
    "ben",
    "betwen",
    "bien",
    "both",
    "but",
    "by",
    "c",
    "ca",
    "can",
    "car",
    "ce",
    "ceci",
    "cela",
    "cele",
    "celui",
    "cependant",
    "ces",
    "cet",
    "cete",
    "ceux",
    "chaque",
    "chez",
    "ci",
    "come",
    "coment",
    "could",
    "d",
    "dan",
    "de",
    "deja",
    "dela",
    "depui",
    "der",
    "des",
    "did",
    "do",
    "doe",
    "does",
    "doing",
    "don",
    "dont",
    "du",
    "during",
    "each",
    "ele",
    "eles",
    "en",
    "encore",
    "entre",
    "es",
    "est",
    "et",
    "etaient",
    "etait",
    "ete",
    "etre",
    "eu",
    "eux",
    "faire",
    "fait",
    "few",
    "for",
    "from",
    "had",
    "has",
    "have",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "hi",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "il",
    "ile",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "j",
    "je",
    "jusqu",
    "just",
    "l",
    "la",
    "le",
    "lequel",
    "les",
    "leur",
    "lor",
    "lors",
    "lorsque",
    "lui",
    "m",
    "ma",
    "mai",
    "me",
    "meme",
    "mes",
    "moin",
    "mon",
    "more",
    "most",
    "must",
    "my",
    "n",
    "ne",
    "ni",
    "no",
    "non",
    "nor",
    "nos",
    "not",
    "notre",
    "nou",
    "now",
    "of",
    "on",
    "one",
    "only",
    "ont",
    "onto",
    "or",
    "other",
    "ou",
    "ought",
    "our",
    "out",
    "over",
    "own",
    "par",
    "parce",
    "pas",
    "pendant",
    "peu",
    "peut",
    "plu",
    "plus",
    "pour",
    "pourquoi",
    "qu",
    "quand",
    "que",
    "quel",
    "quele",
    "qui",
    "quoi",
    "s",
    "sa",
    "said",
    "same",
    "san",
    "say",
    "se",
    "selon",
    "sera",
    "ses",
    "she",
    "should",
    "si",
    "sien",
    "so",
    "soit",
    "some",
    "son",
    "sont",
    "sou",
    "such",
    "sur",
    "t",
    "ta",
    "te",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thi",
    "this",
    "those",
    "thre",
    "through",
    "to",
    "tou",
    "tous",
    "tout",
    "toute",
    "tres",
    "tu",
    "two",
    "un",
    "under",
    "une",
    "until",
    "up",
    "upon",
    "very",
    "via",
    "vou",
    "wa",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "wil",
    "with",
    "would",
    "y",
    "you",
    "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(w: &str) -> String {
        let mut s = String::new();
        fold_word(w, &mut s);
        s
    }

    #[test]
    fn stop_words_are_sorted_and_folded() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted, STOP_WORDS,
            "the list must stay sorted for binary search"
        );
        for w in STOP_WORDS {
            assert_eq!(&fold(w), w, "stop word {w} must be written folded");
        }
    }

    #[test]
    fn spellings_of_the_air_base_fold_together() {
        // Al-Asad (000), Ain al-Asad (001), Aïn al-Assad (002, 003, 004), Al-Assad (000).
        assert_eq!(fold("Asad"), fold("Assad"));
        assert_eq!(fold("Aïn"), fold("Ain"));
        assert_eq!(fold("ASSAD"), "asad");
        assert_eq!(fold("Qassem"), fold("Qasem"));
        assert_eq!(fold("États"), "etat");
    }

    #[test]
    fn digit_groups_stay_one_number() {
        for line in [
            "environ 2.500 soldats",
            "les 2 500 soldats",
            "2,500 troops",
            "2\u{a0}500 x",
        ] {
            let nums: Vec<&str> = Tokens::new(line)
                .filter(|t| t.numeric)
                .map(|t| t.text)
                .collect();
            assert_eq!(nums.len(), 1, "{line}: {nums:?}");
            let digits: String = nums[0].chars().filter(char::is_ascii_digit).collect();
            assert_eq!(digits, "2500", "{line}");
        }
        let years: Vec<&str> = Tokens::new("entre 2014 et 2017").map(|t| t.text).collect();
        assert_eq!(years, ["entre", "2014", "et", "2017"]);
    }

    #[test]
    fn capitals_inside_a_sentence_are_names() {
        let toks: Vec<Token> = Tokens::new("Une source a cité Al Arabiya. Le drone").collect();
        let names: Vec<&str> = toks
            .iter()
            .filter(|t| t.capital && !t.sentence_start)
            .map(|t| t.text)
            .collect();
        assert_eq!(names, ["Al", "Arabiya"]);
    }

    #[test]
    fn stop_words_by_term_id_match_the_list() {
        for w in STOP_WORDS {
            assert!(is_stop(w), "{w}");
        }
        for w in ["drone", "base", "asad", "2500", "soldat"] {
            assert!(!is_stop(w), "{w}");
        }
        assert!(is_stop("x") && is_stop("é") && is_stop(""));
    }

    /// The tokenizer as first written, char by char: the definition the byte-level
    /// fast path must keep.
    fn reference_tokens(line: &str) -> Vec<Token<'_>> {
        let mut out = Vec::new();
        let (mut pos, mut sentence_start) = (0, true);
        loop {
            let rest = &line[pos..];
            let mut start = None;
            for (i, c) in rest.char_indices() {
                if c.is_alphanumeric() {
                    start = Some(i);
                    break;
                }
                if matches!(c, '.' | '!' | '?' | ':' | '«' | '"' | '“' | '»' | '”' | '(') {
                    sentence_start = true;
                }
            }
            let Some(start) = start.map(|s| pos + s) else {
                return out;
            };
            let first = line[start..].chars().next().unwrap_or(' ');
            let numeric = first.is_ascii_digit();
            let mut end = start;
            for (i, c) in line[start..].char_indices() {
                if !c.is_alphanumeric() {
                    break;
                }
                end = start + i + c.len_utf8();
            }
            let bytes = line.as_bytes();
            if numeric && end - start <= 3 && line[start..end].bytes().all(|b| b.is_ascii_digit()) {
                loop {
                    let sep_len = group_separator(&line[end..]);
                    let group = end + sep_len;
                    let is_group = sep_len > 0
                        && bytes.len() >= group + 3
                        && bytes[group..group + 3].iter().all(u8::is_ascii_digit)
                        && bytes
                            .get(group + 3)
                            .is_none_or(|b| !b.is_ascii_alphanumeric());
                    if !is_group {
                        break;
                    }
                    end = group + 3;
                }
            }
            out.push(Token {
                text: &line[start..end],
                capital: first.is_uppercase(),
                sentence_start,
                numeric,
            });
            sentence_start = false;
            pos = end;
        }
    }

    /// Word folding as first written, char by char (the definition of [`fold_word`]).
    fn reference_fold(word: &str) -> String {
        let mut out = String::new();
        let mut last = '\0';
        for c in word.chars().filter(|c| c.is_alphanumeric()) {
            decompose_canonical(c, |d| {
                if is_combining_mark(d) {
                    return;
                }
                for l in d.to_lowercase() {
                    if l != last || l.is_ascii_digit() {
                        out.push(l);
                    }
                    last = l;
                }
            });
        }
        if out.len() > 4 && out.ends_with('s') && !out.ends_with("ss") {
            out.pop();
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn fast_tokenizer_and_folding_match_their_definitions(
            line in "([a-zA-Z0-9]{1,9}|[ .,!?:\"(«»“”'-]|\u{a0}|[àéÏœßİ]|\\PC){0,40}"
        ) {
            let fast: Vec<Token> = Tokens::new(&line).collect();
            proptest::prop_assert_eq!(&fast, &reference_tokens(&line));
            for token in fast {
                proptest::prop_assert_eq!(fold(token.text), reference_fold(token.text));
                let mut folded = String::new();
                let hash = fold_and_hash(token.text, &mut folded);
                proptest::prop_assert_eq!(&folded, &reference_fold(token.text));
                proptest::prop_assert_eq!(hash, word_hash(&folded));
            }
            proptest::prop_assert_eq!(fold(&line), reference_fold(&line));
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_lines_read_in_one_pass_as_tokens_and_folding_read_them(
            line in "([a-zA-Z0-9]{1,9}|[0-9]{1,3}[., ][0-9]{3,4}|[ .,!?:\"('-]){0,40}"
        ) {
            let mut folded = String::new();
            let mut words = AsciiWords::new(&line);
            let mut expected = String::new();
            for token in Tokens::new(&line) {
                let hash = fold_and_hash(token.text, &mut expected);
                proptest::prop_assert_eq!(words.next(&mut folded), Some((token, hash)));
                proptest::prop_assert_eq!(&folded, &expected);
            }
            proptest::prop_assert_eq!(words.next(&mut folded), None);
        }
    }
}
