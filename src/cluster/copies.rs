//! Copies: the same text under another URL, exactly or nearly.
//!
//! Exact copies share the sha2 of the normalised body ([`body_digest`]). Near copies
//! (wire copy under a new headline, a trimmed last paragraph, a changed byline) share
//! most of their word 3-shingles: a one-permutation MinHash [`Sketch`] of 16 slots,
//! indexed by 4 bands of 4 slots, finds candidates, and a candidate counts only when at
//! least [`NEAR_MIN_EQUAL`] of the 16 slots agree (a Jaccard estimate of about 0.75) and
//! the figures of one body are all in the other ([`Sketch::figures`]: a reprint keeps the
//! event's numbers, a trimmed one some of them). Without that check a templated report
//! (a daily index, tomorrow's weather) is taken for a copy of yesterday's, whose words it
//! repeats around other figures, and chains days of them into one story. A copy joins
//! its original's story, marked `copy_of`. Different reports of one event do not look
//! alike at this level; the story stage handles them.

use sha2::{Digest, Sha256};

/// Slots in a sketch.
pub const SLOTS: usize = 16;
/// Bands of the index (SLOTS / BANDS slots each).
pub const BANDS: usize = 4;
/// Equal slots needed to call two bodies near copies.
pub const NEAR_MIN_EQUAL: usize = 12;
/// Shingles a body needs before near-copy detection is trusted.
pub const MIN_SHINGLES: usize = 12;

/// The sha2 of the body with whitespace runs made single spaces and letters lowercased.
pub fn body_digest(text: &str) -> [u8; 32] {
    if text.is_ascii() {
        return ascii_digest(text.as_bytes());
    }
    let mut normal = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !normal.is_empty() {
            normal.push(' ');
        }
        if word.is_ascii() {
            let at = normal.len();
            normal.push_str(word);
            normal[at..].make_ascii_lowercase();
        } else {
            normal.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
    Sha256::digest(normal.as_bytes()).into()
}

/// [`body_digest`] of ASCII text: its words (split on ASCII whitespace as
/// `split_whitespace` sees it, vertical tab included) copied, one space between them, then
/// lowercased in one pass. Text comes line by line; a line that is already one space
/// between words (no other whitespace, no run of spaces, none at its ends: most lines)
/// is copied whole, found by SIMD searches instead of a test of every byte.
fn ascii_digest(text: &[u8]) -> [u8; 32] {
    let space = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
    let mut normal = Vec::with_capacity(text.len());
    for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let clean = line.first() != Some(&b' ')
            && line.last() != Some(&b' ')
            && memchr::memchr3(b'\t', b'\r', 0x0b, line).is_none()
            && memchr::memchr(0x0c, line).is_none()
            && memchr::memmem::find(line, b"  ").is_none();
        if clean {
            if !normal.is_empty() {
                normal.push(b' ');
            }
            normal.extend_from_slice(line);
            continue;
        }
        for word in line.split(space).filter(|w| !w.is_empty()) {
            if !normal.is_empty() {
                normal.push(b' ');
            }
            normal.extend_from_slice(word);
        }
    }
    normal.make_ascii_lowercase();
    Sha256::digest(&normal).into()
}

/// A one-permutation MinHash of a body's word 3-shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sketch {
    /// Minimum per slot (`u32::MAX` while empty).
    pub slots: [u32; SLOTS],
    /// How many shingles went in.
    pub shingles: u32,
    /// The body's figures (numbers), one bit each of 64.
    pub figures: u64,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch {
            slots: [u32::MAX; SLOTS],
            shingles: 0,
            figures: 0,
        }
    }
}

/// Builds a [`Sketch`] from the body's folded words, one at a time.
#[derive(Debug, Default)]
pub struct Sketcher {
    sketch: Sketch,
    prev: [u64; 2],
    seen: usize,
}

impl Sketcher {
    /// Adds the `words::word_hash` of the next word of the body, a number when
    /// `figure` is set.
    pub fn push(&mut self, word: u64, figure: bool) {
        if figure {
            self.sketch.figures |= 1 << (mix(word) >> 58);
        }
        self.seen += 1;
        if self.seen >= 3 {
            let shingle = mix(self.prev[0] ^ mix(self.prev[1] ^ mix(word)));
            let slot = (shingle >> 60) as usize % SLOTS;
            let value = (shingle & 0xffff_ffff) as u32;
            let cell = &mut self.sketch.slots[slot];
            *cell = (*cell).min(value);
            self.sketch.shingles += 1;
        }
        self.prev = [self.prev[1], word];
    }

    /// The sketch, empty slots filled from their neighbours so every slot is comparable.
    pub fn finish(mut self) -> Sketch {
        let slots = self.sketch.slots;
        if slots.iter().any(|s| *s != u32::MAX) {
            for i in 0..SLOTS {
                let mut k = 1;
                while self.sketch.slots[i] == u32::MAX {
                    let donor = slots[(i + k) % SLOTS];
                    if donor != u32::MAX {
                        self.sketch.slots[i] =
                            (mix(u64::from(donor) ^ k as u64) & 0xffff_ffff) as u32;
                    }
                    k += 1;
                }
            }
        }
        self.sketch
    }
}

impl Sketch {
    /// The index keys of the sketch, one per band (the band number is part of the key).
    pub fn band_keys(&self) -> [u64; BANDS] {
        let rows = SLOTS / BANDS;
        let mut keys = [0u64; BANDS];
        for (band, key) in keys.iter_mut().enumerate() {
            let mut h = mix(band as u64 + 1);
            for slot in &self.slots[band * rows..(band + 1) * rows] {
                h = mix(h ^ u64::from(*slot));
            }
            *key = h;
        }
        keys
    }

    /// Long enough for near-copy detection.
    pub fn usable(&self) -> bool {
        self.shingles as usize >= MIN_SHINGLES
    }

    /// Slots equal in both sketches.
    pub fn equal_slots(&self, other: &Sketch) -> usize {
        self.slots
            .iter()
            .zip(&other.slots)
            .filter(|(a, b)| a == b)
            .count()
    }

    /// The figures of one body are among those of the other (a reprint keeps the
    /// event's figures; a trimmed one keeps some of them).
    pub fn figures_agree(&self, other: &Sketch) -> bool {
        self.figures & !other.figures == 0 || other.figures & !self.figures == 0
    }

    /// The verified near-copy test: most sketch slots equal, and figures that agree.
    pub fn near_copy_of(&self, other: &Sketch) -> bool {
        self.usable()
            && other.usable()
            && self.equal_slots(other) >= NEAR_MIN_EQUAL
            && self.figures_agree(other)
    }
}

/// A 64-bit mixer (splitmix64 finaliser).
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::words::word_hash;

    fn sketch(text: &str) -> Sketch {
        let mut s = Sketcher::default();
        for w in text.split_whitespace() {
            let figure = w.starts_with(|c: char| c.is_ascii_digit());
            s.push(word_hash(&w.to_lowercase()), figure);
        }
        s.finish()
    }

    const WIRE: &str = "Deux drones ont été lancés contre des troupes de la coalition \
        internationale antijihadistes stationnées dans l'ouest de l'Irak sur la base militaire \
        d'Aïn al-Assad sans toutefois faire de dommages ou de blessés ont indiqué mercredi à \
        l'AFP deux responsables sécuritaires. Perpétrée mardi soir l'attaque qui n'a pas été \
        revendiquée dans l'immédiat intervient dans un contexte régional tendu alimenté par la \
        guerre dans la bande de Gaza. Les groupes armés pro-Iran qui revendiquent généralement \
        ces tirs ont largement suspendu leur action depuis des mois.";

    #[test]
    fn digest_ignores_spacing_and_case_only() {
        assert_eq!(
            body_digest("Un  drone\nabattu"),
            body_digest("un drone abattu")
        );
        assert_ne!(
            body_digest("un drone abattu"),
            body_digest("deux drones abattus")
        );
    }

    #[test]
    fn trimmed_wire_copy_is_a_near_copy() {
        // The same wire text with its last sentence cut and one word changed.
        let cut = WIRE
            .rsplit_once(" Les groupes")
            .map(|x| x.0)
            .unwrap_or(WIRE);
        let edited = cut.replace("mercredi", "jeudi");
        let (a, b) = (sketch(WIRE), sketch(&edited));
        assert!(a.near_copy_of(&b), "equal slots {}", a.equal_slots(&b));
        let shared_band = a
            .band_keys()
            .iter()
            .zip(b.band_keys())
            .any(|(x, y)| *x == y);
        assert!(shared_band, "the index must find the candidate");
    }

    #[test]
    fn another_report_of_the_event_is_not_a_copy() {
        let other = "Une source sécuritaire irakienne a fait état d'une attaque de drones \
            contre la base américaine d'Ain al-Asad située en Irak. Deux drones suicide ont \
            pris pour cible mardi 16 juillet les alentours de la base aérienne où sont \
            stationnées des troupes américaines a rapporté l'agence de presse Baghdad Al-Youm.";
        let (a, b) = (sketch(WIRE), sketch(other));
        assert!(!a.near_copy_of(&b), "equal slots {}", a.equal_slots(&b));
    }

    // A daily index report as the synthetic news streams print it: every day the same
    // sentences around other figures.
    const INDEX_DAY_1: &str = "The Lenko index for Marum closed at 631 points on Friday, \
        up 256 from the previous session.\nTrading volume reached 833 thousand contracts, the \
        Umbayo Bureau said in its daily report.\nAnalysts at Riel Pernetor expect the index to \
        remain near 631 points in the coming week.\nThe figures are compiled by the Umbayo \
        Bureau from data supplied by member institutions.\nReaders can find the full tables on \
        the website of the Umbayo Bureau.";

    fn body(text: &str) -> Sketch {
        crate::cluster::features::features(None, text, None, &Default::default()).sketch
    }

    #[test]
    fn the_next_days_report_of_a_template_is_not_a_copy() {
        let day_2 = INDEX_DAY_1
            .replace("631", "644")
            .replace("256", "13")
            .replace("833", "790");
        let (a, b) = (body(INDEX_DAY_1), body(&day_2));
        // The shingles alone call it a copy: only three figures changed.
        assert!(a.equal_slots(&b) >= NEAR_MIN_EQUAL, "{}", a.equal_slots(&b));
        assert!(!a.near_copy_of(&b));
        // A reprint that drops the last sentence keeps its figures: still a copy.
        let trimmed = INDEX_DAY_1
            .rsplit_once("\nReaders")
            .map_or(INDEX_DAY_1, |x| x.0);
        assert!(
            a.near_copy_of(&body(trimmed)),
            "{}",
            a.equal_slots(&body(trimmed))
        );
    }

    #[test]
    fn figures_agree_when_one_side_holds_all_of_the_others() {
        let with = |figures| Sketch {
            figures,
            ..Sketch::default()
        };
        assert!(with(0b0110).figures_agree(&with(0b0010)));
        assert!(with(0b0010).figures_agree(&with(0b0110)));
        assert!(with(0).figures_agree(&with(0b1)));
        assert!(!with(0b0110).figures_agree(&with(0b0011)));
    }

    #[test]
    fn short_bodies_are_not_judged() {
        let (a, b) = (sketch("Lire aussi"), sketch("Lire aussi"));
        assert!(!a.near_copy_of(&b));
    }

    proptest::proptest! {
        #[test]
        fn ascii_digest_hashes_the_words_joined_by_one_space(
            text in "([a-zA-Z0-9.,]{1,6}|[ \t\n\r\x0b\x0c]{1,3}){0,30}"
        ) {
            let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
            let expected: [u8; 32] = Sha256::digest(words.join(" ").as_bytes()).into();
            proptest::prop_assert_eq!(body_digest(&text), expected);
        }
    }

    #[test]
    fn digest_is_the_sha2_of_the_lowercased_words() {
        // The ASCII fast path and the Unicode path agree with the definition.
        let text = "  Aïn AL-ASSAD\n\tbase  Été ";
        let expected: [u8; 32] = Sha256::digest("aïn al-assad base été".as_bytes()).into();
        assert_eq!(body_digest(text), expected);
        assert_eq!(body_digest(""), <[u8; 32]>::from(Sha256::digest(b"")));
        // ASCII text takes the byte path; it must hash what the word path hashes.
        let ascii = " Two\x0bdrones \r\n hit  the BASE\t";
        let expected: [u8; 32] = Sha256::digest(b"two drones hit the base").into();
        assert_eq!(body_digest(ascii), expected);
    }
}
