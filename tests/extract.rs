//! `newsfold extract` on the pages of `tests/fixtures/pages/` (one quirk per page, see the
//! README there): the text that must come out, the text that must not, and the metadata.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pages")
        .join(name)
}

/// Runs `newsfold extract` on one fixture and returns its JSON line.
fn extract(name: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .arg("extract")
        .arg(fixture(name))
        .output()
        .expect("running newsfold");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let mut lines = stdout.lines();
    let line = lines.next().unwrap_or_else(|| panic!("{name}: no output"));
    assert!(lines.next().is_none(), "{name}: one line per file");
    serde_json::from_str(line).expect("a JSON line")
}

/// Checks snippets that must and must not be in the extracted text.
fn check(name: &str, must: &[&str], must_not: &[&str]) -> Value {
    let line = extract(name);
    let text = line["text"].as_str().expect("text");
    for m in must {
        assert!(text.contains(m), "{name}: missing {m:?} in\n{text}");
    }
    for m in must_not {
        assert!(!text.contains(m), "{name}: unwanted {m:?} in\n{text}");
    }
    line
}

#[test]
fn table_rows_named_after_their_data_are_kept() {
    check(
        "table-row-class-names.html",
        &[
            "Nesta página você terá sempre",
            "Pos. | Piloto | Pontos | Vitórias",
            "1 | Ana Ribeiro | 5040 | 5",
            "4 | Diego Fontes | 5027 | 6",
            "Somente os doze primeiros",
        ],
        &["Mais lidas", "novo patrocinador", "Início"],
    );
}

#[test]
fn date_and_author_markup_in_the_body_is_metadata() {
    let line = check(
        "date-markup-in-body.html",
        &[
            "A organização divulgou",
            "1a etapa: 10 de março",
            "sujeito a alterações",
        ],
        &["segunda-feira, 22 de janeiro", "Paulo Andrade"],
    );
    assert_eq!(line["authors"], serde_json::json!(["Paulo Andrade"]));
}

#[test]
fn a_line_of_tag_links_is_not_text() {
    check(
        "tag-links.html",
        &["The harbour bridge reopened", "acted on earlier warnings."],
        &["Tags", "council works", "cable repairs"],
    );
}

#[test]
fn a_section_headed_as_related_reading_is_left_out() {
    let line = check(
        "related-section.html",
        &[
            "Après dix-huit mois de travaux",
            "retrouver sa clientèle d'avant les travaux.",
        ],
        &[
            "À lire aussi",
            "piste cyclable",
            "club de rugby",
            "brocante",
            "Partager",
        ],
    );
    assert_eq!(line["title"], "Le marché couvert rouvre ses portes");
    assert_eq!(line["lang"], "fr");
}

#[test]
fn scripts_comments_and_svg_give_no_text_and_take_none() {
    let line = check(
        "scripts-and-svg.html",
        &[
            "The city council approved on Monday",
            "should open in the spring of next year",
            "Opponents had argued",
        ],
        &[
            "Script template",
            "Style text",
            "Commented-out",
            "Logo text",
            "document.write",
        ],
    );
    assert_eq!(line["authors"], serde_json::json!(["Maria Lopez"]));
    assert_eq!(line["published"], "2024-03-05T09:30:00Z");
}

#[test]
fn undeclared_gzipped_utf8_reads_as_utf8() {
    let line = check(
        "undeclared-utf8-cyrillic.html.gz",
        &[
            "Центральный парк города вновь откроется",
            "концерты под открытым небом.",
        ],
        &["Главная", "\u{FFFD}"],
    );
    assert_eq!(line["lang"], "ru");
}

#[test]
fn teasers_in_a_related_box_do_not_pull_the_article_up() {
    check(
        "related-section-short.html",
        &[
            "Après dix-huit mois de travaux",
            "« On attendait ce jour depuis longtemps »",
        ],
        &[
            "À lire aussi",
            "piste cyclable",
            "club de rugby",
            "brocante",
            "exposition",
        ],
    );
}

#[test]
fn photo_sliders_and_a_most_popular_box_are_furniture() {
    check(
        "slider-and-popular-box.html",
        &[
            "Мастер по ремонту бытовой техники рассказал",
            "Прежде всего стоит проверить подошву",
            "придётся проглаживать дважды.",
        ],
        &[
            "личный архив",
            "Самые популярные",
            "стиральной машине",
            "пылесос выбрать",
        ],
    );
}

#[test]
fn a_binary_file_named_html_is_an_error_and_the_others_go_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A PNG's signature and header chunk, then image bytes: what a mislabelled download
    // of a photo looks like.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0".to_vec();
    png.extend((0u32..2000).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(dir.path().join("a-photo.html"), &png).expect("write");
    std::fs::copy(fixture("tag-links.html"), dir.path().join("b-page.html")).expect("copy");
    let out = Command::new(env!("CARGO_BIN_EXE_newsfold"))
        .arg("extract")
        .arg(dir.path())
        .output()
        .expect("running newsfold");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a skipped file makes exit 1");
    assert!(
        stderr.contains("a-photo.html") && stderr.contains("binary"),
        "names the file and says why: {stderr}"
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let sources: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["source"].to_string())
        .collect();
    assert_eq!(sources.len(), 1, "only the page: {sources:?}");
    assert!(sources[0].contains("b-page.html"), "{sources:?}");
}
