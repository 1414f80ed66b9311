import type { OutcomeRecord, RevenueRecord, UsageEvent } from '../events/usage-event.js';
import type { DemoTier } from './demo-plans.js';
import type { SeededRandom } from './seeded-random.js';

/** One wire-format record of the demo stream. Absent fields may be present as undefined, which JSON drops. */
export type DemoRecord = UsageEvent | OutcomeRecord | RevenueRecord;

/** A demo user: heavy-tailed activity, a plan. */
export interface DemoUser {
  id: string;
  tier: DemoTier;
}

/** What a feature's session writes into: the records of one session, in time order. */
export interface DemoSession {
  random: SeededRandom;
  records: DemoRecord[];
  user: DemoUser;
  startMs: number;
  /** No record is stamped later than this. */
  endMs: number;
  /** Makes the next id with a prefix; unique across the stream and across seeds. */
  nextId: (prefix: string) => string;
  environment: string;
}

/** The demo's features: which team owns each, which model it calls. */
export const demoFeatures = {
  faq: { feature: 'support-faq', team: 'support', provider: 'anthropic', model: 'claude-haiku-4-5' },
  agent: { feature: 'coding-agent', team: 'devtools', provider: 'anthropic', model: 'claude-opus-4-7' },
  summarizer: { feature: 'doc-summarizer', team: 'knowledge', provider: 'openai', model: 'gpt-5-mini' },
  classifier: { feature: 'intent-classifier', team: 'platform', provider: 'google', model: 'gemini-2.5-flash-lite' },
} as const;

/** The model a classifier experiment calls, which no price catalog knows: its calls show up as unpriced. */
export const demoUnknownModel = { provider: 'self-hosted', model: 'acme-intent-ft-v3' } as const;

const iso = (ms: number): string => new Date(ms).toISOString();
const experimentAttributes = { experiment: 'ft-router' };

/**
 * The support FAQ bot: a budget model behind a semantic cache, with a 6k-token system prompt that is read
 * from the prompt cache on almost every call and rewritten when the cache went cold. Each conversation is
 * a task: resolved (success) or handed to a human (failure).
 */
export function faqSession(session: DemoSession, cutoverMs: number): void {
  const { random, records, user } = session;
  const { feature } = demoFeatures.faq;
  const conversation = session.nextId('chat');
  const taskId = session.nextId('ticket');
  const attributes = session.startMs < cutoverMs ? faqPromptV12 : faqPromptV13;
  const systemPrompt = attributes === faqPromptV12 ? 6_144 : 6_912;
  let timeMs = session.startMs;

  // A fifth of first questions are answered from the semantic cache: no model call at all.
  if (random.chance(0.21)) {
    const hit = faqCall(session, timeMs, conversation, taskId, 1, attributes);
    hit.input_tokens = 0;
    hit.output_tokens = 0;
    hit.latency_ms = random.integer(18, 70);
    hit.response_cache = 'hit';
    records.push(hit);
    timeMs += random.integer(20_000, 90_000);
    records.push({ type: 'outcome', task_id: taskId, outcome: random.chance(0.9) ? 'success' : 'failure', timestamp: iso(Math.min(timeMs, session.endMs)), feature });
    return;
  }
  const turns = Math.min(8, 1 + Math.floor(random.logNormal(1.4, 0.8)));
  let history = 0;
  for (let turn = 1; turn <= turns; turn += 1) {
    const question = random.tokens(60, 0.6, 8, 800);
    const answer = random.tokens(260, 0.45, 40, 1_200);
    const input = systemPrompt + history + question;
    const ttft = random.integer(280, 900);
    const call = faqCall(session, timeMs, conversation, taskId, turn, attributes);
    records.push(call);
    if (random.chance(0.006)) {
      // Overloaded: nothing billed; the client retries at once, the retry naming the failed call.
      call.status = 'error';
      call.latency_ms = random.integer(400, 2_000);
      timeMs += random.integer(500, 3_000);
      const retry = faqCall(session, timeMs, conversation, taskId, turn, attributes);
      retry.retry_of = call.id;
      records.push(retry);
      fillFaqTokens(retry, random, input, systemPrompt, answer, ttft);
    } else {
      fillFaqTokens(call, random, input, systemPrompt, answer, ttft);
      if (random.chance(0.012)) {
        // The user closed the chat mid-answer: the partial output is still billed.
        call.status = 'cancelled';
        call.output_tokens = Math.round(answer * random.between(0.1, 0.5));
        call.latency_ms = ttft + call.output_tokens * 8;
        break;
      }
    }
    history += question + answer;
    timeMs += random.integer(25_000, 120_000);
  }
  // Long conversations are the ones the bot could not settle.
  const resolved = random.chance(Math.max(0.35, 0.8 - 0.07 * turns));
  records.push({ type: 'outcome', task_id: taskId, outcome: resolved ? 'success' : 'failure', timestamp: iso(Math.min(timeMs, session.endMs)), feature });
}

const faqPromptV12 = { prompt_version: 'faq-v12' };
const faqPromptV13 = { prompt_version: 'faq-v13' };

// Every FAQ call has the same fields in the same order: generation stays fast and the JSON regular.
function faqCall(session: DemoSession, timeMs: number, conversation: string, taskId: string, step: number, attributes: Record<string, string>): UsageEvent {
  const { provider, model, feature, team } = demoFeatures.faq;
  return {
    id: session.nextId('msg'),
    timestamp: iso(Math.min(timeMs, session.endMs)),
    provider,
    model,
    input_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cache_write_1h_tokens: undefined,
    output_tokens: 0,
    feature,
    team,
    user_tier: session.user.tier,
    user_id: session.user.id,
    session_id: conversation,
    task_id: taskId,
    step,
    environment: session.environment,
    attributes,
    status: undefined,
    retry_of: undefined,
    latency_ms: 0,
    time_to_first_token_ms: undefined,
    response_cache: 'miss',
  };
}

// The system prompt is read from the prompt cache unless the cache went cold, when it is written again
// (now and then with a 1-hour TTL); the conversation so far is sent uncached.
function fillFaqTokens(call: UsageEvent, random: SeededRandom, input: number, systemPrompt: number, answer: number, ttft: number): void {
  const cold = random.chance(0.035);
  call.input_tokens = input;
  call.cache_read_tokens = cold ? 0 : systemPrompt;
  call.cache_write_tokens = cold ? systemPrompt : 0;
  if (cold && random.chance(0.3)) call.cache_write_1h_tokens = systemPrompt;
  call.output_tokens = answer;
  call.latency_ms = ttft + answer * random.integer(6, 11);
  call.time_to_first_token_ms = ttft;
}

/**
 * The coding agent: a frontier model looping over tool calls. Every step resends the whole context, which
 * grows by the last output and the tool results: read from the prompt cache up to the previous step and
 * written for what is new. Errors and timeouts are retried; each task ends in a success or a failure.
 */
export function agentSession(session: DemoSession): void {
  const { random, records, user } = session;
  const { feature, team, provider, model } = demoFeatures.agent;
  const runId = session.nextId('run');
  const tasks = random.chance(0.7) ? 1 : random.chance(0.7) ? 2 : 3;
  const tools = 14_000;
  let timeMs = session.startMs;
  for (let taskIndex = 0; taskIndex < tasks; taskIndex += 1) {
    const taskId = session.nextId('task');
    const steps = Math.min(40, 1 + Math.round(random.logNormal(6, 0.6)));
    let cachedPrefix = random.chance(0.9) ? tools : 0;
    let context = tools + random.tokens(220, 0.7, 20, 4_000);
    for (let step = 1; step <= steps; step += 1) {
      const thinking = random.chance(0.3);
      const output = random.tokens(650, 0.7, 30, 8_000);
      const reasoning = thinking ? Math.round(output * random.between(0.3, 0.7)) : 0;
      const ttft = random.integer(1_200, 4_000);
      const uncached = Math.min(context - cachedPrefix, random.integer(20, 120));
      const failure = random.chance(0.02) ? 'error' : random.chance(0.01) ? 'timeout' : undefined;
      const call = (id: string, status: 'error' | 'timeout' | undefined, retryOf: string | undefined): UsageEvent => {
        const billed = status !== 'error';
        const produced = status === 'timeout' ? Math.round(output * random.between(0.2, 0.6)) : output;
        return {
          id,
          timestamp: iso(Math.min(timeMs, session.endMs)),
          provider,
          model,
          input_tokens: billed ? context : 0,
          cache_read_tokens: billed ? cachedPrefix : 0,
          cache_write_tokens: billed ? context - cachedPrefix - uncached : 0,
          output_tokens: billed ? produced : 0,
          reasoning_tokens: billed && reasoning > 0 ? Math.min(reasoning, produced) : undefined,
          feature,
          team,
          user_tier: user.tier,
          user_id: user.id,
          session_id: runId,
          task_id: taskId,
          step,
          environment: session.environment,
          status,
          retry_of: retryOf,
          latency_ms: status === 'timeout' ? 120_000 : status === 'error' ? random.integer(300, 3_000) : ttft + produced * random.integer(14, 24),
          time_to_first_token_ms: status === 'error' ? undefined : ttft,
        };
      };
      const id = session.nextId('msg');
      if (failure) {
        records.push(call(id, failure, undefined));
        timeMs += failure === 'timeout' ? 120_000 : random.integer(1_000, 8_000);
        records.push(call(session.nextId('msg'), undefined, id));
      } else {
        records.push(call(id, undefined, undefined));
      }
      // The next step reads all of this step's prompt from the cache and adds the output and tool results.
      cachedPrefix = context;
      context += output + random.tokens(1_800, 0.9, 50, 40_000);
      if (context > 180_000) {
        // Near the context window the agent compacts its history into a summary, rewriting the cache.
        context = tools + random.tokens(9_000, 0.3, 3_000, 20_000);
        cachedPrefix = tools;
      }
      timeMs += random.integer(4_000, 45_000);
    }
    // Long tasks fail more often; paying users' tasks are better specified.
    const successRate = Math.max(0.3, (user.tier === 'enterprise' ? 0.8 : 0.72) - 0.015 * Math.max(0, steps - 8));
    records.push({ type: 'outcome', task_id: taskId, outcome: random.chance(successRate) ? 'success' : 'failure', timestamp: iso(Math.min(timeMs, session.endMs)), feature });
    timeMs += random.integer(30_000, 600_000);
  }
}

/**
 * The summarizer: long documents in, a medium summary out, on a small reasoning model. Its log keeps the
 * provider's raw usage object (OpenAI Responses format), which ingest converts, and the gateway's own
 * cost figure; it has no request ids, so ids are derived from the content.
 */
export function summarizerSession(session: DemoSession): void {
  const { random, records, user } = session;
  const { feature, team, provider, model } = demoFeatures.summarizer;
  const documents = random.chance(0.75) ? 1 : random.integer(2, 4);
  let timeMs = session.startMs;
  for (let index = 0; index < documents; index += 1) {
    const input = random.tokens(11_000, 0.8, 1_500, 120_000);
    // OpenAI caches the shared instructions prefix in 1,024-token blocks when it has seen it lately.
    const cached = input > 4_096 && random.chance(0.45) ? 2_048 : 0;
    const text = random.tokens(520, 0.4, 80, 2_000);
    const reasoning = random.tokens(700, 0.9, 0, 6_000);
    const output = text + reasoning;
    const costUsd = (input - cached) * 0.25e-6 + cached * 0.025e-6 + output * 2e-6;
    records.push({
      timestamp: iso(Math.min(timeMs, session.endMs)),
      provider,
      model,
      usage_format: 'openai-responses',
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: cached },
        output_tokens: output,
        output_tokens_details: { reasoning_tokens: reasoning },
        total_tokens: input + output,
      },
      feature,
      team,
      user_tier: user.tier,
      user_id: user.id,
      environment: session.environment,
      latency_ms: random.integer(2_000, 6_000) + output * random.integer(3, 6),
      cost_usd: Math.round(costUsd * 1e8) / 1e8,
    });
    timeMs += random.integer(5_000, 60_000);
  }
}

/**
 * The intent classifier: a few hundred tokens in, a label of a few tokens out, on the cheapest model.
 * A small experiment routes some calls to a self-hosted fine-tune the price catalog cannot know.
 */
export function classifierSession(session: DemoSession): void {
  const { random, records, user } = session;
  const { feature, team } = demoFeatures.classifier;
  const calls = random.chance(0.8) ? 1 : random.integer(2, 3);
  let timeMs = session.startMs;
  for (let index = 0; index < calls; index += 1) {
    const experiment = random.chance(0.006);
    const target = experiment ? demoUnknownModel : demoFeatures.classifier;
    records.push({
      timestamp: iso(Math.min(timeMs, session.endMs)),
      provider: target.provider,
      model: target.model,
      input_tokens: random.tokens(420, 0.35, 120, 2_000),
      output_tokens: random.integer(1, 6),
      feature,
      team,
      user_tier: user.tier,
      user_id: user.id,
      environment: session.environment,
      latency_ms: random.integer(140, 420),
      attributes: experiment ? experimentAttributes : undefined,
    });
    timeMs += random.integer(2_000, 30_000);
  }
}
