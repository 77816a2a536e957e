// The browser side of an inspection view (diagram, state, history timeline, resources), shared by the HTML export and the dashboard: plain script text, DOM built with textContent only.

/** Styles of the view; no external fonts or images. */
export const inspectionViewCss = `
.lynq-view { font: 14px/1.4 system-ui, sans-serif; color: #111; }
.lynq-view h2 { margin: 0 0 .3em; font-size: 1.2em; }
.lynq-view .state { display: inline-block; background: #f59e0b; border: 2px solid #92400e; border-radius: 4px; padding: 0 .4em; font-weight: 600; }
.lynq-view dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: .5em 0; }
.lynq-view dt { color: #555; }
.lynq-view dd { margin: 0; word-break: break-word; }
.lynq-view table { border-collapse: collapse; margin: .5em 0; }
.lynq-view td, .lynq-view th { border: 1px solid #ddd; padding: .2em .5em; text-align: left; vertical-align: top; }
.lynq-view ol.timeline { list-style: none; padding-left: 0; border-left: 3px solid #1d4ed8; }
.lynq-view ol.timeline li { margin: .2em 0 .2em .6em; }
.lynq-view ol.timeline time { color: #555; margin-right: .6em; font-variant-numeric: tabular-nums; }
.lynq-view .diagram { overflow: auto; border: 1px solid #eee; padding: .5em; margin: .5em 0; }
.lynq-view .failing { color: #b91c1c; }
`;

/**
 * Defines `lynqRenderInspection(container, inspection, mermaidText)` in the page. Everything read
 * from the cluster goes through `textContent`; only mermaid's SVG (drawn from the machine
 * definition, which holds no cluster data) is inserted as markup. Needs `mermaid` loaded.
 */
export const inspectionViewScript = `
(function () {
  'use strict';
  var diagramCount = 0;
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function row(dl, key, value) {
    dl.appendChild(el('dt', key));
    dl.appendChild(el('dd', value === undefined || value === null || value === '' ? '-' : value));
  }
  window.lynqRenderInspection = function (container, inspection, mermaidText) {
    container.textContent = '';
    container.classList.add('lynq-view');
    var c = inspection.context || {};
    container.appendChild(el('h2', inspection.apiKind + ' ' + inspection.namespace + '/' + inspection.name));
    var head = el('p');
    head.appendChild(document.createTextNode('state '));
    var state = el('span', inspection.state || '(unknown)', 'state');
    state.setAttribute('data-testid', 'current-state');
    head.appendChild(state);
    if (inspection.phase) head.appendChild(document.createTextNode('  phase ' + inspection.phase));
    container.appendChild(head);
    var dl = el('dl');
    row(dl, 'event', inspection.event);
    row(dl, 'since', inspection.since);
    row(dl, 'source', inspection.source === 'operator' ? 'the operator (live actor)' : 'status, through the API');
    if (inspection.kind === 'node') {
      row(dl, 'resources', (c.readyResources || 0) + '/' + (c.desiredResources || 0) + ' ready, ' + (c.failedResources || 0) + ' failed');
      row(dl, 'uid', c.uid);
      row(dl, 'form', c.form);
      row(dl, 'revision', c.revision);
    } else if (inspection.kind === 'hub') {
      var rows = c.rows || {};
      row(dl, 'nodes', (c.ready || 0) + '/' + (c.desired || 0) + ' ready, ' + (c.failed || 0) + ' failed');
      row(dl, 'rows', (rows.active || 0) + ' active of ' + (rows.total || 0) + ', ' + (rows.rejected || 0) + ' rejected');
    } else {
      var rollout = c.rollout || {};
      row(dl, 'nodes', (c.readyNodes || 0) + '/' + (c.totalNodes || 0) + ' ready, ' + (c.failedNodes || 0) + ' failed');
      row(dl, 'revision', c.currentRevision);
      row(dl, 'rollout', rollout.phase);
    }
    container.appendChild(dl);
    var diagram = el('div', undefined, 'diagram');
    diagram.setAttribute('data-testid', 'diagram');
    container.appendChild(diagram);
    if (window.mermaid && mermaidText) {
      diagramCount += 1;
      window.mermaid.render('lynq-diagram-' + diagramCount, mermaidText).then(function (out) {
        diagram.innerHTML = out.svg;
        diagram.setAttribute('data-rendered', 'true');
      }, function (err) {
        diagram.textContent = 'diagram failed: ' + (err && err.message ? err.message : String(err));
      });
    }
    if (Array.isArray(c.resources) && c.resources.length > 0) {
      container.appendChild(el('h3', 'Resources'));
      var table = el('table');
      table.setAttribute('data-testid', 'resources');
      var header = el('tr');
      ['id', 'state', 'reason', 'message'].forEach(function (h) { header.appendChild(el('th', h)); });
      table.appendChild(header);
      c.resources.forEach(function (r) {
        var tr = el('tr', undefined, r.state === 'Ready' ? '' : 'failing');
        [r.id, r.state, r.reason, r.message].forEach(function (v) { tr.appendChild(el('td', v === undefined ? '' : v)); });
        table.appendChild(tr);
      });
      container.appendChild(table);
    }
    if (Array.isArray(c.conditions) && c.conditions.length > 0) {
      container.appendChild(el('h3', 'Conditions'));
      var ct = el('table');
      c.conditions.forEach(function (k) {
        var tr = el('tr');
        [k.type, k.status, k.reason, k.message].forEach(function (v) { tr.appendChild(el('td', v)); });
        ct.appendChild(tr);
      });
      container.appendChild(ct);
    }
    container.appendChild(el('h3', 'History'));
    var ol = el('ol', undefined, 'timeline');
    ol.setAttribute('data-testid', 'history');
    (inspection.history || []).forEach(function (t) {
      var li = el('li');
      li.appendChild(el('time', t.at));
      li.appendChild(document.createTextNode(t.from + ' \\u2192 ' + t.to + '  ' + t.event));
      ol.appendChild(li);
    });
    container.appendChild(ol);
  };
})();
`;

/** Text for an inline `<script>`: `</script` and `<!--` cannot end or bend it. */
export const inlineScript = (code: string): string =>
  code.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');

/** JSON for an inline `<script type="application/json">`: no `<` survives, so no tag can open. */
export const inlineJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
