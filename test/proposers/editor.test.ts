import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ToolError } from '../../agent/proposers/claude/confine.ts';
import { runEditor } from '../../agent/proposers/claude/editor.ts';
import { tempDir } from '../helpers.ts';

function workspace() {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'train.py'), 'a = 1\nb = 2\nb = 2\n');
  fs.writeFileSync(path.join(dir, 'data.py'), 'DATA = 1\n');
  fs.mkdirSync(path.join(dir, 'pkg'));
  fs.writeFileSync(path.join(dir, 'pkg', 'model.py'), 'x = 1\n');
  fs.symlinkSync('.', path.join(dir, 'alias'));
  return { dir, editable: ['train.py', 'pkg/model.py', 'alias/data.py'], readonly: ['data.py'] };
}

const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof ToolError && message.test(e.message));

test('the editor views, replaces, inserts and rewrites editable files the way the text-editor tool does', () => {
  const rules = workspace();
  const file = path.join(rules.dir, 'train.py');
  assert.equal(runEditor(rules, { command: 'view', path: 'train.py', view_range: [2, -1] }), '2: b = 2\n3: b = 2');
  assert.match(runEditor(rules, { command: 'view', path: '.' }), /^train\.py \(editable\)$.*^data\.py \(read-only\)$/ms);
  assert.match(runEditor(rules, { command: 'view', path: 'data.py' }), /DATA = 1/, 'read-only files may be read');
  refused(() => runEditor(rules, { command: 'str_replace', path: 'train.py', old_str: 'b = 2', new_str: 'b = 3' }), /occurs 2 times/);
  refused(() => runEditor(rules, { command: 'str_replace', path: 'train.py', old_str: 'c = 3', new_str: '' }), /no match/);
  runEditor(rules, { command: 'str_replace', path: './train.py', old_str: 'a = 1', new_str: 'a = $&' });
  runEditor(rules, { command: 'insert', path: 'train.py', insert_line: 0, insert_text: 'import os\n' });
  runEditor(rules, { command: 'insert', path: 'train.py', insert_line: 4, new_str: 'c = 3' });
  assert.equal(fs.readFileSync(file, 'utf8'), 'import os\na = $&\nb = 2\nb = 2\nc = 3\n');
  refused(() => runEditor(rules, { command: 'insert', path: 'train.py', insert_line: 9, insert_text: 'x' }), /past the end/);
  runEditor(rules, { command: 'create', path: 'pkg/model.py', file_text: 'x = 2\n' });
  assert.equal(fs.readFileSync(path.join(rules.dir, 'pkg', 'model.py'), 'utf8'), 'x = 2\n');
  refused(() => runEditor(rules, { command: 'view', path: 'train.py', view_range: [5, 7] }), /outside train\.py, which has 5 lines/);
  refused(() => runEditor(rules, { command: 'str_replace', path: 'train.py' }), /invalid input: old_str/);
});

test('a linked folder cannot alias a read-only file, even inside the workspace', () => {
  const rules = workspace();
  refused(() => runEditor(rules, { command: 'create', path: 'alias/data.py', file_text: 'DATA = 2\n' }), /reached through a symbolic link/);
  refused(() => runEditor(rules, { command: 'create', path: 'pkg/../data.py', file_text: 'DATA = 2\n' }), /'\.\.' is not allowed/);
  refused(() => runEditor(rules, { command: 'view', path: 'C:\\Windows\\win.ini' }), /absolute paths/);
  assert.equal(fs.readFileSync(path.join(rules.dir, 'data.py'), 'utf8'), 'DATA = 1\n');
});

test('an editable file that is itself a link (to a file outside) is neither read nor written', () => {
  const rules = workspace();
  const outside = path.join(tempDir(), 'secret.txt');
  fs.writeFileSync(outside, 'do not change\n');
  fs.rmSync(path.join(rules.dir, 'pkg', 'model.py'));
  fs.symlinkSync(outside, path.join(rules.dir, 'pkg', 'model.py'));
  refused(() => runEditor(rules, { command: 'create', path: 'pkg/model.py', file_text: 'x' }), /pkg\/model\.py is a symbolic link/);
  refused(() => runEditor(rules, { command: 'view', path: 'pkg/model.py' }), /symbolic link/);
  assert.equal(fs.readFileSync(outside, 'utf8'), 'do not change\n');
});
