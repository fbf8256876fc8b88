//! A small newsroom for end-to-end tests: article pages built from the seed reports, wrapped
//! in the furniture real news pages carry (navigation, a consent banner, share buttons,
//! related links, a footer, JSON-LD metadata), and the RSS / Atom feeds that list them.
//!
//! The seed texts are real reports (tests/fixtures/seeds); the furniture is written here to
//! show the quirks newsfold must cope with, and is the same on every page of one outlet, as
//! a site template is.

use std::path::Path;

/// One seed report, as an outlet publishes it.
pub struct Report {
    /// The seed file's number ("000".."004").
    pub seed: &'static str,
    /// The headline the page shows.
    pub title: &'static str,
    /// Publication date, YYYY-MM-DD.
    pub date: &'static str,
    /// Path of the page on its outlet's site.
    pub path: &'static str,
}

/// The five seeds with their real publication dates and made-up headlines and paths.
pub const REPORTS: [Report; 5] = [
    Report {
        seed: "000",
        title: "Deux drones abattus près de la base d’Al-Asad en Irak",
        date: "2021-06-07",
        path: "/2021/06/07/drones-abattus-al-asad",
    },
    Report {
        seed: "001",
        title: "Irak: la base américaine d'Ain al-Asad fait l’objet d’une attaque de drones",
        date: "2024-07-16",
        path: "/2024/07/16/attaque-drones-ain-al-asad",
    },
    Report {
        seed: "002",
        title: "Irak: deux drones lancés contre la base d'Aïn al-Assad",
        date: "2024-07-17",
        path: "/monde/2024/07/17/irak-deux-drones-ain-al-assad",
    },
    Report {
        seed: "003",
        title: "Deux drones piégés visent une base de la coalition en Irak",
        date: "2022-01-04",
        path: "/2022/01/04/deuxieme-operation-drones",
    },
    Report {
        seed: "004",
        title: "Une attaque à la roquette en Irak contre une base abritant des soldats américains",
        date: "2021-06-20",
        path: "/international/roquette-ain-al-assad-20-juin",
    },
];

/// The text of a seed report, one paragraph per line.
pub fn seed_text(seed: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let entries = std::fs::read_dir(&dir).expect("tests/fixtures/seeds exists");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(seed) && name.ends_with(".txt") {
            return std::fs::read_to_string(entry.path()).expect("seed readable");
        }
    }
    panic!("no seed {seed} in {}", dir.display());
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An article page: the report's paragraphs inside an `<article>`, surrounded by an outlet's
/// furniture. `charset` is written in a `<meta charset>` tag.
pub fn article_page(outlet: &str, report: &Report, base_url: &str, charset: &str) -> String {
    let body: String = seed_text(report.seed)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("      <p>{}</p>\n", escape(l)))
        .collect();
    let title = escape(report.title);
    let url = format!("{base_url}{}", report.path);
    format!(
        r#"<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="{charset}">
  <title>{title} - {outlet}</title>
  <link rel="canonical" href="{url}">
  <meta property="og:site_name" content="{outlet}">
  <meta property="og:title" content="{title}">
  <script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}","datePublished":"{date}T08:30:00+02:00","author":{{"@type":"Person","name":"Rédaction {outlet}"}}}}</script>
  <script>window.dataLayer = window.dataLayer || []; function track(e) {{ dataLayer.push(e); }}</script>
  <style>.share a {{ margin: 0 4px; }}</style>
</head>
<body>
  <div id="didomi-host" class="didomi-popup">
    <p>Nous et nos partenaires utilisons des cookies pour stocker et accéder à des informations sur votre terminal. En cliquant sur « Tout accepter », vous consentez à ces traitements.</p>
    <button>Tout accepter</button><button>Paramétrer vos choix</button>
  </div>
  <header>
    <a href="/">{outlet}</a>
    <nav><ul><li><a href="/international">International</a></li><li><a href="/politique">Politique</a></li><li><a href="/economie">Économie</a></li><li><a href="/sport">Sport</a></li></ul></nav>
  </header>
  <main>
    <article>
      <h1>{title}</h1>
      <div class="share"><a href="https://www.facebook.com/sharer">Facebook</a><a href="https://twitter.com/intent/tweet">Twitter</a><a href="mailto:">E-mail</a></div>
{body}    </article>
    <aside class="related">
      <h2>Sur le même sujet</h2>
      <ul><li><a href="/2021/01/01/autre">Les États-Unis réduisent leur présence militaire en Irak</a></li><li><a href="/2020/01/03/soleimani">Qui était Qassem Soleimani ?</a></li></ul>
    </aside>
  </main>
  <footer><p>© {outlet} 2024 — Mentions légales — Politique de confidentialité — Nous contacter</p></footer>
</body>
</html>
"#,
        date = report.date,
    )
}

/// An RSS 2.0 feed listing `items` as (title, link, YYYY-MM-DD date).
pub fn rss_feed(outlet: &str, base_url: &str, items: &[(&str, String, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link, date)| {
            let pub_date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .expect("fixture date")
                .and_hms_opt(6, 30, 0)
                .expect("valid time")
                .and_utc()
                .to_rfc2822();
            format!(
                "    <item><title>{}</title><link>{}</link><guid>{}</guid><pubDate>{pub_date}</pubDate></item>\n",
                escape(title),
                escape(link),
                escape(link)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n  <channel>\n    <title>{}</title>\n    <link>{base_url}/</link>\n    <description>Les dernières nouvelles</description>\n{items}  </channel>\n</rss>\n",
        escape(outlet)
    )
}

/// An Atom feed listing `items` as (title, link, YYYY-MM-DD date).
pub fn atom_feed(outlet: &str, base_url: &str, items: &[(&str, String, &str)]) -> String {
    let entries: String = items
        .iter()
        .map(|(title, link, date)| {
            format!(
                "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" href=\"{}\"/>\n    <id>{}</id>\n    <updated>{date}T06:30:00Z</updated>\n    <published>{date}T06:30:00Z</published>\n  </entry>\n",
                escape(title),
                escape(link),
                escape(link)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{}</title>\n  <id>{base_url}/</id>\n  <updated>2024-07-17T10:00:00Z</updated>\n{entries}</feed>\n",
        escape(outlet)
    )
}

/// A feeds.toml: `settings` lines under `[settings]`, then one outlet in `lang` per (name,
/// server) with the feed `/rss.xml` of that server.
pub fn feeds_config(
    settings: &str,
    lang: &str,
    outlets: &[(&str, &crate::common::server::TestServer)],
) -> String {
    let mut text = format!("[settings]\n{settings}");
    for (name, server) in outlets {
        text.push_str(&format!(
            "\n[[outlet]]\nname = \"{name}\"\nlang = \"{lang}\"\nfeeds = [\"{}/rss.xml\"]\n",
            server.base()
        ));
    }
    text
}
