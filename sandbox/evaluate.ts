/**
 * The evaluation (hidden: nightshift runs it in a folder of its own holding the read-only and
 * hidden files, never the workspace). It asks the predictor (`train.ts predict`, in the
 * workspace) for logits through nightshift's relay: each request is an `@ns {"request": …}` line
 * on stdout, each answer a JSON line on stdin (docs/design.md, "One run"). Its one final line sets
 * the metric:
 *   @ns {"final":true,"val_bpb":0.86,"floor":0.7998}             (no floor for user text)
 *   @ns {"final":true,"invalid":"predictions depend on future tokens"}
 * A missing or malformed answer is one stderr line and exit 1. A plain stdout line (the run's log)
 * says where the evaluation's time went.
 */
import { randomInt } from 'node:crypto';
import readline from 'node:readline';
import { readEnv, report, runMain, UsageError } from '@nightshift/helpers';
import { AnswerError, score, type Channel } from './scoring.ts';
import { loadValidation } from './validation.ts';

/** Requests out as `@ns {"request": …}` lines on stdout, answers in on stdin: nightshift relays both to and from the predictor. */
function relayChannel(): Channel {
  if (process.stdin.isTTY) {
    throw new UsageError(`stdin is a terminal: the evaluation talks to the predictor through nightshift's relay (docs/design.md)`);
  }
  const answers = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return {
    send: (request) => void process.stdout.write(`@ns ${JSON.stringify({ request })}\n`),
    // The predictor's stdin closes when this process exits; answers are still to be read now.
    close: () => {},
    receive: async () => {
      const next = await answers.next();
      return next.done ? null : next.value;
    },
  };
}

async function main(): Promise<void> {
  const startedMs = performance.now();
  const env = readEnv();
  const channel = relayChannel();
  // Asked first, so the predictor loads its model while the validation text is built.
  channel.send({ op: 'info' });
  const validation = loadValidation(env.dataPath);
  const { outcome, timing } = await score(validation, channel, randomInt);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    `evaluate.ts: started at ${s(startedMs)} s, predictor ready at ${s(timing.readyMs)} s, ` +
      `scoring ${timing.scoringS.toFixed(2)} s (${timing.requests.main} requests), probe ${timing.probeS.toFixed(2)} s (${timing.requests.probe} requests)`,
  );
  if ('invalid' in outcome) return report({ final: true, invalid: outcome.invalid });
  report({ final: true, val_bpb: outcome.valBpb, ...(validation.floor === null ? {} : { floor: validation.floor }) });
}

runMain('evaluate.ts', main, (error) => (error instanceof AnswerError ? error.message : undefined));
