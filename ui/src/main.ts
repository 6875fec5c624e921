import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { initTheme } from './lib/theme';

// Before the first paint, so a dark choice does not flash light.
initTheme();

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });
