import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

const container = document.getElementById('app')!;
// The boot message is plain HTML for the instant before the script runs; the app replaces it.
container.textContent = '';
render(<App />, container);
