import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { describeZodError } from '../../validation.ts';
import { ToolError } from './confine.ts';

export const SUBMIT_TOOL_NAME = 'submit_experiment';

/** What the model submits; one schema gives both the tool's JSON schema and the check of its input. */
const Submission = z
  .object({
    description: z.string().trim().min(1).max(200).describe('What the change does, in one line (shown in the log and the report)'),
    hypothesis: z.string().trim().min(1).max(1000).describe('Why it should move the metric, and by about how much'),
  })
  .strict();
export type Submission = z.output<typeof Submission>;

const { $schema: _, ...inputSchema } = z.toJSONSchema(Submission, { io: 'input' });

export const SUBMIT_TOOL: Tool = {
  name: SUBMIT_TOOL_NAME,
  description:
    'Submit the change you made in the editable files as the next experiment. Call it once, after your edits; ' + 'it ends your turn and the experiment runs.',
  input_schema: { ...inputSchema, type: 'object' },
};

export function parseSubmission(raw: unknown): Submission {
  const parsed = Submission.safeParse(raw);
  if (!parsed.success) throw new ToolError(`invalid submission: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
