import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setMarkerValue } from '../../agent/knobs/apply.ts';
import { formatNumber, parseLiteral } from '../../agent/knobs/literal.ts';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { neighbours } from '../../agent/proposers/neighbours.ts';

const TS = `export const config = {
  heads: 4,                  // @knob 1 2 4 8
  dropout: 0.1,              // @knob 0..0.3
  lr: 3e-3,                  // @knob 1e-4..1e-2 log
  layers: 2,                 // @knob 1..6 int
  residual: true,            // @ablate false
  posEncoding: 'sinusoidal', // @ablate 'learned' 'none'
  other: 5,                  // a plain comment
  // prose that mentions a \`@knob\`/\`@ablate\` marker is not one
};`;

const PY = `config = dict(
    heads=4,  # not a marker line
)
heads = 4  # @knob 1 2 4 8
residual = True  # @ablate False
"pos": "sinusoidal",  # @ablate "learned" 'none'
`;

test('DESIGN.md marker lines in TypeScript are all found with their domains', () => {
  const { markers, problems } = parseMarkers('train.ts', TS);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    markers.map((m) => [m.name, m.value, m.marker]),
    [
      ['heads', 4, 'knob'],
      ['dropout', 0.1, 'knob'],
      ['lr', 0.003, 'knob'],
      ['layers', 2, 'knob'],
      ['residual', true, 'ablate'],
      ['posEncoding', 'sinusoidal', 'ablate'],
    ],
  );
  assert.deepEqual(markers[0]!.domain, { type: 'set', values: [1, 2, 4, 8] });
  assert.deepEqual(markers[1]!.domain, { type: 'range', min: 0, max: 0.3, scale: 'linear', integer: false });
  assert.deepEqual(markers[2]!.domain, { type: 'range', min: 1e-4, max: 1e-2, scale: 'log', integer: false });
  assert.deepEqual(markers[3]!.domain, { type: 'range', min: 1, max: 6, scale: 'linear', integer: true });
  assert.deepEqual(markers[4]!.alternatives, [false]);
  assert.deepEqual(markers[5]!.alternatives, ['learned', 'none']);
});

test('Python assignments and dict entries with # markers are found', () => {
  const { markers, problems } = parseMarkers('train.py', PY);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    markers.map((m) => [m.name, m.value, m.line]),
    [
      ['heads', 4, 3],
      ['residual', true, 4],
      ['pos', 'sinusoidal', 5],
    ],
  );
  assert.deepEqual(markers[2]!.alternatives, ['learned', 'none']);
});

test('an edit replaces only the literal, in the spelling of the file', () => {
  const ts = parseMarkers('train.ts', TS).markers;
  const edited = setMarkerValue(TS, ts[5]!, 'none');
  assert.equal(edited.split('\n')[6], "  posEncoding: 'none', // @ablate 'learned' 'none'");
  assert.equal(edited.split('\n').filter((l, i) => l !== TS.split('\n')[i]).length, 1);
  assert.equal(setMarkerValue(TS, ts[2]!, 0.006).split('\n')[3], '  lr: 0.006,                  // @knob 1e-4..1e-2 log');

  const py = parseMarkers('train.py', PY).markers;
  assert.equal(setMarkerValue(PY, py[1]!, false).split('\n')[4], 'residual = False  # @ablate False');
  assert.equal(setMarkerValue(PY, py[2]!, 'none').split('\n')[5], '"pos": "none",  # @ablate "learned" \'none\'');
});

test('malformed markers are reported with their line, never guessed', () => {
  const { markers, problems } = parseMarkers(
    't.ts',
    ['a: foo(1), // @knob 1 2', 'b: 1, // @knob 3..1', 'c: true, // @ablate', 'd: 2, // @knob x y', 'e: 1, // @knob 0..1 cubic'].join('\n'),
  );
  assert.equal(markers.length, 0);
  assert.deepEqual(
    problems.map((p) => p.line),
    [0, 1, 2, 3, 4],
  );
});

test('literals parse and print both ways', () => {
  assert.equal(parseLiteral('1e-4'), 1e-4);
  assert.equal(parseLiteral('-0.5'), -0.5);
  assert.equal(parseLiteral('False'), false);
  assert.equal(parseLiteral("'it'"), 'it');
  assert.equal(parseLiteral('foo'), undefined);
  assert.equal(formatNumber(0.1 + 0.2), '0.3');
  assert.equal(formatNumber(0.0001), '1e-4');
  assert.equal(formatNumber(3), '3');
});

test('the pattern search proposes nearest moves first and stays inside the domain', () => {
  const [heads, dropout, lr, layers] = parseMarkers('train.ts', TS).markers;
  assert.deepEqual(neighbours(heads!), [8, 2, 1]);
  assert.deepEqual(neighbours(lr!).slice(0, 2), [0.006, 0.0015]);
  assert.deepEqual(neighbours(dropout!).slice(0, 2), [0.16, 0.04]);
  const layerMoves = neighbours(layers!);
  assert.ok(layerMoves.every((v) => Number.isInteger(v) && Number(v) >= 1 && Number(v) <= 6 && v !== 2));
});
