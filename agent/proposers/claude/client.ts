import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { UserError } from '../../errors.ts';
import { hasPrice, PRICES_AS_OF } from './pricing.ts';

export interface ClaudeSettings {
  model: string;
  /** Seconds one request may take before the SDK gives up on it (and retries). */
  timeoutS: number;
  /** The SDK's retries, with exponential backoff (or the server's retry-after), on connection errors, 408, 409, 429 and 5xx/529. */
  maxRetries: number;
}

export const DEFAULT_SETTINGS: Omit<ClaudeSettings, 'model'> = { timeoutS: 180, maxRetries: 5 };

export interface ClaudeApi {
  client: Anthropic;
  model: string;
}

/** "401 authentication_error: invalid x-api-key", from whatever the SDK threw. */
export function describeApiError(error: unknown): string {
  if (error instanceof APIError && error.status !== undefined) {
    const what = [error.type, error.apiMessage].filter(Boolean).join(': ');
    return `${error.status}${what ? ` ${what}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads the key once (it is handed to the client, never stored or logged) and checks key and
 * model with one free request to the base URL the proposals will use (ANTHROPIC_BASE_URL when
 * set): GET /v1/models/{model}. A rejected key or an
 * unknown model is one clear error; an API that is merely unreachable is a warning, since each
 * experiment falls back to the planner while it stays down.
 */
export async function connectClaude(env: NodeJS.ProcessEnv, settings: ClaudeSettings): Promise<{ api: ClaudeApi; warnings: string[] }> {
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey) throw new UserError('the Claude proposer needs ANTHROPIC_API_KEY in the environment (or use --proposer planner)');
  const client = new Anthropic({ apiKey, baseURL: env.ANTHROPIC_BASE_URL, maxRetries: settings.maxRetries, timeout: settings.timeoutS * 1000 });
  const warnings: string[] = [];
  try {
    await client.models.retrieve(settings.model);
  } catch (error) {
    const status = error instanceof APIError ? error.status : undefined;
    const why = describeApiError(error);
    if (status === 401) throw new UserError(`the Anthropic API rejected ANTHROPIC_API_KEY (${why})`);
    if (status === 403) throw new UserError(`ANTHROPIC_API_KEY may not use the API or model ${settings.model} (${why})`);
    if (status === 404) throw new UserError(`unknown model '${settings.model}' (${why}); pass a current model id with --model`);
    if (status !== undefined && status < 500 && status !== 429 && status !== 408) {
      throw new UserError(`the Anthropic API refused the start-up check (${why})`);
    }
    const where = error instanceof APIConnectionError ? ` at ${client.baseURL}` : '';
    warnings.push(`could not reach the Anthropic API${where} (${why}); the planner proposes until it answers`);
  }
  if (!hasPrice(settings.model)) {
    warnings.push(`no price on file for ${settings.model} (prices as of ${PRICES_AS_OF}): its cost is logged as unknown`);
  }
  return { api: { client, model: settings.model }, warnings };
}
