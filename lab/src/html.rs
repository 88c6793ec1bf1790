//! `hostnet lab --html FILE`: the report as one self-contained page — the
//! guests and their leases, the reachability table with ✓/✗ per cell, the
//! probes that differ, the lab's notes, and the picture of the network
//! (`hostnet graph`).
//!
//! Pure: [`page`] turns a [`Report`] and a [`Picture`] into the page's text.
//! Nothing in it is fetched: no script, no stylesheet, no font or image
//! outside the file; the picture is inline SVG, or its Mermaid source when
//! Graphviz is not installed.

use std::fmt::Write as _;

use crate::run::Report;

/// The network's picture on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picture {
    /// Graphviz's SVG (`dot -Tsvg`), inlined.
    Svg(String),
    /// No SVG could be drawn: the Mermaid source, and why.
    Source {
        /// The Mermaid text (`hostnet graph --format mermaid`).
        mermaid: String,
        /// Why there is no SVG (`Graphviz's dot is not installed`).
        why: String,
    },
}

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#1b1b1b}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eee}
tr.ok td.mark{color:#1a7f37;font-weight:bold}
tr.bad td{background:#ffebe9}tr.bad td.mark{color:#cf222e;font-weight:bold}
p.verdict{font-weight:bold;padding:.4em .6em;display:inline-block}
p.verdict.ok{background:#dafbe1}p.verdict.bad{background:#ffebe9}
code,pre{font-family:ui-monospace,monospace}
pre{background:#f6f8fa;padding:.8em;overflow:auto}
figure{margin:0;overflow:auto}figure svg{max-width:100%;height:auto}
";

/// `text` with `& < > " '` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The SVG element alone: Graphviz's output without its XML prolog,
/// DOCTYPE and comments before `<svg`, which HTML does not take inline.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |start| &svg[start..]).trim_end()
}

/// The verdict line: every cell as promised, or how many differ.
fn verdict(report: &Report) -> (bool, String) {
    let failed = report.cells.iter().filter(|cell| !cell.ok).count();
    if failed > 0 {
        let cells = if failed == 1 { "cell differs" } else { "cells differ" };
        (
            false,
            format!("{failed} {cells} from the promise of {} mode", report.mode),
        )
    } else if report.ok {
        (true, format!("every cell as {} mode promises", report.mode))
    } else {
        (
            false,
            "every cell as promised, but a guest did not get its lease".to_owned(),
        )
    }
}

fn guests(out: &mut String, report: &Report) {
    if report.guests.is_empty() {
        return;
    }
    out.push_str("<h2>Guests</h2>\n<table>\n<tr><th>guest</th><th>TAP</th><th>MAC</th><th>fixed lease</th><th>lease</th><th>router</th><th>DHCP client runs</th>");
    let qemu = report.guests.iter().any(|guest| guest.qemu.is_some());
    if qemu {
        out.push_str("<th>QEMU</th>");
    }
    out.push_str("</tr>\n");
    for guest in &report.guests {
        let class = if guest.lease.is_some() { "ok" } else { "bad" };
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&guest.name),
            escape(&guest.tap),
            escape(&guest.mac),
            escape(guest.fixed.as_deref().unwrap_or("none")),
            escape(guest.lease.as_deref().unwrap_or("none")),
            escape(if guest.router.is_empty() { "none" } else { &guest.router }),
            guest.dhcp_runs,
        );
        if qemu {
            let text = guest.qemu.as_ref().map_or_else(String::new, |qemu| {
                format!(
                    "{}, {:.1} s: MAC {}, driver {}",
                    qemu.accel, qemu.seconds, qemu.mac, qemu.driver
                )
            });
            let _ = write!(out, "<td>{}</td>", escape(&text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn cells(out: &mut String, report: &Report) {
    out.push_str("<h2>Who reaches whom</h2>\n<table class=\"cells\">\n<tr><th></th><th>cell</th><th>promised</th><th>measured</th></tr>\n");
    for cell in &report.cells {
        let (class, mark) = if cell.ok { ("ok", "✓") } else { ("bad", "✗") };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td class=\"mark\">{mark}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(cell.column),
            escape(&cell.promised),
            escape(&cell.measured),
        );
    }
    out.push_str("</table>\n");
    let wrong: Vec<_> = report.probes.iter().filter(|probe| !probe.ok).collect();
    if !wrong.is_empty() {
        out.push_str("<h2>Probes that differ</h2>\n<table>\n<tr><th>cell</th><th>probe</th><th>path</th><th>got</th><th>promised</th></tr>\n");
        for probe in wrong {
            let _ = writeln!(
                out,
                "<tr class=\"bad\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(probe.column.unwrap_or("(lab control)")),
                escape(probe.kind),
                escape(&probe.path),
                escape(&probe.outcome),
                escape(&probe.want),
            );
        }
        out.push_str("</table>\n");
    }
}

fn picture(out: &mut String, picture: &Picture) {
    out.push_str("<h2>The network</h2>\n");
    match picture {
        Picture::Svg(svg) => {
            let _ = writeln!(out, "<figure>\n{}\n</figure>", inline_svg(svg));
        }
        Picture::Source { mermaid, why } => {
            let _ = writeln!(
                out,
                "<p>{} — the picture's Mermaid source (it renders on forges and in Mermaid's editors):</p>\n<pre class=\"mermaid-source\">{}</pre>",
                escape(why),
                escape(mermaid.trim_end()),
            );
        }
    }
}

/// The whole page.
pub fn page(report: &Report, diagram: &Picture) -> String {
    let (ok, verdict) = verdict(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hostnet lab: {playbook}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>hostnet lab: <code>{playbook}</code></h1>\n<p>{mode} mode, {firewall}, {path}</p>\n<p class=\"verdict {class}\">{mark} {verdict}</p>\n",
        playbook = escape(&report.playbook),
        mode = escape(report.mode),
        firewall = escape(report.firewall),
        path = escape(report.path),
        class = if ok { "ok" } else { "bad" },
        mark = if ok { "✓" } else { "✗" },
        verdict = escape(&verdict),
    );
    guests(&mut out, report);
    cells(&mut out, report);
    if !report.notes.is_empty() {
        out.push_str("<h2>Notes</h2>\n<ul>\n");
        for note in &report.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>\n");
    }
    picture(&mut out, diagram);
    let _ = write!(
        out,
        "<p><small>Written by <code>hostnet lab --html</code> {}.</small></p>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::{Cell, ProbeResult};
    use crate::run::GuestResult;

    fn report(ok: bool) -> Report {
        Report {
            playbook: "playbooks/<nat>.yml".to_owned(),
            mode: "nat",
            firewall: "iptables",
            path: "runtime",
            guests: vec![GuestResult {
                name: "vm1".to_owned(),
                tap: "tap0".to_owned(),
                mac: "52:54:00:12:34:01".to_owned(),
                lease: Some("192.168.100.11".to_owned()),
                router: "192.168.100.1".to_owned(),
                fixed: Some("192.168.100.11".to_owned()),
                dhcp_runs: 1,
                qemu: None,
            }],
            cells: vec![
                Cell {
                    column: "g→LAN",
                    promised: "yes as host's uplink".to_owned(),
                    measured: "ping yes / tcp yes as 192.168.1.10".to_owned(),
                    ok: true,
                },
                Cell {
                    column: "g→inet",
                    promised: "yes as host's uplink".to_owned(),
                    measured: if ok { "ping yes" } else { "ping no" }.to_owned(),
                    ok,
                },
            ],
            probes: vec![ProbeResult {
                column: Some("g→inet"),
                kind: "ping",
                path: "vm1→203.0.113.10".to_owned(),
                want: "delivered".to_owned(),
                outcome: if ok { "delivered" } else { "no reply" }.to_owned(),
                ok,
            }],
            ok,
            kept: Vec::new(),
            kept_dir: None,
            notes: vec!["the lab renamed <eth0> as udev would".to_owned()],
        }
    }

    #[test]
    fn escapes_what_html_would_read() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn a_kept_promise_lists_every_cell_with_a_tick() {
        let page = page(
            &report(true),
            &Picture::Svg(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<!-- dot -->\n<svg width=\"1\"><g/></svg>\n".to_owned(),
            ),
        );
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"), "{page}");
        assert!(
            page.contains("<title>hostnet lab: playbooks/&lt;nat&gt;.yml</title>"),
            "{page}"
        );
        assert!(
            page.contains("<p class=\"verdict ok\">✓ every cell as nat mode promises</p>"),
            "{page}"
        );
        assert!(page.contains(
            "<tr class=\"ok\"><td class=\"mark\">✓</td><td>g→LAN</td><td>yes as host&#39;s uplink</td><td>ping yes / tcp yes as 192.168.1.10</td></tr>"
        ), "{page}");
        assert!(page.contains("<tr class=\"ok\"><td>vm1</td><td>tap0</td><td><code>52:54:00:12:34:01</code></td><td>192.168.100.11</td><td>192.168.100.11</td><td>192.168.100.1</td><td>1</td></tr>"), "{page}");
        assert!(
            page.contains("<figure>\n<svg width=\"1\"><g/></svg>\n</figure>"),
            "{page}"
        );
        assert!(!page.contains("<?xml"), "{page}");
        assert!(!page.contains("Probes that differ"), "{page}");
        assert!(
            page.contains("<h2>Notes</h2>\n<ul>\n<li>the lab renamed &lt;eth0&gt; as udev would</li>\n</ul>\n"),
            "{page}"
        );
    }

    #[test]
    fn a_broken_promise_is_crossed_and_its_probe_listed() {
        let page = page(
            &report(false),
            &Picture::Source {
                mermaid: "flowchart LR\n  a --> b\n".to_owned(),
                why: "Graphviz's `dot` is not installed".to_owned(),
            },
        );
        assert!(
            page.contains("<p class=\"verdict bad\">✗ 1 cell differs from the promise of nat mode</p>"),
            "{page}"
        );
        assert!(page.contains(
            "<tr class=\"bad\"><td class=\"mark\">✗</td><td>g→inet</td><td>yes as host&#39;s uplink</td><td>ping no</td></tr>"
        ), "{page}");
        assert!(page.contains(
            "<tr class=\"bad\"><td>g→inet</td><td>ping</td><td>vm1→203.0.113.10</td><td>no reply</td><td>delivered</td></tr>"
        ), "{page}");
        assert!(page.contains(
            "<p>Graphviz&#39;s `dot` is not installed — the picture's Mermaid source (it renders on forges and in Mermaid's editors):</p>\n<pre class=\"mermaid-source\">flowchart LR\n  a --&gt; b</pre>"
        ), "{page}");
    }
}
