// Where a wasm module's bytes go: the code section's function bodies grouped by what they
// belong to (the linker's name section, v0 mangling), each group's bodies gzipped on their own,
// and the data section. A function whose name holds a path into callseal (its own functions,
// and generic code instantiated for them: the state machine of an exported async function is
// compiled into js_sys's `future_to_promise::<callseal::wasm::...>`) counts for that callseal
// module; any other for the crate its name starts with. Reads a module as cargo links it
// (target/wasm/<name>.wasm, names kept), before wasm-bindgen and wasm-opt: the shipped module
// is smaller, but the shares hold.
import { gzipSync } from 'node:zlib';

/** [value, next offset] of the unsigned LEB128 at `i`. */
function leb(b, i) {
  let n = 0, shift = 0, x;
  do { x = b[i++]; n += (x & 127) * 2 ** shift; shift += 7; } while (x & 128);
  return [n, i];
}

/** The identifiers (`<len><ident>`, each maybe after a disambiguator `s<base62>_`) at `i`. */
function identifiers(name, i, most) {
  const out = [];
  while (out.length < most) {
    const m = /^(?:s[0-9A-Za-z]*_)?(\d+)/.exec(name.slice(i));
    if (!m) break;
    const start = i + m[0].length;
    out.push(name.slice(start, start + Number(m[1])));
    i = start + Number(m[1]);
  }
  return out;
}

/**
 * The group of a Rust symbol (v0 mangling, as rustc names them): `callseal::<module>` (two
 * levels under `wasm` and `envelope`) when it names a path into callseal, else its first crate.
 * A bare `callseal` crate root (v0 appends the instantiating crate to generic code) is no path.
 */
export function crateOf(name) {
  const body = name.startsWith('_R') ? name.slice(2) : '';
  for (const own of body.matchAll(/C(?:s[0-9A-Za-z]*_)?8callseal/g)) {
    const path = identifiers(body, own.index + own[0].length, 2);
    if (path.length === 0) continue;
    return ['callseal', ...(['wasm', 'envelope'].includes(path[0]) ? path : path.slice(0, 1))].join('::');
  }
  const m = /C(?:s[0-9A-Za-z]*_)?(\d+)/.exec(body);
  if (!m) return name.startsWith('__wbindgen') || name.startsWith('__wbg') ? 'wasm_bindgen' : '(other)';
  const start = m.index + m[0].length;
  const crate = body.slice(start, start + Number(m[1]));
  return ['core', 'alloc', 'std'].includes(crate) ? 'std (core, alloc)' : crate;
}

/** { total, groups: [{ group, bytes, gzipBytes }] } of a wasm module's bytes, largest first. */
export function breakdown(bytes) {
  const sections = [];
  for (let i = 8; i < bytes.length;) {
    const id = bytes[i];
    const [size, start] = leb(bytes, i + 1);
    sections.push({ id, start, end: start + size, name: id === 0 ? (() => { const [l, s] = leb(bytes, start); return bytes.subarray(s, s + l).toString(); })() : undefined });
    i = start + size;
  }
  let imported = 0;
  const importSection = sections.find((s) => s.id === 2);
  if (importSection) {
    let [n, i] = leb(bytes, importSection.start);
    for (; n > 0; n--) {
      for (let k = 0; k < 2; k++) { const [l, s] = leb(bytes, i); i = s + l; }
      const kind = bytes[i++];
      if (kind === 0) { imported++; i = leb(bytes, i)[1]; } else if (kind === 1) { i += 1; const [f] = leb(bytes, i); i = leb(bytes, i)[1]; if (f & 1) i = leb(bytes, i)[1]; } else if (kind === 2) { const [f, s] = leb(bytes, i); i = leb(bytes, s)[1]; if (f & 1) i = leb(bytes, i)[1]; } else { i += 2; }
    }
  }
  const names = new Map();
  const nameSection = sections.find((s) => s.name === 'name');
  if (nameSection) {
    let i = leb(bytes, nameSection.start)[1] + 4; // past "name"
    while (i < nameSection.end) {
      const sub = bytes[i];
      const [size, start] = leb(bytes, i + 1);
      if (sub === 1) {
        let [n, j] = leb(bytes, start);
        for (; n > 0; n--) {
          const [index, a] = leb(bytes, j);
          const [l, s] = leb(bytes, a);
          names.set(index, bytes.subarray(s, s + l).toString());
          j = s + l;
        }
      }
      i = start + size;
    }
  }
  const groups = new Map();
  const add = (group, part) => { const g = groups.get(group) ?? []; g.push(part); groups.set(group, g); };
  for (const s of sections) {
    if (s.id === 10) {
      let [n, i] = leb(bytes, s.start);
      for (let f = 0; f < n; f++) {
        const [size, start] = leb(bytes, i);
        const name = names.get(imported + f) ?? '';
        // wasm-bindgen runs its describe functions at build time and removes them.
        if (!/describe/i.test(name)) add(crateOf(name), bytes.subarray(start, start + size));
        i = start + size;
      }
    } else if (s.id === 11) {
      add('data (constants, tables, strings)', bytes.subarray(s.start, s.end));
    }
    // The other sections are wasm-bindgen's to rewrite (its describe exports go), and custom
    // sections (names) are not shipped.
  }
  const result = [...groups].map(([group, parts]) => {
    const joined = Buffer.concat(parts);
    return { group, bytes: joined.length, gzipBytes: gzipSync(joined, { level: 9 }).length };
  }).sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { total: result.reduce((n, g) => n + g.bytes, 0), groups: result };
}
