import { describe, expect, it } from 'vitest';
import { MalformedTraceRequest } from './decode-otlp-traces.js';
import { localTraceTranslation, workerTraceTranslation, type TraceTranslation } from './trace-translation.js';

const traceId = '5b8efff798038103d269b633813fc60c';

function exportBody(spans: Array<{ spanId: string; parentSpanId?: string; attributes: Record<string, string | number>; status?: number }>): Uint8Array {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'unitcost.feature', value: { stringValue: 'translated' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((span, index) => ({
              traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: 'chat',
              startTimeUnixNano: String(1_773_133_200_000_000_000n + BigInt(index) * 1_000_000_000n),
              endTimeUnixNano: String(1_773_133_200_500_000_000n + BigInt(index) * 1_000_000_000n),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } })),
              ...(span.status ? { status: { code: span.status } } : {}),
            })),
          },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

const call = (spanId: string, input: number) => ({
  spanId,
  parentSpanId: 'aaaaaaaaaaaaaaaa',
  attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 5 },
});

async function behavesAsTheReceiverNeeds(translation: TraceTranslation): Promise<void> {
  try {
    const first = await translation.translate(exportBody([call('1111111111111111', 10), call('2222222222222222', -1)]), 'json');
    expect(first.spans).toBe(2);
    expect(first.records.map(({ record }) => [record.input_tokens, record.feature, record.step])).toEqual([[10, 'translated', 1]]);
    expect(first.rejected[0]).toMatchObject({ spanId: '2222222222222222' });
    // The trace's steps go on counting in the next export, and its root span, arriving last, ends the task.
    const second = await translation.translate(exportBody([call('3333333333333333', 20), { spanId: 'aaaaaaaaaaaaaaaa', attributes: {}, status: 1 }]), 'json');
    expect(second.records.map(({ record }) => [record.type ?? 'usage', record.step ?? null])).toEqual([
      ['usage', 2],
      ['outcome', null],
    ]);
    await expect(translation.translate(new TextEncoder().encode('{"resourceSpans": ['), 'json')).rejects.toBeInstanceOf(MalformedTraceRequest);
    // A malformed body leaves the translation usable.
    expect((await translation.translate(exportBody([call('4444444444444444', 30)]), 'json')).records).toHaveLength(1);
  } finally {
    await translation.close();
  }
}

describe('trace translation', () => {
  it('on this thread: decodes, maps, remembers trace steps across exports, refuses malformed bodies', async () => {
    await behavesAsTheReceiverNeeds(localTraceTranslation({}));
  });

  it('on a worker thread: the same answers, in order, and a malformed body as MalformedTraceRequest', async () => {
    await behavesAsTheReceiverNeeds(workerTraceTranslation({}));
  });
});
