//! A synthetic news stream for the clustering benchmark (`scripts/bench_cluster.sh`).
//!
//! `cargo run --release --example gen_news -- ARTICLES [SEED] [PER_DAY] > stream.jsonl`
//!
//! Out: JSONL lines `{"id", "title", "text", "date", "outlet", "url", "lang", "event"}` in
//! publication order, the input shape of `newsfold cluster` (which ignores `event`, the
//! true label, kept so the stream can be scored too). The same arguments give the same
//! bytes (own splitmix64 generator, no randomness from the system).
//!
//! What makes it look like news to the clusterer rather than like noise:
//! - many events of some forty kinds (quakes, shootings, rehab stays, launches...), each
//!   with its own people, place, organisation, figures and day, reported 1 to ~60 times
//!   over the following days by different outlets in different words;
//! - names and places drawn from heavy-tailed pools, so popular places and people come
//!   back in event after event of the same kind (the trap: same topic, other event), and
//!   a kind's background figure is repeated by every report of that kind;
//! - a general vocabulary with Zipf frequencies, so document frequencies look real;
//! - wire copies: exact reprints under another outlet, and near copies with a new
//!   headline, the last paragraph cut and a word changed;
//! - templated reports (markets, weather, results): near-identical texts that differ by a
//!   few names and figures and belong to different events;
//! - a steady rate per day (default 1,000 articles), so 1M articles span about three years.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufWriter, Write};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

/// splitmix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Draws indexes 0..n with probability ∝ 1/(i+1)^s.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for i in 0..n {
            total += 1.0 / ((i + 1) as f64).powf(s);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Zipf { cdf }
    }
    fn draw(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|c| *c < u).min(self.cdf.len() - 1)
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "sa", "lem", "dor", "vi", "ta", "nu", "bel", "gan", "tor", "mi", "ra", "shi",
    "ko", "len", "ba", "zar", "el", "an", "os", "per", "qu", "ain", "del", "fa", "ha", "ju", "lo",
    "mar", "ne", "pol", "ru", "sen", "til", "um", "ver", "wa", "yo",
];

/// A made-up word of `parts` syllables.
fn word(rng: &mut Rng, parts: usize) -> String {
    (0..parts).map(|_| *rng.pick(SYLLABLES)).collect()
}

fn capital(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Common English words of news prose (the Zipf head of the general vocabulary).
const COMMON: &[&str] = &[
    "said",
    "officials",
    "government",
    "people",
    "year",
    "week",
    "police",
    "report",
    "statement",
    "told",
    "city",
    "country",
    "state",
    "minister",
    "president",
    "according",
    "local",
    "national",
    "security",
    "public",
    "made",
    "several",
    "group",
    "since",
    "support",
    "months",
    "early",
    "later",
    "area",
    "forces",
    "news",
    "spokesman",
    "added",
    "including",
    "called",
    "following",
    "last",
    "first",
    "new",
    "former",
    "team",
    "workers",
    "residents",
    "authorities",
    "leaders",
    "company",
    "million",
    "percent",
    "services",
    "region",
    "house",
    "office",
    "agency",
    "department",
    "official",
    "sources",
    "expected",
    "reported",
    "confirmed",
    "investigation",
    "response",
    "situation",
    "reports",
    "morning",
    "evening",
    "night",
    "day",
    "time",
    "members",
    "community",
    "family",
    "children",
    "health",
    "hospital",
    "media",
    "court",
    "law",
    "plan",
    "program",
    "market",
    "officers",
    "center",
];

/// One kind of event: its words, headline verbs and background figure.
struct Kind {
    noun: String,
    verb: String,
    words: Vec<String>,
    background: u32,
}

struct Event {
    id: u64,
    kind: usize,
    day: NaiveDate,
    people: Vec<String>,
    place: String,
    region: String,
    org: String,
    figures: Vec<u32>,
    templated: bool,
}

#[derive(Serialize, Clone)]
struct Article {
    id: String,
    title: String,
    text: String,
    date: String,
    outlet: String,
    url: String,
    lang: &'static str,
    event: String,
}

struct World {
    rng: Rng,
    general: Vec<String>,
    general_zipf: Zipf,
    names: Vec<String>,
    names_zipf: Zipf,
    places: Vec<String>,
    places_zipf: Zipf,
    orgs: Vec<String>,
    kinds: Vec<Kind>,
    kinds_zipf: Zipf,
    outlets: Vec<String>,
    outlets_zipf: Zipf,
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl World {
    fn new(seed: u64) -> World {
        let mut rng = Rng(seed);
        let mut general: Vec<String> = COMMON.iter().map(|w| w.to_string()).collect();
        while general.len() < 30_000 {
            let parts = 2 + rng.below(3);
            general.push(word(&mut rng, parts));
        }
        let names = (0..200_000)
            .map(|_| {
                let first = 2 + rng.below(2);
                let last = 2 + rng.below(2);
                format!(
                    "{} {}",
                    capital(&word(&mut rng, first)),
                    capital(&word(&mut rng, last))
                )
            })
            .collect();
        let places = (0..40_000)
            .map(|_| {
                let parts = 2 + rng.below(2);
                capital(&word(&mut rng, parts))
            })
            .collect();
        let orgs = (0..5_000)
            .map(|_| {
                let parts = 2 + rng.below(2);
                let kind = *rng.pick(&["Agency", "Ministry", "Institute", "Council", "Bureau"]);
                format!("{} {kind}", capital(&word(&mut rng, parts)))
            })
            .collect();
        let kinds = (0..40)
            .map(|_| Kind {
                noun: word(&mut rng, 3),
                verb: format!("{}ed", word(&mut rng, 2)),
                words: (0..30).map(|_| word(&mut rng, 3)).collect(),
                background: 100 + rng.below(9_000) as u32,
            })
            .collect();
        let outlets = (0..400)
            .map(|_| {
                let parts = 2 + rng.below(2);
                format!("{} Times", capital(&word(&mut rng, parts)))
            })
            .collect();
        World {
            rng,
            general,
            general_zipf: Zipf::new(30_000, 1.05),
            names,
            names_zipf: Zipf::new(200_000, 0.9),
            places,
            places_zipf: Zipf::new(40_000, 1.0),
            orgs,
            kinds,
            kinds_zipf: Zipf::new(40, 0.6),
            outlets,
            outlets_zipf: Zipf::new(400, 0.8),
        }
    }

    fn event(&mut self, id: u64, day: NaiveDate) -> Event {
        let kind = self.kinds_zipf.draw(&mut self.rng);
        let people = (0..2 + self.rng.below(3))
            .map(|_| self.names[self.names_zipf.draw(&mut self.rng)].clone())
            .collect();
        let place = self.places[self.places_zipf.draw(&mut self.rng)].clone();
        let region = self.places[self.places_zipf.draw(&mut self.rng) % 200].clone();
        let org = self.rng.pick(&self.orgs).clone();
        let figures = (0..3).map(|_| 2 + self.rng.below(900) as u32).collect();
        let templated = self.rng.chance(0.15);
        Event {
            id,
            kind,
            day,
            people,
            place,
            region,
            org,
            figures,
            templated,
        }
    }

    fn general_words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.general[self.general_zipf.draw(&mut self.rng)].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn kind_word(&mut self, kind: usize) -> String {
        self.rng.pick(&self.kinds[kind].words).clone()
    }

    /// How a report written on `on` names the event's day.
    fn day_phrase(&mut self, e: &Event, on: NaiveDate) -> String {
        let back = (on - e.day).num_days();
        let weekday = WEEKDAYS[e.day.format("%u").to_string().parse::<usize>().unwrap_or(1) - 1];
        match self.rng.below(4) {
            0 if back == 1 => "yesterday".to_string(),
            0 | 1 if back < 7 => format!("on {weekday}"),
            _ => e.day.format("on %B %-d").to_string(),
        }
    }

    /// One sentence about the event, in words of its own.
    fn sentence(&mut self, e: &Event, on: NaiveDate) -> String {
        let k = e.kind;
        let person = self.rng.pick(&e.people).clone();
        let (noun, verb, background) = (
            self.kinds[k].noun.clone(),
            self.kinds[k].verb.clone(),
            self.kinds[k].background,
        );
        let figure = *self.rng.pick(&e.figures);
        let filler = 3 + self.rng.below(8);
        let filler = self.general_words(filler);
        let (kw1, kw2) = (self.kind_word(k), self.kind_word(k));
        match self.rng.below(9) {
            0 => format!(
                "The {noun} {verb} {} {}, {} {filler}.",
                e.place,
                self.day_phrase(e, on),
                e.org
            ),
            1 => format!(
                "{person} said at least {figure} {kw1} were {kw2} in {}.",
                e.place
            ),
            2 => format!("According to the {}, {figure} {kw1} {filler}.", e.org),
            3 => format!("{person} told reporters the {kw1} would {kw2} {filler}."),
            4 => format!(
                "{} has about {background} {kw1} and saw {filler} in recent years.",
                e.region
            ),
            5 => format!("It was the worst {noun} in {} since {filler}.", e.region),
            6 => format!(
                "Witnesses in {} described {kw1} and {kw2} as {filler}.",
                e.place
            ),
            7 => format!("Officials {filler} {kw1} {kw2}."),
            _ => format!("{} {filler}.", capital(&self.general_words(4))),
        }
    }

    fn report(&mut self, e: &Event, on: NaiveDate) -> (String, String) {
        if e.templated {
            return self.templated_report(e, on);
        }
        let kind = &self.kinds[e.kind];
        let (noun, verb) = (kind.noun.clone(), kind.verb.clone());
        let title = match self.rng.below(3) {
            0 => format!("{} {noun} {verb} {}", capital(&e.region), e.place),
            1 => format!(
                "{} {} after {noun} in {}",
                e.figures[0],
                self.kind_word(e.kind),
                e.place
            ),
            _ => format!("{}: {} {}", e.people[0], noun, self.general_words(3)),
        };
        let paragraphs = 3 + self.rng.below(6);
        let mut text = Vec::with_capacity(paragraphs);
        for _ in 0..paragraphs {
            let n = 2 + self.rng.below(4);
            let para: Vec<String> = (0..n).map(|_| self.sentence(e, on)).collect();
            text.push(para.join(" "));
        }
        (title, text.join("\n"))
    }

    /// A report from a fixed template: only names and figures change between events.
    fn templated_report(&mut self, e: &Event, on: NaiveDate) -> (String, String) {
        let [a, b, c] = [e.figures[0], e.figures[1], e.figures[2]];
        let day = self.day_phrase(e, on);
        let title = format!(
            "{} {} report: {} {a}",
            e.region, self.kinds[e.kind].noun, e.place
        );
        let text = format!(
            "The {} index for {} closed at {a} points {day}, up {b} from the previous session.\n\
             Trading volume reached {c} thousand contracts, the {} said in its daily report.\n\
             Analysts at {} expect the index to remain near {a} points in the coming week.\n\
             The figures are compiled by the {} from data supplied by member institutions.\n\
             Readers can find the full tables on the website of the {}.",
            e.place, e.region, e.org, e.people[0], e.org, e.org
        );
        (title, text)
    }
}

/// A report waiting for its publication time.
struct Pending {
    at: NaiveDateTime,
    seq: u64,
    article: Article,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: u64| {
        args.get(i)
            .and_then(|a| a.replace('_', "").parse().ok())
            .unwrap_or(default)
    };
    let total = arg(1, 10_000);
    let seed = arg(2, 42);
    let per_day = arg(3, 1_000).max(1);
    let mut world = World::new(seed);
    let start = NaiveDate::from_ymd_opt(2021, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    // Mean reports per event is about 7, so events arrive at per_day / 7 a day.
    let event_gap_secs = (86_400.0 * 7.0 / per_day as f64).max(1.0);
    let mut heap: BinaryHeap<Reverse<Pending>> = BinaryHeap::new();
    let out = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, out.lock());
    let (mut written, mut seq, mut event_id) = (0u64, 0u64, 0u64);
    let mut clock = start;
    while written < total {
        // Open the next event, schedule its reports.
        clock += Duration::seconds((event_gap_secs * 2.0 * world.rng.unit()) as i64 + 1);
        let event = world.event(event_id, clock.date());
        event_id += 1;
        let reports = 1 + (world.rng.unit().powi(3) * 60.0) as usize;
        let mut written_here: Vec<Article> = Vec::new();
        for r in 0..reports {
            let delay = if r == 0 {
                0
            } else {
                (world.rng.unit().powi(2) * 4.0 * 86_400.0) as i64
            };
            let at = clock + Duration::seconds(delay);
            let outlet = world.outlets[world.outlets_zipf.draw(&mut world.rng)].clone();
            let (title, text) = match written_here.last() {
                Some(orig) if world.rng.chance(0.12) => (orig.title.clone(), orig.text.clone()),
                Some(orig) if world.rng.chance(0.1) => near_copy(&mut world, orig, &event),
                _ => world.report(&event, at.date()),
            };
            let id = format!("a{seq}");
            let article = Article {
                url: format!(
                    "https://{}.example/{}/{id}",
                    slug(&outlet),
                    at.format("%Y/%m/%d")
                ),
                id,
                title,
                text,
                date: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                outlet,
                lang: "en",
                event: format!("e{}", event.id),
            };
            written_here.push(article.clone());
            heap.push(Reverse(Pending { at, seq, article }));
            seq += 1;
        }
        // Publish everything due before the clock.
        while written < total {
            match heap.peek() {
                Some(Reverse(p)) if p.at <= clock => {}
                _ => break,
            }
            if let Some(Reverse(p)) = heap.pop() {
                serde_json::to_writer(&mut out, &p.article)?;
                out.write_all(b"\n")?;
                written += 1;
            }
        }
        if heap.len() as u64 > total * 4 + 1_000_000 {
            break;
        }
    }
    while written < total {
        let Some(Reverse(p)) = heap.pop() else { break };
        serde_json::to_writer(&mut out, &p.article)?;
        out.write_all(b"\n")?;
        written += 1;
    }
    out.flush()
}

/// Wire copy under a new headline, its last paragraph cut and one word changed.
fn near_copy(world: &mut World, orig: &Article, event: &Event) -> (String, String) {
    let mut paras: Vec<&str> = orig.text.lines().collect();
    if paras.len() > 3 {
        paras.pop();
    }
    let text = paras.join("\n").replacen(" said ", " stated ", 1);
    let title = format!("{} ({})", event.place, world.general_words(2));
    (title, text)
}

fn slug(outlet: &str) -> String {
    outlet
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}
