import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

// When the bundle started running: the first-render benchmark and test read it beside the requests' timings.
performance.mark('unitcost:script-start');
const container = document.getElementById('app')!;
// The boot message is plain HTML for the instant before the script runs; the app replaces it.
container.textContent = '';
render(<App />, container);
