// The package README lists the codes a `callseal-error` event's `detail.code` takes. The list is
// held to the type the component declares (PlayerErrorDetail['code'] in www/component/types.ts),
// read by the TypeScript compiler: a code added to the component and not to the README, or one
// the README names that the component never sends, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

function declaredCodes() {
  const file = join(ROOT, 'www/component/types.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, module: ts.ModuleKind.ESNext, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  let codes;
  ts.forEachChild(source, (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'PlayerErrorDetail') {
      const member = node.members.find((m) => m.name?.getText(source) === 'code');
      const type = checker.getTypeAtLocation(member);
      codes = (type.isUnion() ? type.types : [type]).map((t) => {
        assert.ok(t.isStringLiteral(), `PlayerErrorDetail.code has a member that is not a string literal: ${checker.typeToString(t)}`);
        return t.value;
      });
    }
  });
  assert.ok(codes, 'PlayerErrorDetail found in www/component/types.ts');
  return codes.sort();
}

function readmeCodes() {
  const readme = readFileSync(join(ROOT, 'pkg-config/README.md'), 'utf8');
  const m = /`callseal-error` \(`detail\.code`: ([^;]*);/.exec(readme);
  assert.ok(m, "the package README's callseal-error line with its detail.code list");
  return [...m[1].matchAll(/`([^`]+)`/g)].map((c) => c[1]).sort();
}

test("the package README names exactly the codes callseal-error's detail.code is declared to take", () => {
  const declared = declaredCodes();
  assert.ok(declared.length >= 10, `${declared.length} codes declared`);
  assert.deepEqual(readmeCodes(), declared);
});
