// Parse Mermaid files with Mermaid's own parser (in jsdom): prints
// `FILE ok TYPE` or `FILE ERROR MESSAGE` per file. Run by tests/graph.rs
// from a directory whose node_modules holds mermaid and jsdom
// (.ci/install-deps installs them under /opt/hostnet-ci/mermaid).
import fs from 'fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(fs.readFileSync(file, 'utf8'));
    console.log(`${file} ok ${result.diagramType}`);
  } catch (error) {
    console.log(`${file} ERROR ${error.message.replace(/\n/g, ' ')}`);
  }
}
