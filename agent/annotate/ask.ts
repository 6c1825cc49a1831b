import type { Message, MessageParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { UserError } from '../errors.ts';
import { describeApiError, type ClaudeApi } from '../proposers/claude/client.ts';
import { parseProposal, PROPOSE_TOOL, PROPOSE_TOOL_NAME, type ProposedMarker } from './tool.ts';

/** A malformed proposal goes back to the model with its error this many times in all. */
const MAX_TURNS = 3;
const MAX_TOKENS = 16_000;

/**
 * Asks Claude for markers through the propose_markers tool, which it must call (tool_choice), so
 * one request is the usual conversation. Input that fails the tool's schema is returned to the
 * model as a tool error to fix; an API failure past the SDK's retries is one line for the user.
 */
export async function askForMarkers(api: ClaudeApi, system: string, message: string): Promise<ProposedMarker[]> {
  const messages: MessageParam[] = [{ role: 'user', content: message }];
  let problem = '';
  for (let turn = 1; turn <= MAX_TURNS; turn++) {
    let response: Message;
    try {
      response = await api.client.messages.create({
        model: api.model,
        max_tokens: MAX_TOKENS,
        system,
        tools: [PROPOSE_TOOL],
        tool_choice: { type: 'tool', name: PROPOSE_TOOL_NAME },
        messages,
      });
    } catch (error) {
      throw new UserError(`the Claude API failed (${describeApiError(error)})`);
    }
    // A cut-off answer's tool input is incomplete: asking again would be cut off the same way.
    if (response.stop_reason === 'max_tokens') throw new UserError(`Claude's answer was cut off at ${MAX_TOKENS} tokens`);
    const call = response.content.find((b): b is ToolUseBlock => b.type === 'tool_use' && b.name === PROPOSE_TOOL_NAME);
    if (!call) throw new UserError(`Claude answered without calling ${PROPOSE_TOOL_NAME} (stop reason: ${response.stop_reason ?? 'none'})`);
    const parsed = parseProposal(call.input);
    if (parsed.ok) return parsed.markers;
    problem = parsed.error;
    messages.push(
      { role: 'assistant', content: response.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: problem, is_error: true }] },
    );
  }
  throw new UserError(`Claude's ${PROPOSE_TOOL_NAME} input was malformed ${MAX_TURNS} times (${problem})`);
}
