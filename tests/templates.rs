//! Template learning end to end: outlets on loopback servers, ingested through the real
//! binary into a real sled store, then the learned counts read back and the next article
//! stripped with them.
//!
//! "Le Veilleur" publishes twelve reports on attacks in Iraq. Every page ends with the same
//! promo paragraph (its template) and states one recurring fact, "about 2,500 American
//! soldiers in Iraq", each time in other words. "Courrier du Sud" prints the very same promo
//! on its three pages, but has no history of its own. The pages, feeds and wording are
//! written for this test; each shows one quirk of issue 4.
//!
//! Order-independent on purpose: ingest fetches concurrently, so which four of the twelve
//! keep the promo depends on timing; how many keep it does not.

mod common;

use std::path::Path;
use std::time::Duration;

use common::cli::{ingest_ok, newsfold};
use common::newsroom::{feeds_config, rss_feed};
use common::server::{Reply, Route, TestServer};
use newsfold::boilerplate::{template_fingerprints, TemplateCounts};
use newsfold::canonical::canonicalize;
use newsfold::model::{Article, RemovalReason};
use newsfold::pipeline::{self, Source};
use newsfold::store::{article_id, Access, Store, StoredArticle};

const VEILLEUR: &str = "Le Veilleur";
const COURRIER: &str = "Courrier du Sud";
/// The threshold the test's feeds.toml sets (the default, written out).
const MIN_ARTICLES: usize = 4;
/// The template: a promo the outlet prints under every article.
const PROMO: &str = "Le Veilleur vit grâce à ses lecteurs : pas de publicité, pas d'actionnaire. Chaque don, même petit, garde notre rédaction indépendante.";

const BASES: [&str; 4] = ["d'Aïn al-Assad", "de Harir", "de Victoria", "d'Al-Tanf"];
const WEAPONS: [&str; 3] = ["deux drones piégés", "trois roquettes", "un drone suicide"];
const DAYS: [&str; 12] = [
    "lundi 3",
    "mardi 4",
    "mercredi 5",
    "jeudi 6",
    "vendredi 7",
    "samedi 8",
    "dimanche 9",
    "lundi 10",
    "mardi 11",
    "mercredi 12",
    "jeudi 13",
    "vendredi 14",
];

/// The recurring fact of report `n`, in one of twelve wordings (4 openings × 3 endings).
fn fact(n: usize) -> String {
    const OPENINGS: [&str; 4] = [
        "Les États-Unis déploient environ 2 500 soldats en Irak",
        "Il y a près de 2 500 soldats américains en Irak",
        "Quelque 2 500 militaires américains restent stationnés en Irak",
        "Washington maintient environ 2 500 soldats sur le sol irakien",
    ];
    const ENDINGS: [&str; 3] = [
        ", au sein de la coalition internationale contre le groupe État islamique.",
        ", dans le cadre de la coalition antijihadiste.",
        ", selon les chiffres du Pentagone.",
    ];
    format!("{}{}", OPENINGS[n % 4], ENDINGS[n / 4 % 3])
}

/// The story paragraphs of report `n` (its own facts, then the recurring one).
fn story(n: usize) -> Vec<String> {
    let (base, weapon, day) = (BASES[n % 4], WEAPONS[n % 3], DAYS[n % 12]);
    vec![
        format!("La base {base} a été visée {day} juin par {weapon}, a indiqué un responsable de la sécurité, sans faire de victime selon un premier bilan."),
        format!("L'attaque, la {}e du mois selon le décompte de l'armée irakienne, n'a pas été revendiquée dans l'immédiat.", n + 2),
        fact(n),
        format!("Les dégâts matériels étaient en cours d'évaluation {day} juin au soir, a précisé la même source, qui a requis l'anonymat."),
    ]
}

/// Courrier du Sud's own reports: local news, nothing in common with Le Veilleur's.
fn local_story(n: usize) -> Vec<String> {
    vec![
        format!("Le conseil municipal de Sète a voté le {} juin la fermeture du vieux pont du port aux camions, après la découverte de fissures sur deux piles.", n + 3),
        format!("Les travaux dureront au moins {} mois, selon la mairie, et une navette maritime transportera les piétons en attendant.", n + 6),
    ]
}

fn title(outlet: &str, n: usize) -> String {
    format!(
        "{outlet} : attaque n° {} contre la base {}",
        n + 1,
        BASES[n % 4]
    )
}

fn path(n: usize) -> String {
    format!("/irak/2024/06/attaque-{n}")
}

/// An article page: the paragraphs inside `<article>`, the promo last, as an outlet's
/// template prints it.
fn page(outlet: &str, n: usize, paragraphs: &[String]) -> String {
    let body: String = paragraphs
        .iter()
        .chain(std::iter::once(&PROMO.to_string()))
        .map(|p| format!("      <p>{p}</p>\n"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>{title}</title>\n  <meta property=\"og:site_name\" content=\"{outlet}\">\n</head>\n<body>\n  <main>\n    <article>\n      <h1>{title}</h1>\n{body}    </article>\n  </main>\n</body>\n</html>\n",
        title = title(outlet, n)
    )
}

/// An outlet's server: an RSS feed listing `listed` reports, and pages for `pages` (the
/// extra ones are reachable but not in the feed).
fn outlet_server(
    outlet: &'static str,
    listed: usize,
    pages: usize,
    story: fn(usize) -> Vec<String>,
) -> TestServer {
    TestServer::start_with(move |base| {
        let titles: Vec<String> = (0..listed).map(|n| title(outlet, n)).collect();
        let items: Vec<(&str, String, &str)> = (0..listed)
            .map(|n| {
                (
                    titles[n].as_str(),
                    format!("{base}{}", path(n)),
                    "2024-06-14",
                )
            })
            .collect();
        let mut routes = vec![(
            "/rss.xml".to_string(),
            Route::Fixed(Reply::ok(
                "application/rss+xml",
                rss_feed(outlet, base, &items),
            )),
        )];
        for n in 0..pages {
            routes.push((
                path(n),
                Route::Fixed(Reply::html(page(outlet, n, &story(n)))),
            ));
        }
        routes
    })
}

fn config(outlets: &[(&str, &TestServer)]) -> String {
    let settings = format!("per_host_delay_secs = 0.02\ntimeout_secs = 10\nmax_retries = 1\ntemplate_min_articles = {MIN_ARTICLES}\n");
    feeds_config(&settings, "fr", outlets)
}

fn open(store: &Path) -> Store {
    Store::open(store, Access::Wait(Duration::from_secs(5))).expect("open store")
}

fn stored(db: &Store, url: &str) -> StoredArticle {
    let id = article_id(&canonicalize(url).expect("canonical URL"));
    db.article(&id)
        .expect("read article")
        .unwrap_or_else(|| panic!("{url} stored"))
}

/// The fingerprint the store counts `paragraph` under.
fn fingerprint(paragraph: &str) -> u64 {
    let article = Article {
        paragraphs: vec![paragraph.to_string()],
        ..Article::default()
    };
    let fingerprints = template_fingerprints(&article);
    assert_eq!(fingerprints.len(), 1, "{paragraph:?} is countable");
    fingerprints[0]
}

#[test]
fn a_promo_is_learned_from_one_outlet_and_dropped_only_there() {
    let veilleur = outlet_server(VEILLEUR, 12, 13, story);
    let courrier = outlet_server(COURRIER, 3, 4, local_story);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let only_veilleur = dir.path().join("veilleur.toml");
    std::fs::write(&only_veilleur, config(&[(VEILLEUR, &veilleur)])).expect("write config");

    // Run 1: Le Veilleur's twelve reports. The promo is on all twelve pages; the first
    // MIN_ARTICLES stored keep it (no history yet), every later one loses it.
    ingest_ok(&only_veilleur, &store);
    let db = open(&store);
    let promo = fingerprint(PROMO);
    let texts: Vec<String> = (0..12)
        .map(|n| stored(&db, &veilleur.url(&path(n))).text)
        .collect();
    let with_promo = texts.iter().filter(|t| t.contains(PROMO)).count();
    assert_eq!(with_promo, MIN_ARTICLES, "promo kept until learned");
    for (n, text) in texts.iter().enumerate() {
        for paragraph in story(n) {
            assert!(text.contains(&paragraph), "report {n} lost {paragraph:?}");
        }
    }
    // The counts in sled: the promo on all twelve (removed ones still count), each wording
    // of the recurring fact on one article only, so it never becomes a template.
    let counts = db.templates();
    assert_eq!(counts.articles_with(VEILLEUR, promo), 12);
    assert_eq!(counts.articles_with(COURRIER, promo), 0);
    for n in 0..12 {
        assert_eq!(
            counts.articles_with(VEILLEUR, fingerprint(&fact(n))),
            1,
            "{}",
            fact(n)
        );
    }
    drop(db);

    // A thirteenth report, fetched and saved with --explain: the promo goes, as an outlet
    // template, and says so; the recurring fact (wording 0 again, its second use) stays.
    let late = newsfold(&[
        "fetch",
        &veilleur.url(&path(12)),
        "--save",
        "--explain",
        "--json",
        "--config",
        only_veilleur.to_str().expect("utf-8 path"),
        "--store",
        store.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        late.status.code(),
        Some(0),
        "fetch: {}",
        String::from_utf8_lossy(&late.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&late.stdout).expect("fetch --json prints one JSON object");
    let removals = json["removals"]
        .as_array()
        .expect("--explain lists removals");
    assert!(
        removals
            .iter()
            .any(|r| r["text"] == PROMO && r["reason"] == "outlet-template"),
        "promo removed as outlet-template: {removals:#?}"
    );
    let text = json["text"].as_str().expect("text");
    assert!(!text.contains(PROMO));
    assert!(text.contains(&fact(12)), "recurring fact kept: {text}");

    // Run 2 adds Courrier du Sud, which prints the same promo on its three pages. Its own
    // history is empty, so it keeps the promo everywhere, whatever Le Veilleur taught.
    let both = dir.path().join("both.toml");
    std::fs::write(
        &both,
        config(&[(VEILLEUR, &veilleur), (COURRIER, &courrier)]),
    )
    .expect("write config");
    ingest_ok(&both, &store);
    let db = open(&store);
    for n in 0..3 {
        let article = stored(&db, &courrier.url(&path(n)));
        assert_eq!(article.outlet, COURRIER);
        assert!(
            article.text.contains(PROMO),
            "Courrier du Sud report {n} lost the promo: {}",
            article.text
        );
    }
    assert_eq!(db.templates().articles_with(COURRIER, promo), 3);
    assert_eq!(db.templates().articles_with(VEILLEUR, promo), 13);

    // A fourth Courrier page stripped with the store's counts, as ingest does: still
    // below the threshold for its outlet (3 < 4), so nothing is an outlet template.
    let source = Source {
        outlet: COURRIER.to_string(),
        lang: Some("fr".into()),
        ..Source::default()
    };
    let html = page(COURRIER, 3, &local_story(3));
    let cleaned = pipeline::clean(
        html.as_bytes(),
        Some("text/html; charset=utf-8"),
        &courrier.url(&path(3)),
        &source,
        &db.templates(),
        MIN_ARTICLES as u32,
    );
    assert!(cleaned.article.paragraphs.iter().any(|p| p == PROMO));
    assert!(!cleaned
        .article
        .removals
        .iter()
        .any(|r| r.reason == RemovalReason::OutletTemplate));
    // The same page under Le Veilleur's name loses it: the counts are per outlet.
    let as_veilleur = Source {
        outlet: VEILLEUR.to_string(),
        ..source
    };
    let cleaned = pipeline::clean(
        html.as_bytes(),
        Some("text/html; charset=utf-8"),
        &courrier.url(&path(3)),
        &as_veilleur,
        &db.templates(),
        MIN_ARTICLES as u32,
    );
    assert!(cleaned
        .article
        .removals
        .iter()
        .any(|r| r.text == PROMO && r.reason == RemovalReason::OutletTemplate));
}
