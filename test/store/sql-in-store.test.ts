import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { tempDir } from '../helpers.ts';

/**
 * Every SQL statement lives in agent/store/, behind functions named for what they return; nothing
 * else imports better-sqlite3 or talks to a connection directly. Read from the syntax tree, so
 * comments and prose that mention SQL are not findings, and a regular expression's `.exec` is
 * told apart from a database's.
 */
const AGENT = path.resolve(import.meta.dirname, '../../agent');
const STORE = path.join(AGENT, 'store');

// Uppercase, as every statement here is written: words in messages ("select a file") are not SQL.
const STATEMENT = [
  /\bSELECT\b[\s\S]*\bFROM\b/,
  /^\s*(SELECT|WITH|VALUES|EXPLAIN)\s/,
  /\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b/,
  /\bUPDATE\s+\w+\s+SET\b/,
  /\bDELETE\s+FROM\b/,
  /\bPRAGMA\s+[a-z_]+\s*(\(|=|$)/,
  /\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|VIEW|TRIGGER)\b/,
];
const CONNECTION_CALLS = new Set(['prepare', 'pragma']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === STORE ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** The text of a string or template literal, each `${…}` standing as one placeholder. */
function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => ` _ ${s.literal.text}`).join('');
  return null;
}

const isRegExp = (node: ts.Node): boolean =>
  ts.isRegularExpressionLiteral(node) ||
  ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp');

/** Whether `.exec` is called on a regular expression: a literal, `new RegExp`, or a name this file binds to one. */
function execOnRegExp(receiver: ts.Expression, regExpNames: Set<string>): boolean {
  const inner = ts.isParenthesizedExpression(receiver) ? receiver.expression : receiver;
  return isRegExp(inner) || (ts.isIdentifier(inner) && regExpNames.has(inner.text));
}

const isBetterSqlite = (node: ts.Node | undefined): boolean => node !== undefined && ts.isStringLiteral(node) && node.text === 'better-sqlite3';

/** `file:line: what` for each place in one file that talks SQL or to the connection. */
function sqlFindings(file: string, relativeTo: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const regExpNames = new Set<string>();
  const findings = new Map<number, string>();
  const report = (node: ts.Node, what: string) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    if (!findings.has(line)) findings.set(line, `${path.relative(relativeTo, file)}:${line}: ${what}`);
  };
  const collect = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isRegExp(node.initializer)) regExpNames.add(node.name.text);
    ts.forEachChild(node, collect);
  };
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== null && STATEMENT.some((re) => re.test(text))) report(node, 'an SQL statement');
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && isBetterSqlite(node.moduleSpecifier)) report(node, 'imports better-sqlite3');
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const dynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require');
      if (dynamicImport && isBetterSqlite(node.arguments[0])) report(node, 'imports better-sqlite3');
      if (ts.isPropertyAccessExpression(callee)) {
        const name = callee.name.text;
        if (CONNECTION_CALLS.has(name)) report(callee.name, `calls .${name}(`);
        if (name === 'exec' && !execOnRegExp(callee.expression, regExpNames)) report(callee.name, 'calls .exec( on a database');
      }
    }
    ts.forEachChild(node, visit);
  };
  collect(source);
  visit(source);
  return [...findings.values()];
}

test('no SQL, no .prepare/.exec/.pragma on a connection and no better-sqlite3 import outside agent/store/', () => {
  const root = path.resolve(AGENT, '..');
  const findings = sourceFiles(AGENT).flatMap((file) => sqlFindings(file, root));
  assert.deepEqual(findings, [], `move these into agent/store/, behind a function named for what it returns:\n${findings.join('\n')}`);
});

test('the scan finds each kind of place it guards against, and not prose or regular expressions', () => {
  const file = path.join(tempDir(), 'sample.ts');
  fs.writeFileSync(
    file,
    [
      `import Database from 'better-sqlite3';`,
      `const LINE = /^x$/;`,
      `db.prepare('SELECT * FROM sessions WHERE id = ?');`,
      `db.pragma('data_version', { simple: true });`,
      `this.db.exec(sql);`,
      `const q = \`UPDATE experiments SET status = \${s} WHERE id = 1\`;`,
      `LINE.exec('x'); /^y$/.exec('y'); new RegExp('z').exec('z');`,
      `// SELECT * FROM comments is not code`,
      `const usage = 'one statement that returns rows (SELECT, WITH, VALUES, EXPLAIN, reading PRAGMAs)';`,
      `const refusal = 'PRAGMA settings change the connection';`,
    ].join('\n'),
  );
  assert.deepEqual(sqlFindings(file, path.dirname(file)), [
    'sample.ts:1: imports better-sqlite3',
    'sample.ts:3: calls .prepare(',
    'sample.ts:4: calls .pragma(',
    'sample.ts:5: calls .exec( on a database',
    'sample.ts:6: an SQL statement',
  ]);
});
