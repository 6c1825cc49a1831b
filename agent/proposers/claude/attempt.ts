import type { ContentBlockParam, Message, MessageParam, ToolResultBlockParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import type { Workspace } from '../../workspace/workspace.ts';
import { describeApiError, type ClaudeApi } from './client.ts';
import { ToolError, type FileRules } from './confine.ts';
import { EDITOR_TOOL, runEditor } from './editor.ts';
import { UsageSchema, type Usage } from './pricing.ts';
import type { SideTool } from './agenda-tools.ts';
import { parseSubmission, SUBMIT_TOOL, SUBMIT_TOOL_NAME, type Submission } from './submit.ts';

/** One request as it happened, for the turn log. */
export interface TurnRecord {
  turn: number;
  requestId: string | null;
  stopReason: string | null;
  usage: Usage;
  latencyS: number;
  error: string | null;
}

export interface AttemptInput {
  api: ClaudeApi;
  system: string;
  /** The first user message: the files and the log, then the task. */
  opening: ContentBlockParam[];
  workspace: Workspace;
  rules: FileRules;
  maxTurns: number;
  maxTokens: number;
  signal?: AbortSignal | undefined;
  onTurn: (turn: TurnRecord) => void;
  /** Tools beside the editor and submit (agenda-tools.ts): answered, and the turn goes on. */
  sideTools?: readonly SideTool[];
}

export type AttemptResult = { ok: true; submission: Submission } | { ok: false; reason: string };

const NO_USAGE: Usage = UsageSchema.parse({});
const NUDGE = 'If your change is made, call submit_experiment now; if not, make it with str_replace_based_edit_tool first.';

/**
 * One conversation that should end in a submitted change. The whole history is sent on every
 * turn (the API is stateless; no thread beta); the stable prefix (tools, system) is cached for
 * an hour, and the growing conversation for the default five minutes. Tool errors go back to the
 * model to fix; the attempt fails when the turn cap is reached or the model stops for good.
 * An API error past the SDK's retries is logged as a turn and thrown.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const messages: MessageParam[] = [{ role: 'user', content: input.opening }];
  for (let turn = 1; turn <= input.maxTurns; turn++) {
    const started = performance.now();
    // The SDK adds the request id to the message it returns.
    let response: Message & { _request_id?: string | null };
    try {
      response = await input.api.client.messages.create(
        {
          model: input.api.model,
          max_tokens: input.maxTokens,
          system: [{ type: 'text', text: input.system, cache_control: { type: 'ephemeral', ttl: '1h' } }],
          tools: [EDITOR_TOOL, SUBMIT_TOOL, ...(input.sideTools ?? []).map((t) => t.definition)],
          messages,
          cache_control: { type: 'ephemeral' },
        },
        { signal: input.signal },
      );
    } catch (error) {
      input.onTurn({ turn, requestId: null, stopReason: null, usage: NO_USAGE, latencyS: seconds(started), error: describeApiError(error) });
      throw error;
    }
    const usage = UsageSchema.safeParse(response.usage);
    input.onTurn({
      turn,
      requestId: response._request_id ?? null,
      stopReason: response.stop_reason,
      usage: usage.success ? usage.data : NO_USAGE,
      latencyS: seconds(started),
      error: usage.success ? null : 'the response had no readable usage block',
    });
    // Thinking blocks included: the model's own turn goes back exactly as it came.
    messages.push({ role: 'assistant', content: response.content });
    switch (response.stop_reason) {
      case 'tool_use': {
        const calls = response.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
        const results: ToolResultBlockParam[] = [];
        for (const call of calls) {
          const outcome = await runTool(input, call);
          if ('submission' in outcome) return { ok: true, submission: outcome.submission };
          results.push({ type: 'tool_result', tool_use_id: call.id, ...outcome });
        }
        messages.push({ role: 'user', content: results });
        break;
      }
      case 'pause_turn':
        // The API paused a long turn: sending the conversation back as it is resumes it.
        break;
      case 'end_turn':
      case 'stop_sequence':
        messages.push({ role: 'user', content: NUDGE });
        break;
      default:
        return { ok: false, reason: `the model stopped (${response.stop_reason ?? 'no stop reason'}) before submitting` };
    }
  }
  return { ok: false, reason: `no submitted change within ${input.maxTurns} turns` };
}

const seconds = (started: number) => (performance.now() - started) / 1000;

async function runTool(input: AttemptInput, call: ToolUseBlock): Promise<{ submission: Submission } | { content: string; is_error?: boolean }> {
  try {
    // A file-system error in an edit (a permission, a full disk) is the model's to hear about, not a crash.
    if (call.name === EDITOR_TOOL.name) return { content: runEditor(input.rules, call.input) };
    if (call.name === SUBMIT_TOOL_NAME) {
      const submission = parseSubmission(call.input);
      const changed = (await input.workspace.git.run(['status', '--porcelain'])).trim();
      if (changed === '') throw new ToolError('you have not changed any file yet: make the change with the editor first, then submit');
      return { submission };
    }
    const side = input.sideTools?.find((t) => t.definition.name === call.name);
    if (side) return { content: side.run(call.input) };
    throw new ToolError(`unknown tool ${call.name}`);
  } catch (error) {
    if (error instanceof ToolError || call.name === EDITOR_TOOL.name) return { content: (error as Error).message, is_error: true };
    throw error;
  }
}
