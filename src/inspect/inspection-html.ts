// `lynq inspect --format html`: one self-contained HTML file (mermaid inline, no network) with the diagram, the current state, the history as a timeline and the per-resource states.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Inspection } from './inspection.js';
import {
  inlineJson,
  inlineScript,
  inspectionViewCss,
  inspectionViewScript,
} from './inspection-view.js';

/** mermaid's browser bundle, shipped with the package (a production dependency): no CDN. */
export const readMermaidBundle = async (): Promise<string> =>
  readFile(createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'), 'utf8');

/** Escapes text for HTML element content and attribute values. */
const escapeHtml = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/**
 * The page. Its Content-Security-Policy allows no request at all (`default-src 'none'`), so it
 * works offline and cannot leak; the data travels as inline JSON and is shown with textContent.
 */
export const inspectionHtml = (
  inspection: Inspection,
  mermaidText: string,
  mermaidBundle: string,
): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${escapeHtml(`${inspection.apiKind} ${inspection.namespace}/${inspection.name}`)}</title>
<style>${inspectionViewCss}</style>
</head>
<body>
<main id="inspection"></main>
<script type="application/json" id="lynq-inspection">${inlineJson({ inspection, mermaid: mermaidText })}</script>
<script>${inlineScript(mermaidBundle)}</script>
<script>${inlineScript(inspectionViewScript)}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('lynq-inspection').textContent);
  window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  window.lynqRenderInspection(document.getElementById('inspection'), data.inspection, data.mermaid);
})();
</script>
</body>
</html>
`;
