import { z } from 'zod';
import { normalizedUsage, type NormalizedUsage } from './normalized-usage.js';
import { optionalTokenCount, parseProviderUsage, requirePartsWithin, throwInvalid, tokenCount, usageObject } from './parse-provider-usage.js';

const source = 'gemini usage';

// Gemini leaves out every count that is zero, so nothing here is required.
const modalityCounts = z
  .array(usageObject({ modality: z.string({ error: 'must be a string' }).optional(), tokenCount: optionalTokenCount }), {
    error: 'must be a list',
  })
  .nullish();

const geminiUsageSchema = usageObject({
  promptTokenCount: optionalTokenCount,
  cachedContentTokenCount: optionalTokenCount,
  toolUsePromptTokenCount: optionalTokenCount,
  candidatesTokenCount: optionalTokenCount,
  thoughtsTokenCount: optionalTokenCount,
  totalTokenCount: tokenCount.nullish(),
  promptTokensDetails: modalityCounts,
  cacheTokensDetails: modalityCounts,
  toolUsePromptTokensDetails: modalityCounts,
  candidatesTokensDetails: modalityCounts,
});

type ModalityCounts = z.output<typeof modalityCounts>;

/**
 * Maps a Gemini `usageMetadata` object to NormalizedUsage.
 * `promptTokenCount` already includes the cached content; tool-use prompt tokens (search results,
 * code output fed back to the model) come on top of it, uncached. `thoughtsTokenCount` comes on top of
 * `candidatesTokenCount`, so output is their sum. `totalTokenCount` is only checked, never summed.
 */
export function convertGeminiUsage(usageMetadata: unknown): NormalizedUsage {
  const parsed = parseProviderUsage(source, geminiUsageSchema, usageMetadata);
  const prompt = parsed.promptTokenCount;
  const cached = parsed.cachedContentTokenCount;
  const toolUse = parsed.toolUsePromptTokenCount;
  const candidates = parsed.candidatesTokenCount;
  const thoughts = parsed.thoughtsTokenCount;
  requirePartsWithin(source, 'promptTokenCount', prompt, { cachedContentTokenCount: cached });

  const promptAudio = audioOf(parsed.promptTokensDetails);
  const cachedAudio = audioOf(parsed.cacheTokensDetails);
  const outputAudio = audioOf(parsed.candidatesTokensDetails);
  requirePartsWithin(source, 'promptTokenCount', prompt, { 'promptTokensDetails[AUDIO]': promptAudio });
  requirePartsWithin(source, 'promptTokensDetails[AUDIO]', promptAudio, { 'cacheTokensDetails[AUDIO]': cachedAudio });
  requirePartsWithin(source, 'candidatesTokenCount', candidates, { 'candidatesTokensDetails[AUDIO]': outputAudio });

  // Without cacheTokensDetails Gemini does not say how much cached content was audio; counting as
  // uncached audio at most what is uncached assumes the least overlap the numbers allow.
  const uncached = prompt - cached + toolUse;
  const uncachedAudio = promptAudio - cachedAudio + audioOf(parsed.toolUsePromptTokensDetails);
  return normalizedUsage({
    inputTotal: prompt + toolUse,
    cacheRead: cached,
    inputAudio: Math.min(uncachedAudio, uncached),
    outputTotal: outputTotal(parsed, outputAudio),
    reasoning: thoughts,
    outputAudio,
  });
}

/**
 * Candidates plus thoughts, checked against totalTokenCount. Some older Vertex AI responses counted
 * thoughts inside candidatesTokenCount; the total tells the two apart, and anything else is refused.
 */
function outputTotal(parsed: z.output<typeof geminiUsageSchema>, outputAudio: number): number {
  const { totalTokenCount: total, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts } = parsed;
  const input = parsed.promptTokenCount + parsed.toolUsePromptTokenCount;
  if (total === null || total === undefined || total === input + candidates + thoughts) return candidates + thoughts;
  if (thoughts > 0 && thoughts + outputAudio <= candidates && total === input + candidates) return candidates;
  return throwInvalid(
    `${source}: totalTokenCount (${total}) differs from promptTokenCount + toolUsePromptTokenCount + candidatesTokenCount + thoughtsTokenCount (${input + candidates + thoughts})`,
    'totalTokenCount',
  );
}

function audioOf(details: ModalityCounts): number {
  return (details ?? []).filter((entry) => entry.modality === 'AUDIO').reduce((sum, entry) => sum + entry.tokenCount, 0);
}
