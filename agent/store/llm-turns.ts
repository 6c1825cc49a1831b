import type { Db } from './db.ts';
import { now } from './sessions.ts';

/** One request to an LLM, as written to `llm_turns` (a failed request is a turn with its error). */
export interface NewLlmTurn {
  session_id: number;
  /** Groups the turns of one proposal until the loop has recorded it as an experiment. */
  proposal: string;
  speculative: boolean;
  attempt: number;
  turn: number;
  model: string;
  request_id: string | null;
  stop_reason: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** Null when the model has no price in the table. */
  cost_usd: number | null;
  latency_s: number;
  error: string | null;
}

export interface LlmTurnRow extends Omit<NewLlmTurn, 'speculative'> {
  id: number;
  experiment_id: number | null;
  speculative: 0 | 1;
  created_at: string;
}

/** llm_turns of a session, summed (turns not yet linked to an experiment belong to the proposal under way). */
export interface LlmTotals {
  turns: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  pendingTurns: number;
}

export function llmTotals(db: Db, sessionId: number): LlmTotals {
  return db
    .prepare(
      `SELECT COUNT(*) AS turns, COUNT(error) AS errors,
         COALESCE(SUM(input_tokens + cache_read_tokens + cache_write_tokens), 0) AS tokensIn,
         COALESCE(SUM(output_tokens), 0) AS tokensOut, COALESCE(SUM(cost_usd), 0) AS costUsd,
         COUNT(*) - COUNT(experiment_id) AS pendingTurns
       FROM llm_turns WHERE session_id = ?`,
    )
    .get(sessionId) as LlmTotals;
}

export class LlmTurnStore {
  constructor(private readonly db: Db) {}

  add(turn: NewLlmTurn): void {
    this.db
      .prepare(
        `INSERT INTO llm_turns (session_id, proposal, speculative, attempt, turn, model, request_id, stop_reason,
           input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, latency_s, error, created_at)
         VALUES (@session_id, @proposal, @speculative, @attempt, @turn, @model, @request_id, @stop_reason,
           @input_tokens, @output_tokens, @cache_read_tokens, @cache_write_tokens, @cost_usd, @latency_s, @error, @created_at)`,
      )
      .run({ ...turn, speculative: turn.speculative ? 1 : 0, created_at: now() });
  }

  /**
   * Links a proposal's turns to the experiment that came of it and sets the experiment's totals:
   * tokens_in counts every prompt token (uncached, cache reads and cache writes).
   */
  attach(proposal: string, experimentId: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE llm_turns SET experiment_id = ? WHERE proposal = ?').run(experimentId, proposal);
      this.db
        .prepare(
          `UPDATE experiments SET
             tokens_in = (SELECT COALESCE(SUM(input_tokens + cache_read_tokens + cache_write_tokens), 0) FROM llm_turns WHERE experiment_id = @id),
             tokens_out = (SELECT COALESCE(SUM(output_tokens), 0) FROM llm_turns WHERE experiment_id = @id),
             cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM llm_turns WHERE experiment_id = @id)
           WHERE id = @id`,
        )
        .run({ id: experimentId });
    })();
  }

  forSession(sessionId: number): LlmTurnRow[] {
    return this.db.prepare('SELECT * FROM llm_turns WHERE session_id = ? ORDER BY id').all(sessionId) as LlmTurnRow[];
  }
}
