import { percent, usd } from '../format.js';
import type { KpiCheck } from '../report-json.js';

const titles: Record<string, string> = {
  inference_margin: 'Inference margin',
  cost_per_active_user_month: 'Cost per active user / month',
  prompt_cache_hit_rate: 'Prompt-cache hit rate',
  response_cache_hit_rate: 'Response-cache hit rate',
  frontier_call_share: 'Frontier model share',
};

const stateWords = { ok: 'within threshold', breach: 'breach', no_data: 'no data' };

/** The KPIs against their thresholds: the card turns red on a breach, grey when it cannot be computed. */
export function KpiCards({ kpis }: { kpis: KpiCheck[] }) {
  return (
    <div class="cards" data-testid="kpi-cards">
      {kpis.map((check) => {
        const dollars = check.kpi === 'cost_per_active_user_month';
        const value = dollars ? usd(check.value) : percent(check.value);
        const change = check.change === null ? null : dollars ? `${check.change >= 0 ? '+' : '−'}${usd(Math.abs(check.change))}` : `${check.change >= 0 ? '+' : '−'}${(Math.abs(check.change) * 100).toFixed(1)} pts`;
        return (
          <div key={check.kpi} class={`card kpi ${check.status}`} data-kpi={check.kpi} data-value={check.value ?? ''} data-status={check.status}>
            <span class="kpi-label">{titles[check.kpi] ?? check.kpi.replace(/_/g, ' ')}</span>
            <strong>{value}</strong>
            <span class="kpi-rule">
              {check.rule}
              {check.kpi === 'cost_per_active_user_month' && check.limit !== null && check.status !== 'no_data' ? ` (${usd(check.limit)})` : ''}
              {change ? ` · ${change} vs previous` : ''}
            </span>
            <span class="kpi-state">{check.status === 'breach' ? '▲ ' : ''}{stateWords[check.status]}</span>
          </div>
        );
      })}
    </div>
  );
}
