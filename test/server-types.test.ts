// Compiles server code written for grpc-js's types against this package's types.
import * as assert from 'assert';
import * as path from 'path';
import * as ts from 'typescript';

describe('public server types', () => {
  it('ts-proto style server code compiles', function () {
    this.timeout(60000);
    const fixture = path.join(__dirname, 'fixtures', 'ts-proto-server.ts');
    const program = ts.createProgram([fixture], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map(diagnostic =>
      ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    assert.deepStrictEqual(diagnostics, []);
  });
});
