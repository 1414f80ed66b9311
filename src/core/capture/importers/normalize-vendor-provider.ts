// LiteLLM's custom_llm_provider ("vertex_ai", "bedrock_converse", "azure_ai"…) and Helicone's provider
// ("OPENAI", "ANTHROPIC", "VERTEX"…) name providers their own way. The catalog refuses a provider it does
// not know (the call would be unpriced), so only names known here are passed on; others are left out and
// the model alone picks the price.
const providers: Record<string, string> = {
  openai: 'openai',
  text_completion_openai: 'openai',
  anthropic: 'anthropic',
  azure: 'azure',
  azure_ai: 'azure',
  azure_text: 'azure',
  bedrock: 'bedrock',
  bedrock_converse: 'bedrock',
  aws: 'bedrock',
  vertex_ai: 'google',
  vertex_ai_beta: 'google',
  vertex: 'google',
  gemini: 'google',
  google: 'google',
  mistral: 'mistral',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'xai',
  x_ai: 'xai',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  together_ai: 'together',
  together: 'together',
  fireworks_ai: 'fireworks',
  fireworks: 'fireworks',
  openrouter: 'openrouter',
  perplexity: 'perplexity',
};

/** unitcost's name for a vendor's provider name, or undefined when it is not one the catalog is known to take. */
export function normalizeVendorProvider(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return providers[raw.trim().toLowerCase().replace(/[-.\s]+/g, '_')];
}
