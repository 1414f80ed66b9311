import { describe, expect, it } from 'vitest';
import audioCachedResponse from './fixtures/gemini-audio-cached-response.json' with { type: 'json' };
import groundedResponse from './fixtures/gemini-grounded-response.json' with { type: 'json' };
import thinkingCachedResponse from './fixtures/gemini-thinking-cached-response.json' with { type: 'json' };
import { convertGeminiUsage } from './convert-gemini-usage.js';

describe('convertGeminiUsage', () => {
  it('does not add cached content tokens to the Gemini prompt total', () => {
    const usage = convertGeminiUsage(thinkingCachedResponse.usageMetadata);
    expect(usage.input).toEqual({ total: 9210, noCache: 1018, cacheRead: 8192, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
  });

  it('adds thoughts to candidates for the output total, since candidatesTokenCount excludes them', () => {
    const usage = convertGeminiUsage(thinkingCachedResponse.usageMetadata);
    expect(usage.output).toEqual({ total: 1631, text: 402, reasoning: 1229, audio: 0 });
  });

  it('adds tool-use prompt tokens to the input total as uncached input', () => {
    const usage = convertGeminiUsage(groundedResponse.usageMetadata);
    expect(usage.input).toEqual({ total: 18_480, noCache: 18_480, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
    expect(usage.output).toEqual({ total: 2209, text: 1089, reasoning: 1120, audio: 0 });
  });

  it('counts as input audio only the audio tokens that were not cached', () => {
    const usage = convertGeminiUsage(audioCachedResponse.usageMetadata);
    expect(usage.input).toEqual({ total: 4064, noCache: 1120, cacheRead: 2944, cacheWrite5m: 0, cacheWrite1h: 0, audio: 800 });
  });

  it('counts generated audio from candidatesTokensDetails', () => {
    const usage = convertGeminiUsage({
      promptTokenCount: 12,
      candidatesTokenCount: 840,
      totalTokenCount: 852,
      candidatesTokensDetails: [{ modality: 'AUDIO', tokenCount: 840 }],
    });
    expect(usage.output).toEqual({ total: 840, text: 0, reasoning: 0, audio: 840 });
  });

  it('reads the counts Gemini leaves out when they are zero as zero', () => {
    const usage = convertGeminiUsage({ promptTokenCount: 8, totalTokenCount: 8 });
    expect(usage.input).toMatchObject({ total: 8, noCache: 8 });
    expect(usage.output).toEqual({ total: 0, text: 0, reasoning: 0, audio: 0 });
  });

  it('uses totalTokenCount only as a check, so input and output add up to it exactly', () => {
    const usage = convertGeminiUsage(thinkingCachedResponse.usageMetadata);
    expect(usage.input.total + usage.output.total).toBe(10_841);
  });

  it('recognises older responses whose candidatesTokenCount already includes thoughts by their total', () => {
    const usage = convertGeminiUsage({ promptTokenCount: 100, candidatesTokenCount: 500, thoughtsTokenCount: 300, totalTokenCount: 600 });
    expect(usage.output).toEqual({ total: 500, text: 200, reasoning: 300, audio: 0 });
  });

  it('refuses a totalTokenCount that matches no reading of the counts', () => {
    const convert = () => convertGeminiUsage({ promptTokenCount: 100, candidatesTokenCount: 50, totalTokenCount: 170 });
    expect(convert).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'gemini usage: totalTokenCount (170) differs from promptTokenCount + toolUsePromptTokenCount + candidatesTokenCount + thoughtsTokenCount (150)',
        details: { field: 'totalTokenCount' },
      }),
    );
  });

  it('refuses cached content larger than the prompt, naming both fields', () => {
    const convert = () => convertGeminiUsage({ promptTokenCount: 1000, cachedContentTokenCount: 2048 });
    expect(convert).toThrow(
      expect.objectContaining({
        message: 'gemini usage: cachedContentTokenCount (2048) exceeds promptTokenCount (1000)',
        details: { field: 'cachedContentTokenCount' },
      }),
    );
  });

  it('refuses more cached audio than the prompt has audio', () => {
    const convert = () =>
      convertGeminiUsage({
        promptTokenCount: 3000,
        cachedContentTokenCount: 2000,
        promptTokensDetails: [{ modality: 'AUDIO', tokenCount: 1000 }],
        cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 1500 }],
      });
    expect(convert).toThrow('gemini usage: cacheTokensDetails[AUDIO] (1500) exceeds promptTokensDetails[AUDIO] (1000)');
  });

  it('refuses a bad modality count with its path in the list', () => {
    const convert = () => convertGeminiUsage({ promptTokenCount: 10, promptTokensDetails: [{ modality: 'TEXT', tokenCount: -10 }] });
    expect(convert).toThrow(
      expect.objectContaining({
        message: 'gemini usage: promptTokensDetails[0].tokenCount must be a non-negative integer',
        details: { field: 'promptTokensDetails[0].tokenCount' },
      }),
    );
  });
});
