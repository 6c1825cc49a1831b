import { Text } from 'ink';
import type { LlmTotals } from '../view-model.ts';
import { compact } from '../text.ts';

/** The LLM's bill: turns, tokens, dollars, and whether a proposal is under way. */
export function LlmLine({ llm, proposer, runs }: { llm: LlmTotals; proposer: string; runs: number }) {
  const perRun = runs > 0 ? ` ($${(llm.costUsd / runs).toFixed(3)}/run)` : '';
  return (
    <Text wrap="truncate-end">
      <Text color="magenta">{proposer}</Text>: {llm.turns} turns
      {llm.errors > 0 ? <Text color="red"> ({llm.errors} failed)</Text> : ''} · {compact(llm.tokensIn)} tokens in, {compact(llm.tokensOut)} out ·{' '}
      <Text bold>${llm.costUsd.toFixed(2)}</Text>
      {perRun}
      {llm.pendingTurns > 0 ? <Text color="cyan"> · proposing, turn {llm.pendingTurns}</Text> : ''}
    </Text>
  );
}
