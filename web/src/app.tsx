import { useEffect, useState } from 'preact/hooks';
import { onApiKeyChange } from './api.js';
import { FilterBar } from './components/filter-bar.js';
import { linkHandler, usePlace } from './location.js';
import { AlertsPage } from './pages/alerts-page.js';
import { BudgetsPage } from './pages/budgets-page.js';
import { EstimatePage } from './pages/estimate-page.js';
import { FeaturePage } from './pages/feature-page.js';
import { GatewayPage } from './pages/gateway-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PlansPage } from './pages/plans-page.js';
import { ReconcilePage } from './pages/reconcile-page.js';
import { StatementsPage } from './pages/statements-page.js';
import { WhatIfPage } from './pages/what-if-page.js';

const pages = [
  { path: '/', title: 'Overview' },
  { path: '/what-if', title: 'What-if' },
  { path: '/estimate', title: 'Estimate' },
  { path: '/gateway', title: 'Gateway' },
  { path: '/budgets', title: 'Budgets' },
  { path: '/alerts', title: 'Alerts' },
  { path: '/statements', title: 'Statements' },
  { path: '/plans', title: 'Plans' },
  { path: '/reconcile', title: 'Reconcile' },
];

/** The dashboard: a header with the pages, the filters where they apply, and the page. */
export function App() {
  const place = usePlace();
  const [keyVersion, setKeyVersion] = useState(0);
  useEffect(() => onApiKeyChange(() => setKeyVersion((version) => version + 1)), []);
  const featureMatch = /^\/feature\/(.+)$/.exec(place.path);
  const feature = featureMatch ? decodeURIComponent(featureMatch[1]!) : null;
  const filtered = place.path === '/' || feature !== null;
  let page;
  if (feature !== null) page = <FeaturePage feature={feature} query={place.query} />;
  else if (place.path === '/what-if') page = <WhatIfPage query={place.query} />;
  else if (place.path === '/estimate') page = <EstimatePage query={place.query} />;
  else if (place.path === '/gateway') page = <GatewayPage query={place.query} />;
  else if (place.path === '/budgets') page = <BudgetsPage />;
  else if (place.path === '/alerts') page = <AlertsPage query={place.query} />;
  else if (place.path === '/statements') page = <StatementsPage query={place.query} />;
  else if (place.path === '/plans') page = <PlansPage query={place.query} />;
  else if (place.path === '/reconcile') page = <ReconcilePage query={place.query} />;
  else if (place.path === '/') page = <OverviewPage query={place.query} />;
  else page = <p class="notice">No page at {place.path}. <a href="/" onClick={linkHandler('/')}>Go to the overview</a>.</p>;
  return (
    <div class="shell" key={keyVersion}>
      <header class="top">
        <a class="brand" href="/" onClick={linkHandler('/')}>
          unitcost
        </a>
        <nav>
          {pages.map((item) => (
            <a key={item.path} href={item.path} onClick={linkHandler(item.path)} class={item.path === place.path || (item.path === '/' && feature !== null) ? 'active' : ''}>
              {item.title}
            </a>
          ))}
        </nav>
      </header>
      {filtered && <FilterBar query={place.query} />}
      <main>{page}</main>
    </div>
  );
}
