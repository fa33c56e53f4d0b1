//! `sso populate` planned, no I/O: one config profile per account × role an SSO session
//! reaches, named from a template and made safe for every reader, marked with the session that
//! generated it; pairs already configured (by hand or by an earlier run) left alone, so a
//! second run changes nothing; a prune that removes only this session's own generated
//! profiles whose assignment is gone, and only after a complete listing — never one the user
//! has edited since, nor one another profile names as `source_profile`.

use super::config_map::{config_section_name, ConfigMap};
use super::document::{Document, EditError};
use super::syntax::{is_blank, is_blank_or_comment};
use std::collections::{BTreeSet, HashSet};

/// The key that marks a generated profile; its value names the session (`sso-session NAME`).
pub const MARKER: &str = "mfatui_generated_by";

/// The default name template.
pub const DEFAULT_TEMPLATE: &str = "{account_name}-{role_name}";

/// One account × role the session can reach.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    /// The account id.
    pub account_id: String,
    /// The account's name (anything: spaces, quotes, dots, Unicode).
    pub account_name: String,
    /// The role (permission set) name.
    pub role_name: String,
}

/// What the portal listed.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// Every assignment found.
    pub assignments: Vec<Assignment>,
    /// Why the listing is incomplete (a failed or cut-short call), if it is.
    pub incomplete: Option<String>,
}

/// How to populate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `sso-session`.
    pub session: String,
    /// Put before every name.
    pub prefix: String,
    /// `region` of new profiles.
    pub region: Option<String>,
    /// `{account_name}`, `{account_id}`, `{role_name}`, `{session}` are replaced.
    pub template: String,
    /// Remove this session's generated profiles whose assignment is gone.
    pub prune: bool,
}

/// The planned change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Populate {
    /// New profiles: name and assignment.
    pub add: Vec<(String, Assignment)>,
    /// Assignments already configured (by hand or generated before).
    pub present: usize,
    /// Generated profiles of this session to remove (their assignment is gone).
    pub prune: Vec<String>,
    /// Why nothing is pruned though asked (an incomplete listing).
    pub prune_held: Option<String>,
    /// Generated profiles whose assignment is gone but that are kept, each with why (edited
    /// since it was generated, or named by another profile's `source_profile`).
    pub kept: Vec<(String, String)>,
}

/// `value` made safe inside a profile name: ASCII letters, digits, `-` and `_` kept, every
/// other run of characters (spaces, quotes, dots, slashes, Unicode) one `-`, no `-` at the ends.
pub fn safe_part(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Whether `name` is a profile name every reader takes on a command line and in a header
/// unquoted: `--profile NAME` in the AWS CLI, botocore, the SDKs.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with(['-', '.'])
        && name != "default"
}

/// Why `sso populate` cannot plan: one sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PopulateError {
    /// The config file does not parse (it did when the map was built; a defence).
    #[error(transparent)]
    Syntax(#[from] super::syntax::SyntaxError),
    /// The name template makes a name that is not a safe profile name.
    #[error("the name template '{template}' (with prefix '{prefix}') gives '{name}', which is not a safe profile name: use letters, digits, '-', '_' and '.' around {{account_name}}, {{account_id}}, {{role_name}}, {{session}}")]
    UnsafeName {
        /// `--name`.
        template: String,
        /// `--prefix`.
        prefix: String,
        /// The name it gave.
        name: String,
    },
}

/// The template's name for `a`, or why it cannot be one.
pub fn name_for(opts: &Options, a: &Assignment) -> Result<String, PopulateError> {
    let name = format!(
        "{}{}",
        opts.prefix,
        opts.template
            .replace("{account_name}", &safe_part(&a.account_name))
            .replace("{account_id}", &a.account_id)
            .replace("{role_name}", &safe_part(&a.role_name))
            .replace("{session}", &safe_part(&opts.session))
    );
    if is_safe_name(&name) {
        Ok(name)
    } else {
        Err(PopulateError::UnsafeName {
            template: opts.template.clone(),
            prefix: opts.prefix.clone(),
            name,
        })
    }
}

/// The marker's value for `session`.
pub fn marker_value(session: &str) -> String {
    format!("sso-session {session}")
}

/// Why the generated profile `name` must not be pruned, if it must not: a section of it in
/// the config file holds anything beyond what populate writes (another key, another value,
/// a comment, a nested or continued value), the credentials file defines it too, or another
/// profile names it as `source_profile`.
fn keep_reason(
    map: &ConfigMap,
    config: &super::syntax::Structure,
    lines: &[&str],
    name: &str,
    opts: &Options,
) -> Option<String> {
    let referrers: Vec<&str> = map
        .profiles()
        .filter(|(other, p)| *other != name && p.get("source_profile") == Some(name))
        .map(|(other, _)| other)
        .collect();
    if !referrers.is_empty() {
        return Some(format!(
            "named as source_profile by {}",
            referrers
                .iter()
                .map(|r| format!("'{r}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if map
        .profile(name)
        .is_some_and(|p| p.credentials_section.is_some())
    {
        return Some("also defined in the credentials file".to_owned());
    }
    let marker = marker_value(&opts.session);
    let headers: Vec<usize> = config.sections().map(|s| s.header).collect();
    // Only key names and the region are named in the reason: another key's value may be a
    // secret (keys do get written into the config file).
    let edited = |what: String| Some(format!("edited since it was generated ({what})"));
    for section in config.sections() {
        let here = section.name.trim().strip_prefix("profile").map(|n| {
            let n = n.trim();
            n.strip_prefix('"')
                .and_then(|n| n.strip_suffix('"'))
                .unwrap_or(n)
        });
        if here != Some(name) {
            continue;
        }
        let end = headers
            .iter()
            .copied()
            .find(|h| *h > section.header)
            .unwrap_or(lines.len())
            .min(lines.len());
        let body = lines.get(section.header + 1..end).unwrap_or_default();
        // A comment anywhere in its lines (also one heading the next section, which a prune
        // would take away with it).
        if body.iter().any(|l| !is_blank(l) && is_blank_or_comment(l)) {
            return edited("a comment".to_owned());
        }
        let mut keys = HashSet::new();
        for e in section.entries {
            let key = &*e.key;
            if e.last_line() != e.line {
                return edited(format!("{key} spans several lines"));
            }
            match key {
                "sso_account_id" | "sso_role_name" => {}
                "sso_session" if e.value == opts.session => {}
                MARKER if e.value == marker => {}
                "sso_session" | MARKER => return edited(format!("{key} changed")),
                "region" if opts.region.as_deref() == Some(&*e.value) => {}
                "region" => {
                    return edited(format!(
                        "region = {}, which this run would not write; give --region {} if populate wrote it",
                        e.value, e.value
                    ))
                }
                _ => return edited(format!("{key} added")),
            }
            if !keys.insert(key) {
                return edited(format!("{key} twice"));
            }
        }
        if !keys.contains(MARKER) {
            return edited(format!("{MARKER} missing from one of its sections"));
        }
    }
    None
}

/// Plans populating from `listing` over the merged files `map`, read from `config` (the
/// config file's document, to tell a generated profile the user has edited since).
pub fn plan(
    map: &ConfigMap,
    config: &Document,
    listing: &Listing,
    opts: &Options,
) -> Result<Populate, PopulateError> {
    let start_url = map
        .sso_session(&opts.session)
        .and_then(|s| s.text("sso_start_url").map(str::to_owned));
    let marker = marker_value(&opts.session);
    // Pairs configured for this session already, by hand or generated.
    let mut configured: HashSet<(String, String)> = HashSet::new();
    let mut generated: Vec<(String, (String, String))> = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    for (name, p) in map.profiles() {
        taken.insert(name.to_owned());
        let ours = p.get("sso_session") == Some(opts.session.as_str())
            || (p.get("sso_session").is_none()
                && start_url.is_some()
                && p.get("sso_start_url") == start_url.as_deref());
        if let (true, Some(account), Some(role)) =
            (ours, p.get("sso_account_id"), p.get("sso_role_name"))
        {
            let pair = (account.to_owned(), role.to_owned());
            configured.insert(pair.clone());
            if p.get(MARKER) == Some(marker.as_str()) {
                generated.push((name.to_owned(), pair));
            }
        }
    }
    let mut out = Populate::default();
    let mut seen = BTreeSet::new();
    let mut listed = listing.assignments.clone();
    listed.sort();
    for a in listed {
        let pair = (a.account_id.clone(), a.role_name.clone());
        if !seen.insert(pair.clone()) {
            continue;
        }
        if configured.contains(&pair) {
            out.present += 1;
            continue;
        }
        let mut name = name_for(opts, &a)?;
        if taken.contains(&name) {
            // Two accounts of one name, or a profile of that name already: the id tells apart.
            name = format!("{name}-{}", a.account_id);
        }
        let mut n = 2;
        let base = name.clone();
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        out.add.push((name, a));
    }
    if opts.prune {
        match &listing.incomplete {
            Some(why) => out.prune_held = Some(why.clone()),
            None => {
                let structure = config.structure()?;
                let text = config.text();
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                for (name, pair) in generated {
                    if seen.contains(&pair) {
                        continue;
                    }
                    match keep_reason(map, &structure, &lines, &name, opts) {
                        Some(why) => out.kept.push((name, why)),
                        None => out.prune.push(name),
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The config document with `p` applied: new sections appended (the keys in a fixed order,
/// the marker last), pruned sections removed with their lines.
pub fn apply(config: &Document, p: &Populate, opts: &Options) -> Result<Document, EditError> {
    let mut doc = config.clone();
    if !p.prune.is_empty() {
        let structure = doc.structure()?;
        let headers: Vec<usize> = structure.sections().map(|s| s.header).collect();
        let mut drop: Vec<(usize, usize)> = Vec::new();
        for section in structure.sections() {
            let name = section.name.trim();
            let profile = name.strip_prefix("profile").map(|n| {
                let n = n.trim();
                n.strip_prefix('"')
                    .and_then(|n| n.strip_suffix('"'))
                    .unwrap_or(n)
            });
            let marked = section
                .entry(MARKER)
                .is_some_and(|e| e.value == marker_value(&opts.session));
            if marked && profile.is_some_and(|n| p.prune.iter().any(|x| x == n)) {
                let end = headers
                    .iter()
                    .copied()
                    .find(|h| *h > section.header)
                    .unwrap_or(usize::MAX);
                drop.push((section.header, end));
            }
        }
        let text = doc.text().to_owned();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut kept: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !drop.iter().any(|(a, b)| i >= a && i < b))
            .map(|(_, l)| *l)
            .collect();
        while kept.last().is_some_and(|l| l.trim().is_empty()) && !kept.is_empty() {
            kept.pop();
        }
        let mut rebuilt = kept.concat();
        if !rebuilt.is_empty() && !rebuilt.ends_with('\n') {
            rebuilt.push_str(if text.contains("\r\n") { "\r\n" } else { "\n" });
        }
        doc = Document::from_str_lossless(&rebuilt);
    }
    let marker = marker_value(&opts.session);
    for (name, a) in &p.add {
        let mut entries: Vec<(&str, &str)> = vec![
            ("sso_session", opts.session.as_str()),
            ("sso_account_id", a.account_id.as_str()),
            ("sso_role_name", a.role_name.as_str()),
        ];
        if let Some(region) = &opts.region {
            entries.push(("region", region.as_str()));
        }
        entries.push((MARKER, marker.as_str()));
        doc.add_section(&config_section_name(name), &entries)?;
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_of(config: &str) -> (Document, ConfigMap<'static>) {
        let doc = Document::from_str_lossless(config);
        let creds = Document::from_str_lossless("");
        let map =
            ConfigMap::build(doc.structure().unwrap(), creds.structure().unwrap()).into_owned();
        (doc, map)
    }

    fn a(id: &str, name: &str, role: &str) -> Assignment {
        Assignment {
            account_id: id.into(),
            account_name: name.into(),
            role_name: role.into(),
        }
    }

    fn opts(prune: bool) -> Options {
        Options {
            session: "corp".into(),
            prefix: String::new(),
            region: Some("eu-west-1".into()),
            template: DEFAULT_TEMPLATE.into(),
            prune,
        }
    }

    const BASE: &str = "[sso-session corp]\nsso_start_url = https://corp/start\nsso_region = eu-west-1\n\n[profile mine]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n";

    #[test]
    fn names_are_safe_whatever_the_account_is_called() {
        assert_eq!(
            safe_part("Prod \"EU\" (v2.1) — Zürich"),
            "Prod-EU-v2-1-Z-rich"
        );
        assert_eq!(safe_part("'"), "");
        assert!(!is_safe_name("a b") && !is_safe_name("-x") && !is_safe_name("default"));
        let mut o = opts(false);
        o.template = "{account_name} {role_name}".into();
        assert!(matches!(
            name_for(&o, &a("1", "x", "y")),
            Err(PopulateError::UnsafeName { .. })
        ));
    }

    #[test]
    fn hand_written_pairs_are_left_alone_and_a_second_run_changes_nothing() {
        let (doc, map) = map_of(BASE);
        let listing = Listing {
            assignments: vec![
                a("1", "Main", "Admin"),
                a("2", "Data Lake \"prod\"", "Read.Only"),
                a("3", "Data Lake 'prod'", "Read.Only"),
            ],
            incomplete: None,
        };
        let p = plan(&map, &doc, &listing, &opts(true)).unwrap();
        assert_eq!(p.present, 1);
        let names: Vec<&str> = p.add.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Data-Lake-prod-Read-Only", "Data-Lake-prod-Read-Only-3"]
        );
        let after = apply(&doc, &p, &opts(true)).unwrap();
        let text = after.to_text();
        assert!(text.starts_with(BASE), "{text}");
        assert!(text.contains("[profile Data-Lake-prod-Read-Only]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = Read.Only\nregion = eu-west-1\nmfatui_generated_by = sso-session corp\n"), "{text}");
        // Second run over the result: nothing to add, nothing to prune, same bytes.
        let (doc2, map2) = map_of(&text);
        let p2 = plan(&map2, &doc2, &listing, &opts(true)).unwrap();
        assert!(p2.add.is_empty() && p2.prune.is_empty(), "{p2:?}");
        assert_eq!(
            apply(&doc2, &p2, &opts(true)).unwrap().render(),
            doc2.render()
        );
    }

    #[test]
    fn prune_removes_only_this_sessions_generated_profiles_and_never_after_an_incomplete_listing() {
        let config = format!(
            "{BASE}\n[profile gone]\nsso_session = corp\nsso_account_id = 9\nsso_role_name = R\nmfatui_generated_by = sso-session corp\n\n\
             [profile other-org]\nsso_session = other\nsso_account_id = 8\nsso_role_name = R\nmfatui_generated_by = sso-session other\n\n\
             [profile kept]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = R\nmfatui_generated_by = sso-session corp\n"
        );
        let (doc, map) = map_of(&config);
        let listing = Listing {
            assignments: vec![a("2", "x", "R")],
            incomplete: None,
        };
        let p = plan(&map, &doc, &listing, &opts(true)).unwrap();
        assert_eq!(p.prune, ["gone"]);
        let text = apply(&doc, &p, &opts(true)).unwrap().to_text();
        assert!(!text.contains("[profile gone]") && !text.contains("sso_account_id = 9"));
        assert!(text.contains("[profile other-org]") && text.contains("[profile kept]"));
        assert!(text.contains("[profile mine]"), "hand-written: {text}");
        // A listing cut short prunes nothing.
        let cut = Listing {
            assignments: vec![],
            incomplete: Some("ListAccountRoles failed for 2".into()),
        };
        let p = plan(&map, &doc, &cut, &opts(true)).unwrap();
        assert!(p.prune.is_empty() && p.prune_held.is_some());
    }

    #[test]
    fn prune_keeps_a_generated_profile_the_user_edited_or_another_profile_sources() {
        let gen = |name: &str, id: &str, extra: &str| {
            format!("\n[profile {name}]\nsso_session = corp\nsso_account_id = {id}\nsso_role_name = R\n{extra}mfatui_generated_by = sso-session corp\n")
        };
        let config = format!(
            "{BASE}{}{}{}{}{}{}\n[profile chained]\nrole_arn = arn:aws:iam::5:role/x\nsource_profile = base\n",
            gen("plain", "10", "region = eu-west-1\n"),
            gen("regional", "11", "region = us-east-1\n"),
            gen("noted", "12", "# my favourite account\n"),
            gen("mfa", "13", "mfa_serial = arn:aws:iam::13:mfa/me\n"),
            gen("base", "14", ""),
            gen("keyed", "15", "aws_secret_access_key = wJalrXUtnFEMI/SECRET\n"),
        );
        let (doc, map) = map_of(&config);
        let listing = Listing {
            assignments: vec![a("1", "Main", "Admin")],
            incomplete: None,
        };
        let p = plan(&map, &doc, &listing, &opts(true)).unwrap();
        assert_eq!(p.prune, ["plain"]);
        let kept: Vec<(&str, &str)> = p
            .kept
            .iter()
            .map(|(n, w)| (n.as_str(), w.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("regional", "edited since it was generated (region = us-east-1, which this run would not write; give --region us-east-1 if populate wrote it)"),
                ("noted", "edited since it was generated (a comment)"),
                ("mfa", "edited since it was generated (mfa_serial added)"),
                ("base", "named as source_profile by 'chained'"),
                // A value that may be a secret is never in the reason.
                (
                    "keyed",
                    "edited since it was generated (aws_secret_access_key added)"
                ),
            ]
        );
        let text = apply(&doc, &p, &opts(true)).unwrap().to_text();
        assert!(!text.contains("[profile plain]"), "{text}");
        for kept in [
            "[profile regional]\nsso_session = corp\nsso_account_id = 11\nsso_role_name = R\nregion = us-east-1\n",
            "# my favourite account\n",
            "mfa_serial = arn:aws:iam::13:mfa/me\n",
            "[profile base]\n",
            "[profile chained]\nrole_arn = arn:aws:iam::5:role/x\nsource_profile = base\n",
        ] {
            assert!(text.contains(kept), "{kept} in {text}");
        }
        // A comment heading the next section would go with a prune: that profile is kept too.
        let heading = format!(
            "{BASE}{}# production\n[profile prod]\nregion = eu-west-1\n",
            gen("before", "16", "")
        );
        let (doc, map) = map_of(&heading);
        let p = plan(&map, &doc, &listing, &opts(true)).unwrap();
        assert!(p.prune.is_empty(), "{p:?}");
        assert_eq!(p.kept.len(), 1);
    }
}
