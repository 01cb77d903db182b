// The drop target window (see src-tauri/desktop/drop_target.rs): files dropped on it are shared by
// the main window; this page only shows that it takes them and what is uploading.
import { mount } from 'svelte';
import DropTarget from './views/drop-target/DropTarget.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) {
  throw new Error('missing #app element');
}

export default mount(DropTarget, { target });
