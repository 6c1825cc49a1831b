import { z } from 'zod';

/** USD per million tokens. */
interface Price {
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
  /** Haiku 5.5 bills every token of a request at `factor` times the rates once its prompt exceeds `above` tokens. */
  longPrompt?: { above: number; factor: number };
}

/**
 * List prices of the Claude API (standard tier, not batch), from Anthropic's pricing page and
 * model pages (platform.claude.com/docs/en/about-claude/pricing) as they stood on 2026-11-20:
 * Fable 5.2 from its launch on 2026-11-09, Sonnet 5.5's cache-read cut of 2026-10-07 applied.
 * A model missing here is priced as unknown (cost NULL), never guessed.
 */
export const PRICES_AS_OF = '2026-11-20';

const price = (input: number, cacheWrite5m: number, cacheWrite1h: number, cacheRead: number, output: number): Price => ({
  input,
  cacheWrite5m,
  cacheWrite1h,
  cacheRead,
  output,
});
const fable52 = price(8, 10, 16, 0.2, 40);
const fable51 = price(10, 12.5, 20, 0.25, 50);
const opus = price(5, 6.25, 10, 0.5, 25);
const sonnet4 = price(3, 3.75, 6, 0.3, 15);

const PRICES: Record<string, Price> = {
  'claude-fable-5-2': fable52,
  'claude-mythos-5-2': fable52,
  'claude-fable-5-1': fable51,
  'claude-mythos-5-1': fable51,
  'claude-fable-5': price(10, 12.5, 20, 1, 50),
  'claude-mythos-5': price(10, 12.5, 20, 1, 50),
  'claude-opus-5-5': price(4, 5, 8, 0.2, 20),
  'claude-opus-5': opus,
  'claude-opus-4-8': opus,
  'claude-opus-4-7': opus,
  'claude-opus-4-6': opus,
  'claude-opus-4-5': opus,
  'claude-opus-4-5-20251101': opus,
  'claude-sonnet-5-5': price(2, 2.5, 4, 0.1, 10),
  'claude-sonnet-5': price(2, 2.5, 4, 0.2, 10),
  'claude-sonnet-4-6': sonnet4,
  'claude-sonnet-4-5': sonnet4,
  'claude-sonnet-4-5-20250929': sonnet4,
  'claude-haiku-5-5': { ...price(0.1, 0.125, 0.2, 0.01, 0.5), longPrompt: { above: 100_000, factor: 5 } },
  'claude-haiku-4-5': price(1, 1.25, 2, 0.1, 5),
  'claude-haiku-4-5-20251001': price(1, 1.25, 2, 0.1, 5),
};

export function hasPrice(model: string): boolean {
  return model in PRICES;
}

const count = z
  .number()
  .int()
  .nonnegative()
  .nullish()
  .transform((n) => n ?? 0);

/** The usage block of a Messages API response, as far as billing needs it (a proxy may omit fields). */
export const UsageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_read_input_tokens: count,
  cache_creation_input_tokens: count,
  cache_creation: z.object({ ephemeral_1h_input_tokens: count, ephemeral_5m_input_tokens: count }).nullish(),
});
export type Usage = z.output<typeof UsageSchema>;

/** The cost of one request in dollars, or null for a model without a price. */
export function costOf(model: string, usage: Usage): number | null {
  const p = PRICES[model];
  if (!p) return null;
  // Without the TTL breakdown every cache write is billed as the dearer 1 h kind: we ask for 1 h on the stable prefix.
  const write1h = usage.cache_creation ? usage.cache_creation.ephemeral_1h_input_tokens : usage.cache_creation_input_tokens;
  const write5m = usage.cache_creation ? usage.cache_creation.ephemeral_5m_input_tokens : 0;
  const prompt = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
  const factor = p.longPrompt && prompt > p.longPrompt.above ? p.longPrompt.factor : 1;
  const dollars =
    usage.input_tokens * p.input +
    write5m * p.cacheWrite5m +
    write1h * p.cacheWrite1h +
    usage.cache_read_input_tokens * p.cacheRead +
    usage.output_tokens * p.output;
  return (dollars * factor) / 1e6;
}
