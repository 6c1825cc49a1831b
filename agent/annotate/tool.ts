import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { describeZodError } from '../validation.ts';

export const PROPOSE_TOOL_NAME = 'propose_markers';

/** One line of prose however the model spaced it: the reason is shown on one line beside its marker. */
const oneLine = (max: number) =>
  z
    .string()
    .transform((s) => s.replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1).max(max));

/** One marker as the model proposes it; whether it fits its line is checked afterwards (check.ts), one by one. */
const ProposedMarker = z
  .object({
    file: z.string().min(1).describe('The editable file, as named in the message (e.g. train.ts)'),
    line: z.number().int().min(1).describe('The 1-based line number shown in the message'),
    name: z.string().min(1).describe('The name the line assigns (the key or variable before the literal), to confirm the line'),
    marker: oneLine(200).describe("The marker text without the comment sign, e.g. '@ablate false' or '@knob 1e-4..1e-2 log'"),
    reason: oneLine(300).describe('Why this component or setting is worth measuring, in one line'),
  })
  .strict();
export type ProposedMarker = z.output<typeof ProposedMarker>;

const Proposal = z.object({ markers: z.array(ProposedMarker).max(40) }).strict();

const { $schema: _, ...inputSchema } = z.toJSONSchema(Proposal, { io: 'input' });

export const PROPOSE_TOOL: Tool = {
  name: PROPOSE_TOOL_NAME,
  description: 'Propose new @ablate/@knob markers for lines nobody has marked yet. Call it once with all of them (an empty list when none is worth adding).',
  input_schema: { ...inputSchema, type: 'object' },
};

/** The model's proposal, or one sentence on what is wrong with it (sent back for it to fix). */
export function parseProposal(raw: unknown): { ok: true; markers: ProposedMarker[] } | { ok: false; error: string } {
  const parsed = Proposal.safeParse(raw);
  return parsed.success
    ? { ok: true, markers: parsed.data.markers }
    : { ok: false, error: `invalid ${PROPOSE_TOOL_NAME} input: ${describeZodError(parsed.error)}` };
}
