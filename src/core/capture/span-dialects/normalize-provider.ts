// Each dialect names providers its own way: semconv's 'aws.bedrock' and 'azure.ai.openai', its deprecated
// gen_ai.system's 'az.ai.openai' and 'vertex_ai', OpenLLMetry's 'Anthropic', OpenInference's 'aws' and
// 'mistralai', the AI SDK's 'amazon-bedrock' and 'google.vertex.chat'. The event format wants one name
// per provider so that the catalog can pick the reseller's price.
const aliases: Record<string, string> = {
  'aws.bedrock': 'bedrock',
  aws: 'bedrock',
  'amazon-bedrock': 'bedrock',
  bedrock: 'bedrock',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'az.ai.openai': 'azure',
  'az.ai.inference': 'azure',
  'azure-openai': 'azure',
  azure: 'azure',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  vertex_ai: 'google',
  vertexai: 'google',
  vertex: 'google',
  gemini: 'google',
  google: 'google',
  'google.generative-ai': 'google',
  'google.vertex': 'google',
  google_genai: 'google',
  'google-genai': 'google',
  mistral_ai: 'mistral',
  mistralai: 'mistral',
  mistral: 'mistral',
  x_ai: 'xai',
  xai: 'xai',
  'ibm.watsonx.ai': 'watsonx',
  watsonx: 'watsonx',
};

/** Maps a dialect's provider name to unitcost's: 'aws.bedrock' → 'bedrock', 'azure.ai.openai' → 'azure', 'openai.chat' → 'openai'. */
export function normalizeProvider(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw.trim().toLowerCase();
  if (name === '') return undefined;
  const exact = aliases[name];
  if (exact !== undefined) return exact;
  // Dotted names qualify a provider with an API ('openai.chat', 'anthropic.messages', 'google.vertex.chat'):
  // try ever shorter prefixes.
  const parts = name.split('.');
  for (let length = parts.length - 1; length >= 1; length--) {
    const prefix = parts.slice(0, length).join('.');
    const alias = aliases[prefix];
    if (alias !== undefined) return alias;
    if (length === 1) return prefix;
  }
  return name;
}

/** True when the provider serves Claude through Anthropic's usage accounting (directly or on Vertex/Bedrock). */
export function isAnthropicFamily(raw: string | undefined): boolean {
  return raw !== undefined && raw.toLowerCase().includes('anthropic');
}

/** True when the provider is Google's Gemini API or Vertex AI, whose candidate counts exclude thoughts. */
export function isGoogleFamily(raw: string | undefined): boolean {
  // Claude on Vertex ('vertex.anthropic.messages') is served by Google but counted the Anthropic way.
  return normalizeProvider(raw) === 'google' && !isAnthropicFamily(raw);
}
