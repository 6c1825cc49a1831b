import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Anthropic Messages API: a node:http server on 127.0.0.1 with an
 * ephemeral port, reached through ANTHROPIC_BASE_URL. Nothing reaches the internet.
 */

export interface MockRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  // The request body as the SDK sent it (JSON), for assertions.
  body: any;
}

export interface MockReply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Answer after this long, like a model thinking. */
  delayMs?: number;
}

export type Handler = (request: MockRequest) => MockReply | Promise<MockReply>;

export interface MockApi {
  url: string;
  /** Every request to POST /v1/messages, in order. */
  messages: MockRequest[];
  requests: MockRequest[];
  close(): Promise<void>;
}

const modelInfo = (id: string): MockReply => ({
  body: { id, type: 'model', display_name: id, created_at: '2026-09-28T00:00:00Z', capabilities: null, deprecated_at: null },
});

export async function startMockApi(
  messages: Handler,
  { models = (r: MockRequest) => modelInfo(r.path.split('/').pop()!) }: { models?: Handler } = {},
): Promise<MockApi> {
  const api: MockApi = { url: '', messages: [], requests: [], close: async () => {} };
  let counter = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: MockRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, headers: req.headers, body: raw ? JSON.parse(raw) : null };
      api.requests.push(request);
      let reply: MockReply;
      if (request.method === 'POST' && request.path === '/v1/messages') {
        api.messages.push(request);
        reply = await messages(request);
      } else if (request.method === 'GET' && request.path.startsWith('/v1/models/')) {
        reply = await models(request);
      } else {
        reply = apiError(404, 'not_found_error', `no route ${request.method} ${request.path}`);
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'request-id': `req_mock_${++counter}`, ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

export interface UsageReply {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number } | null;
}

let blockId = 0;

export function message(
  content: unknown[],
  { stop_reason = 'tool_use', usage = {}, delayMs }: { stop_reason?: string; usage?: UsageReply; delayMs?: number } = {},
): MockReply {
  return {
    delayMs,
    body: {
      id: `msg_mock_${++blockId}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content,
      stop_reason,
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, cache_creation: null, ...usage },
    },
  };
}

export const toolUse = (name: string, input: unknown) => ({ type: 'tool_use', id: `toolu_mock_${++blockId}`, name, input });
export const editor = (input: Record<string, unknown>) => toolUse('str_replace_based_edit_tool', input);
/** submit_experiment with a prediction of no effect unless one is given (a model that guesses nothing in particular). */
export const submit = (description: string, hypothesis: string, predicted_delta = 0, ablation?: { part: string; action: string; replacement?: string }) =>
  toolUse('submit_experiment', { description, hypothesis, predicted_delta, ...(ablation ? { ablation } : {}) });

export function apiError(status: number, type: string, text: string, headers: Record<string, string> = {}): MockReply {
  return { status, headers, body: { type: 'error', error: { type, message: text } } };
}

/** An overload the SDK may retry at once: the server asks for a 1 ms wait, so tests never sleep through the default backoff. */
export const overloaded = (): MockReply => apiError(529, 'overloaded_error', 'Overloaded', { 'retry-after-ms': '1' });

/**
 * Answers each proposal's turns from a script: turn k of a proposal gets `turns[k]`. A request
 * holding only the opening message starts a new proposal; `scriptFor(n)` gives proposal n's turns.
 */
export function scripted(scriptFor: (proposal: number) => MockReply[]): Handler {
  let proposal = -1;
  return (request) => {
    const count: number = request.body.messages.length;
    if (count === 1) proposal++;
    const turns = scriptFor(proposal);
    const turn = Math.floor((count - 1) / 2);
    return turns[Math.min(turn, turns.length - 1)]!;
  };
}

/** The tool_result blocks of the request's last (user) message. */
export function toolResults(request: MockRequest): { tool_use_id: string; content: string; is_error?: boolean }[] {
  const last = request.body.messages.at(-1);
  return Array.isArray(last.content) ? last.content.filter((b: { type: string }) => b.type === 'tool_result') : [];
}
