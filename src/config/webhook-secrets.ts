import type { WebhookConfig } from '../core/governance/alerts/webhook-config.js';
import { SecretKey } from '../core/gateway/secret-key.js';

/** A webhook with the signing key its secret_env names, read from the environment. */
export interface SignedWebhook extends WebhookConfig {
  /** Undefined when the variable is unset: deliveries to it wait (and say why) rather than go out unsigned. */
  secret: SecretKey | undefined;
}

/**
 * Reads the signing keys the webhooks name from the environment (the config module is the only reader of
 * process.env, and keys stay out of files). An unset variable is not an error here: the other webhooks
 * still deliver, and that one's notifications wait in the outbox, naming the variable, until it is set.
 */
export function loadWebhookSecrets(webhooks: WebhookConfig[], environment: NodeJS.ProcessEnv = process.env): { webhooks: SignedWebhook[]; unsetVariables: string[] } {
  const unsetVariables: string[] = [];
  const signed = webhooks.map((webhook) => {
    const value = environment[webhook.secret_env];
    if (!value) unsetVariables.push(webhook.secret_env);
    return { ...webhook, secret: value ? new SecretKey(value) : undefined };
  });
  return { webhooks: signed, unsetVariables };
}
