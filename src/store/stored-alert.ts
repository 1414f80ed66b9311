import type { AlertCause, FiredAlert } from '../core/governance/alerts/fired-alert.js';

/*
 * How an incident's alert is kept in alert_incidents.alert_json (on every backend): the FiredAlert as it is, with its picodollar
 * amounts as decimal strings (JSON numbers would round them), so that reading it back gives the same alert.
 */

type StoredCause = Omit<AlertCause, 'baselinePicodollars' | 'currentPicodollars' | 'contributions'> & {
  baselinePicodollars: string;
  currentPicodollars: string;
  contributions: Array<Omit<AlertCause['contributions'][number], 'deltaPicodollars'> & { deltaPicodollars: string }>;
};

/** The text kept for an alert. */
export function storedAlertText(alert: FiredAlert): string {
  const { cause, ...rest } = alert;
  const stored: Omit<FiredAlert, 'cause'> & { cause?: StoredCause } = rest;
  if (cause) {
    stored.cause = {
      ...cause,
      baselinePicodollars: cause.baselinePicodollars.toString(),
      currentPicodollars: cause.currentPicodollars.toString(),
      contributions: cause.contributions.map((part) => ({ ...part, deltaPicodollars: part.deltaPicodollars.toString() })),
    };
  }
  return JSON.stringify(stored);
}

/** The alert back from its kept text. */
export function alertFromStoredText(text: string): FiredAlert {
  const { cause, ...rest } = JSON.parse(text) as Omit<FiredAlert, 'cause'> & { cause?: StoredCause };
  const alert: FiredAlert = rest;
  if (cause) {
    alert.cause = {
      ...cause,
      baselinePicodollars: BigInt(cause.baselinePicodollars),
      currentPicodollars: BigInt(cause.currentPicodollars),
      contributions: cause.contributions.map((part) => ({ ...part, deltaPicodollars: BigInt(part.deltaPicodollars) })),
    };
  }
  return alert;
}
