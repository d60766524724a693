//! The summary as one self-contained HTML page: styles inline, the chart an inline SVG drawn
//! here, rule documentation in `<details>`; no script and nothing fetched at view time. Every
//! element a test counts carries a `data-` attribute. Text from the pack or the records (rule
//! titles, health-center names, ids) is escaped.

use std::fmt::Write;

use super::{Summary, rate};
use crate::options::Locale;

/// Styles, scoped under `.kakunin-report` so the fragment can sit inside a notebook.
const STYLE: &str = r#"
.kakunin-report{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",system-ui,sans-serif;color:#1f2328;max-width:1200px;margin:0 auto;padding:16px;line-height:1.5}
.kakunin-report h1{font-size:1.5em;margin:0 0 4px}
.kakunin-report h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.kakunin-report h3{font-size:1em;margin:12px 0 4px}
.kakunin-report .meta,.kakunin-report .note{color:#57606a;font-size:.9em;margin:4px 0}
.kakunin-report .cards{display:flex;flex-wrap:wrap;gap:12px}
.kakunin-report .card{border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:150px}
.kakunin-report .card .value{display:block;font-size:1.8em;font-weight:600}
.kakunin-report .card .sub{color:#57606a;font-size:.85em}
.kakunin-report .card.error .value{color:#c62828}
.kakunin-report .card.warning .value{color:#b26a00}
.kakunin-report .scroll{overflow-x:auto}
.kakunin-report table{border-collapse:collapse;font-size:.9em}
.kakunin-report th,.kakunin-report td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
.kakunin-report th{background:#f6f8fa;font-weight:600}
.kakunin-report tbody th{white-space:nowrap}
.kakunin-report td.share{text-align:left;white-space:nowrap;font-variant-numeric:tabular-nums}
.kakunin-report summary code{color:#57606a;margin-left:.5em;font-size:.8em}
.kakunin-report td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.kakunin-report th.vertical{writing-mode:vertical-rl;white-space:nowrap;vertical-align:bottom}
.kakunin-report td.cell{text-align:right;font-variant-numeric:tabular-nums;min-width:3.2em}
.kakunin-report details summary{cursor:pointer}
.kakunin-report details p{margin:4px 0;white-space:pre-line;max-width:60em}
.kakunin-report code{font-size:.9em}
.kakunin-report .sev{border-radius:4px;padding:0 4px;font-size:.85em}
.kakunin-report .sev.error{background:#fde2e1;color:#8b1c1c}
.kakunin-report .sev.warning{background:#fff1cc;color:#7a4b00}
.kakunin-report .sev.info{background:#e0efff;color:#0b4a8b}
.kakunin-report .bar{display:inline-block;height:.7em;background:#c62828;vertical-align:middle;margin-right:4px}
.kakunin-report svg text{font-size:11px;fill:#57606a}
.kakunin-report svg .grid{stroke:#eaeef2}
.kakunin-report svg .axis{stroke:#8c959f}
.kakunin-report svg .line{fill:none;stroke-width:2}
.kakunin-report svg .error{stroke:#c62828;fill:#c62828}
.kakunin-report svg .warning{stroke:#d98e04;fill:#d98e04}
.kakunin-report svg .line.error,.kakunin-report svg .line.warning{fill:none}
.kakunin-report ul.ids{columns:3 16em;padding-left:1.2em}
"#;

/// The words of the page in both languages.
struct Words {
    locale: Locale,
}

impl Words {
    fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            Locale::Ja => ja,
            Locale::En => en,
        }
    }
}

/// HTML-escapes text for element content and attribute values (the HTML of reports and of
/// findings in notebooks).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` → `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part / whole` as a percentage with one decimal, rounded half up in integers (so a page
/// reader recomputing it from the counts gets the same digits; floats would round 20.35 down).
fn percent(part: usize, whole: usize) -> String {
    let whole = whole.max(1) as u128;
    let tenths = (part as u128 * 2000 + whole) / (2 * whole);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A cell's background: stronger as its value nears the table's largest.
fn shade(value: f64, max: f64) -> String {
    let alpha = if max > 0.0 && value > 0.0 {
        0.08 + 0.6 * value / max
    } else {
        0.0
    };
    format!("background:rgba(198,40,40,{alpha:.2})")
}

/// The whole page.
pub(super) fn document(s: &Summary) -> String {
    let w = Words { locale: s.locale };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {pack}</title>\n</head>\n<body>\n{body}</body>\n</html>\n",
        lang = w.t("ja", "en"),
        title = w.t("データ品質レポート", "Data quality report"),
        pack = escape_html(&s.pack_title),
        body = fragment(s),
    )
}

/// The report in a `<div class="kakunin-report">` with its styles.
pub(super) fn fragment(s: &Summary) -> String {
    let w = Words { locale: s.locale };
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<div class=\"kakunin-report\">\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n");
    header(&mut out, s, &w);
    headline(&mut out, s, &w);
    rules(&mut out, s, &w);
    heatmap(&mut out, s, &w);
    trend(&mut out, s, &w);
    completeness(&mut out, s, &w);
    cross(&mut out, s, &w);
    let _ = writeln!(
        out,
        "<p class=\"note\">{}</p>\n</div>",
        w.t(
            "このレポートには件数・割合・ルールID・記録IDのみを含み、氏名・住所・電話番号などの個人の値は含みません。",
            "This report holds counts, rates, rule ids and record ids only: no personal value (name, address, phone…)."
        )
    );
    out
}

fn by_label(s: &Summary, w: &Words) -> String {
    s.by.as_ref().map_or_else(
        || w.t("全体", "All records").to_owned(),
        |b| b.label.clone(),
    )
}

fn value_label(value: Option<&str>, w: &Words) -> String {
    match value {
        Some(v) if v == Summary::other() => w
            .t("その他（上限超過）", "Others (past the limit)")
            .to_owned(),
        Some(v) => v.to_owned(),
        None => w.t("（未入力）", "(not entered)").to_owned(),
    }
}

fn header(out: &mut String, s: &Summary, w: &Words) {
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p class=\"meta\">{} {} {} · {}: {} · {}: {} · {}: {}</p>",
        w.t("データ品質レポート", "Data quality report"),
        escape_html(&s.pack_title),
        escape_html(&s.pack.name),
        escape_html(&s.pack.version),
        w.t("確認日", "As of"),
        escape_html(&s.as_of),
        w.t("集計単位", "Broken down by"),
        escape_html(&by_label(s, w)),
        w.t("期間", "Period"),
        match s.period {
            super::Period::Week => w.t("週（月曜始まり）", "week (from Monday)"),
            super::Period::Month => w.t("月", "month"),
        },
    );
}

fn headline(out: &mut String, s: &Summary, w: &Words) {
    let t = &s.totals;
    let card = |out: &mut String,
                key: &str,
                class: &str,
                value: String,
                label: &str,
                sub: String| {
        let _ = writeln!(
            out,
            "<div class=\"card {class}\" data-key=\"{key}\"><span class=\"value\">{value}</span>{label}<br><span class=\"sub\">{sub}</span></div>"
        );
    };
    out.push_str("<section id=\"headline\">\n<div class=\"cards\">\n");
    card(
        out,
        "records",
        "",
        thousands(t.records),
        w.t("件の記録", "records"),
        format!("{} {}", thousands(t.checked), w.t("件を確認", "checked")),
    );
    card(
        out,
        "errors",
        "error",
        percent(t.with_errors, t.checked),
        w.t("エラーのある記録", "with at least one error"),
        format!("{} / {}", thousands(t.with_errors), thousands(t.checked)),
    );
    card(
        out,
        "warnings",
        "warning",
        percent(t.with_warnings, t.checked),
        w.t("警告のある記録", "with warnings"),
        format!("{} / {}", thousands(t.with_warnings), thousands(t.checked)),
    );
    card(
        out,
        "unreadable",
        "",
        thousands(t.unreadable + t.failed),
        w.t("読み取れない記録", "unreadable records"),
        format!(
            "{} {} · {} {}",
            thousands(t.unreadable),
            w.t("読取不可", "not records"),
            thousands(t.failed),
            w.t("判定不能", "not judged")
        ),
    );
    out.push_str("</div>\n</section>\n");
}

fn rules(out: &mut String, s: &Summary, w: &Words) {
    let _ = writeln!(
        out,
        "<section id=\"rules\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        w.t("ルール別の該当記録数", "Rules by records affected"),
        w.t(
            "ルール名をクリックすると、何を確認するか・なぜ重要かが表示されます。",
            "Click a rule's title for what it checks and why it matters."
        )
    );
    if s.rules.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>\n</section>",
            w.t("指摘はありません。", "No findings.")
        );
        return;
    }
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table class=\"rules\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        w.t("ルール", "Rule"),
        w.t("重大度", "Severity"),
        w.t("該当記録", "Records"),
        w.t("割合", "Share"),
        w.t("指摘数", "Findings"),
    );
    let max = s.rules.iter().map(|r| r.records).max().unwrap_or(0);
    for r in &s.rules {
        let doc = if r.doc.is_empty() {
            String::new()
        } else {
            format!(
                "<p>{}</p><p class=\"note\">{}: {}</p>",
                escape_html(r.doc.trim()),
                w.t("根拠", "Source"),
                escape_html(&r.source)
            )
        };
        let _ = writeln!(
            out,
            "<tr data-rule=\"{id}\" data-records=\"{records}\"><td><details><summary>{title}<code>{id}</code></summary>{doc}</details></td>\
             <td><span class=\"sev {sev}\">{sev}</span></td><td class=\"num\">{records_text}</td>\
             <td class=\"share\"><span class=\"bar\" style=\"width:{bar:.0}px\"></span>{share}</td><td class=\"num\">{findings}</td></tr>",
            id = escape_html(&r.id),
            records = r.records,
            title = escape_html(&r.title),
            sev = r.severity,
            records_text = thousands(r.records),
            bar = 80.0 * rate(r.records, max),
            share = percent(r.records, s.totals.checked),
            findings = thousands(r.findings),
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn heatmap(out: &mut String, s: &Summary, w: &Words) {
    let _ = writeln!(
        out,
        "<section id=\"heatmap\">\n<h2>{} × {}</h2>\n<p class=\"note\">{}</p>",
        w.t("ルールグループ", "Rule group"),
        escape_html(&by_label(s, w)),
        w.t(
            "各セルは、その行の記録のうちそのグループの指摘が1件以上ある記録の割合です。",
            "Each cell is the share of the row's records with at least one finding of the group."
        )
    );
    let max = s
        .breakdown
        .iter()
        .flat_map(|r| r.groups.iter().map(move |&n| rate(n, r.records)))
        .fold(0.0, f64::max);
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"heat\">\n<thead><tr><th>{}</th><th>{}</th>",
        escape_html(&by_label(s, w)),
        w.t("記録数", "Records"),
    );
    for g in &s.groups {
        let _ = write!(out, "<th data-group=\"{0}\">{0}</th>", escape_html(g));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &s.breakdown {
        let _ = write!(
            out,
            "<tr><th>{}</th><td class=\"num\">{}</td>",
            escape_html(&value_label(row.value.as_deref(), w)),
            thousands(row.records)
        );
        for (g, &n) in s.groups.iter().zip(&row.groups) {
            let r = rate(n, row.records);
            let _ = write!(
                out,
                "<td class=\"cell\" data-group=\"{}\" data-count=\"{n}\" title=\"{n} / {}\" style=\"{}\">{}</td>",
                escape_html(g),
                row.records,
                shade(r, max),
                percent(n, row.records)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// Which records of a period a line of the chart counts.
type PeriodCount = fn(&super::PeriodRow) -> usize;

/// The line chart of error and warning rates by period, drawn as SVG.
fn trend(out: &mut String, s: &Summary, w: &Words) {
    let _ = writeln!(
        out,
        "<section id=\"trend\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        match s.period {
            super::Period::Week => w.t(
                "診断週別のエラー・警告の割合",
                "Error and warning rates by week of diagnosis"
            ),
            super::Period::Month => w.t(
                "診断月別のエラー・警告の割合",
                "Error and warning rates by month of diagnosis"
            ),
        },
        escape_html(&format!(
            "{} {}",
            w.t(
                "基準日（診断年月日、なければ報告年月日）で集計。基準日のない記録:",
                "By reference date (diagnosis date, else report date). Records without one:"
            ),
            thousands(s.undated)
        ))
    );
    if s.periods.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>\n</section>",
            w.t(
                "基準日のある記録がありません。",
                "No record has a reference date."
            )
        );
        return;
    }
    const WIDTH: f64 = 760.0;
    const HEIGHT: f64 = 260.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 56.0;
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let n = s.periods.len();
    let top_rate = s
        .periods
        .iter()
        .flat_map(|p| {
            [
                rate(p.with_errors, p.records),
                rate(p.with_warnings, p.records),
            ]
        })
        .fold(0.0, f64::max);
    // The axis ends at the next 10 %, so small rates are not flattened against the floor.
    let y_max = ((top_rate * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
    let x = |i: usize| {
        if n == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |r: f64| TOP + plot_h * (1.0 - r / y_max);
    let _ = writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{}\" data-points=\"{n}\">",
        w.t(
            "エラー・警告の割合の推移",
            "Error and warning rates over time"
        )
    );
    for step in 0..=4 {
        let r = y_max * f64::from(step) / 4.0;
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}%</text>",
            WIDTH - RIGHT,
            LEFT - 4.0,
            y(r) + 4.0,
            // 7.5 %, not a rounded 8 %, for the ticks of a 30 % axis.
            format!("{:.1}", r * 100.0).trim_end_matches(".0"),
            y = y(r),
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
        WIDTH - RIGHT,
        TOP + plot_h,
        TOP + plot_h
    );
    // At most about 12 labels under the axis.
    let every = n.div_ceil(12);
    for (i, p) in s.periods.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"end\" transform=\"rotate(-35 {x:.1} {:.1})\">{}</text>",
            TOP + plot_h + 14.0,
            TOP + plot_h + 14.0,
            escape_html(&p.period),
            x = x(i),
        );
    }
    let series: [(&str, &str, PeriodCount); 2] = [
        ("error", w.t("エラー", "errors"), |p| p.with_errors),
        ("warning", w.t("警告", "warnings"), |p| p.with_warnings),
    ];
    let radius = if n > 60 { 2 } else { 3 };
    for (class, name, count) in series {
        let points: Vec<String> = s
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(rate(count(p), p.records))))
            .collect();
        let _ = writeln!(
            out,
            "<polyline class=\"line {class}\" data-series=\"{class}\" points=\"{}\"/>",
            points.join(" ")
        );
        for (i, p) in s.periods.iter().enumerate() {
            let r = rate(count(p), p.records);
            let _ = writeln!(
                out,
                "<circle class=\"point {class}\" data-series=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\"><title>{} {name}: {} ({} / {})</title></circle>",
                x(i),
                y(r),
                escape_html(&p.period),
                percent(count(p), p.records),
                count(p),
                p.records
            );
        }
    }
    for (k, (class, name, _)) in series.iter().enumerate() {
        let lx = LEFT + 8.0 + 110.0 * k as f64;
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" x=\"{lx:.1}\" y=\"6\" width=\"12\" height=\"4\"/><text x=\"{:.1}\" y=\"12\">{name}</text>",
            lx + 16.0
        );
    }
    out.push_str("</svg>\n</section>\n");
}

fn completeness(out: &mut String, s: &Summary, w: &Words) {
    let _ = writeln!(
        out,
        "<section id=\"completeness\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        w.t(
            "必須項目（感染症法第12条の届出項目）の入力率",
            "Completeness of the required items (Article 12 notification)"
        ),
        w.t(
            "入力が必要な記録のうち、入力されていた割合（required/ の指摘がない割合）。",
            "Share of records holding the item where it is required (no required/ finding on it)."
        )
    );
    if s.items.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>\n</section>",
            w.t(
                "このパックには必須項目のルールがありません。",
                "The pack has no required-item rules."
            )
        );
        return;
    }
    let max_missing = s
        .breakdown
        .iter()
        .flat_map(|r| r.missing.iter().map(move |&m| rate(m, r.records)))
        .fold(0.0, f64::max);
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"completeness\">\n<thead><tr><th>{}</th><th>{}</th>",
        escape_html(&by_label(s, w)),
        w.t("記録数", "Records")
    );
    for item in &s.items {
        let _ = write!(
            out,
            "<th class=\"vertical\" data-item=\"{}\" title=\"{}\">{}</th>",
            escape_html(&item.path),
            escape_html(&item.path),
            escape_html(&item.label)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &s.breakdown {
        let _ = write!(
            out,
            "<tr><th>{}</th><td class=\"num\">{}</td>",
            escape_html(&value_label(row.value.as_deref(), w)),
            thousands(row.records)
        );
        for &missing in &row.missing {
            let gap = rate(missing, row.records);
            let _ = write!(
                out,
                "<td class=\"cell\" data-missing=\"{missing}\" title=\"{missing} / {}\" style=\"{}\">{}</td>",
                row.records,
                shade(gap, max_missing),
                percent(row.records - missing, row.records)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn cross(out: &mut String, s: &Summary, w: &Words) {
    let _ = writeln!(
        out,
        "<section id=\"duplicates\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        w.t(
            "記録をまたぐ指摘（重複の疑い）",
            "Cross-record findings (probable duplicates)"
        ),
        w.t(
            "記録IDと、同じ組になった記録のID。",
            "Record ids, with the ids of the records they were matched with."
        )
    );
    if s.cross.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            w.t("該当する記録はありません。", "No record was flagged.")
        );
    }
    for row in &s.cross {
        let _ = writeln!(
            out,
            "<h3>{} <code>{}</code> ({})</h3>\n<ul class=\"ids\" data-rule=\"{}\">",
            escape_html(&row.title),
            escape_html(&row.rule),
            thousands(row.records.len()),
            escape_html(&row.rule)
        );
        for f in &row.records {
            let others = if f.others.is_empty() {
                String::new()
            } else {
                format!(" ↔ {}", escape_html(&f.others.join(", ")))
            };
            let _ = writeln!(
                out,
                "<li data-id=\"{0}\">{0}{others}</li>",
                escape_html(&f.id)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}
