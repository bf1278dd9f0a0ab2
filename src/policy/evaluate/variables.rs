//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}` and the escapes
//! `${*}`, `${?}`, `${$}`.
//!
//! spec: IAM User Guide, "IAM policy elements: Variables and tags": variables are replaced by
//! the value of the request-context key of the same (case-insensitive) name; only
//! single-valued keys can be variables; a default is written `${key, 'default'}`; the
//! special variables stand for a literal `*`, `?`, `$`; a variable with no value is
//! "effectively null" and matches nothing (in `Resource`, `NotResource` and positive
//! conditions); variables exist only in policies with `"Version": "2012-10-17"`, elsewhere
//! `${...}` is literal text.

use crate::policy::iam::glob::{encode_pattern_into, text_has_variable};

/// One piece of a string that holds variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Policy text (its `*` and `?` are wildcards when rendered as a pattern).
    Text(String),
    /// `${key}` or `${key, 'default'}`. `key_lc` is the lower-cased key used for lookup.
    Var {
        key: String,
        key_lc: String,
        default: Option<String>,
    },
    /// `${*}`, `${?}` or `${$}`: a literal character, never a wildcard.
    Escaped(u8),
}

/// A string with at least one `${...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<Part>,
}

/// Where a variable's key could not be resolved (no value and no default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved;

impl Template {
    /// Parses `text`; `None` when it holds no `${...}` (then it is plain text).
    /// An unterminated `${` is kept as literal text.
    pub fn parse(text: &str) -> Option<Template> {
        if !text_has_variable(text) {
            return None;
        }
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let body = &rest[start + 2..];
            let Some(end) = closing_brace(body) else {
                break;
            };
            lit.push_str(&rest[..start]);
            let inner = &body[..end];
            let part = match inner {
                "*" => Part::Escaped(b'*'),
                "?" => Part::Escaped(b'?'),
                "$" => Part::Escaped(b'$'),
                _ => parse_var(inner),
            };
            if !lit.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut lit)));
            }
            parts.push(part);
            rest = &body[end + 1..];
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        if parts.iter().all(|p| matches!(p, Part::Text(_))) {
            return None;
        }
        Some(Template { parts })
    }

    /// The keys this template reads (original spelling).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// Renders into `out` (cleared first). `as_pattern`: policy text keeps its wildcards
    /// (encoded, see [`super::wildcard`]) while substituted values and escapes stay literal.
    /// `lookup` takes a lower-cased key and returns its single value; `missing` is told each
    /// key that had no value (defaults included: the request did not give it).
    pub fn render<'v>(
        &self,
        out: &mut Vec<u8>,
        as_pattern: bool,
        lookup: &mut dyn FnMut(&str) -> Option<&'v str>,
        missing: &mut dyn FnMut(&str),
    ) -> Result<(), Unresolved> {
        out.clear();
        let mut ok = true;
        for part in &self.parts {
            match part {
                Part::Text(t) if as_pattern => encode_pattern_into(t, out),
                Part::Text(t) => out.extend_from_slice(t.as_bytes()),
                Part::Escaped(c) => out.push(*c),
                Part::Var {
                    key,
                    key_lc,
                    default,
                } => match lookup(key_lc) {
                    Some(v) => out.extend_from_slice(v.as_bytes()),
                    None => {
                        missing(key);
                        match default {
                            Some(d) => out.extend_from_slice(d.as_bytes()),
                            None => ok = false,
                        }
                    }
                },
            }
        }
        if ok {
            Ok(())
        } else {
            Err(Unresolved)
        }
    }
}

/// Index of the `}` closing a variable body, skipping a quoted default.
fn closing_brace(body: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in body.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '}' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_var(inner: &str) -> Part {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(d);
            (k.trim(), Some(d.to_string()))
        }
        None => (inner.trim(), None),
    };
    Part::Var {
        key: key.to_string(),
        key_lc: key.to_ascii_lowercase(),
        default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::iam::glob::{glob_match, STAR};

    fn render(t: &Template, pattern: bool, vals: &[(&str, &str)]) -> Result<Vec<u8>, Unresolved> {
        let mut out = Vec::new();
        let mut lookup = |k: &str| {
            vals.iter()
                .find(|(kk, _)| kk.eq_ignore_ascii_case(k))
                .map(|(_, v)| *v)
        };
        t.render(&mut out, pattern, &mut lookup, &mut |_| {})
            .map(|_| out)
    }

    #[test]
    fn plain_text_is_not_a_template() {
        assert!(Template::parse("arn:aws:s3:::bucket/*").is_none());
        assert!(Template::parse("unterminated ${aws:username").is_none());
    }

    #[test]
    fn substitutes_case_insensitive_keys() {
        let t = Template::parse("home/${aws:username}/*").unwrap();
        let out = render(&t, true, &[("AWS:UserName", "alice")]).unwrap();
        let mut want = b"home/alice/".to_vec();
        want.push(STAR);
        assert_eq!(out, want);
    }

    #[test]
    fn default_and_unresolved() {
        let t = Template::parse("bucket-${aws:PrincipalTag/team, 'company-wide'}").unwrap();
        assert_eq!(render(&t, false, &[]).unwrap(), b"bucket-company-wide");
        assert_eq!(
            render(&t, false, &[("aws:principaltag/team", "yellow")]).unwrap(),
            b"bucket-yellow"
        );
        let t = Template::parse("${aws:username}").unwrap();
        assert_eq!(render(&t, false, &[]), Err(Unresolved));
    }

    #[test]
    fn escapes_are_literal_in_patterns() {
        let t = Template::parse("a${*}b${?}c${$}").unwrap();
        let out = render(&t, true, &[]).unwrap();
        assert_eq!(out, b"a*b?c$");
        assert!(glob_match(&out, b"a*b?c$", false));
        assert!(!glob_match(&out, b"axxb?c$", false));
    }

    #[test]
    fn substituted_wildcards_are_literal() {
        let t = Template::parse("home/${aws:username}").unwrap();
        let out = render(&t, true, &[("aws:username", "*")]).unwrap();
        assert!(!glob_match(&out, b"home/alice", false));
        assert!(glob_match(&out, b"home/*", false));
    }

    #[test]
    fn quoted_default_may_hold_braces() {
        let t = Template::parse("${k, 'a}b'}").unwrap();
        assert_eq!(render(&t, false, &[]).unwrap(), b"a}b");
    }
}
