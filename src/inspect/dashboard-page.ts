// The dashboard's one page: a tree of hubs → forms → nodes → resources with phases and conditions, a phase filter, and the selected object's live state diagram and history; updated from server-sent events, built with textContent only.
import { inlineScript, inspectionViewCss, inspectionViewScript } from './inspection-view.js';

const pageScript = `
(function () {
  'use strict';
  var selected = null;
  var lastDetail = '';
  var tree = { hubs: [], unattached: { forms: [], nodes: [] } };
  var filter = document.getElementById('phase-filter');
  var treeBox = document.getElementById('tree');
  var detail = document.getElementById('detail');
  var status = document.getElementById('connection');
  window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function keyOf(item) { return item.kind + '/' + item.namespace + '/' + item.name; }
  function phaseBadge(item) {
    var b = el('span', item.phase || 'Unknown', 'phase phase-' + String(item.phase || 'Unknown').replace(/[^A-Za-z]/g, ''));
    b.setAttribute('data-testid', 'phase');
    return b;
  }
  function counts(item) {
    var c = item.context || {};
    if (item.kind === 'node') return (c.readyResources || 0) + '/' + (c.desiredResources || 0) + ' ready';
    if (item.kind === 'form') return (c.readyNodes || 0) + '/' + (c.totalNodes || 0) + ' nodes ready';
    return (c.ready || 0) + '/' + (c.desired || 0) + ' nodes ready';
  }
  function notReady(item) {
    return ((item.context || {}).conditions || []).filter(function (k) {
      return k.status !== 'True' && (k.type === 'Ready' || k.type === 'Valid' || k.type === 'DatasourceReachable');
    });
  }
  function row(item, depth) {
    var li = el('li', undefined, 'row depth-' + depth);
    li.setAttribute('data-testid', item.kind + '-row');
    li.setAttribute('data-key', item.namespace + '/' + item.name);
    if (selected === keyOf(item)) li.classList.add('selected');
    var line = el('div', undefined, 'line');
    line.appendChild(el('span', item.kind, 'kind'));
    var name = el('span', item.namespace + '/' + item.name, 'name');
    name.setAttribute('data-testid', 'name');
    line.appendChild(name);
    line.appendChild(phaseBadge(item));
    line.appendChild(el('span', item.state || '', 'substate'));
    line.appendChild(el('span', counts(item), 'counts'));
    if (item.kind === 'node' && item.context && item.context.uid !== undefined) {
      var uid = el('span', 'uid ' + item.context.uid, 'uid');
      uid.setAttribute('data-testid', 'uid');
      line.appendChild(uid);
    }
    line.addEventListener('click', function () { select(item); });
    li.appendChild(line);
    notReady(item).forEach(function (k) {
      li.appendChild(el('div', k.type + '=' + k.status + ' ' + k.reason + (k.message ? ': ' + k.message : ''), 'condition'));
    });
    if (item.kind === 'node') {
      var resources = (item.context && item.context.resources) || [];
      if (resources.length > 0) {
        var ul = el('ul', undefined, 'resources');
        resources.forEach(function (r) {
          var rli = el('li', r.id + ' ' + r.state + (r.reason ? ' ' + r.reason : '') + (r.message ? ': ' + r.message : ''), r.state === 'Ready' ? 'resource' : 'resource failing');
          rli.setAttribute('data-testid', 'resource');
          ul.appendChild(rli);
        });
        li.appendChild(ul);
      }
    }
    return li;
  }
  function visible(item) { return filter.value === '' || item.phase === filter.value; }
  function drawTree() {
    var list = el('ul', undefined, 'tree');
    var shown = 0;
    function nodes(form, into) {
      form.nodes.forEach(function (n) { if (visible(n)) { into.appendChild(row(n, 2)); shown += 1; } });
    }
    tree.hubs.forEach(function (hub) {
      if (filter.value === '' || hub.phase === filter.value) list.appendChild(row(hub, 0));
      hub.forms.forEach(function (form) {
        if (filter.value === '' || form.phase === filter.value) list.appendChild(row(form, 1));
        nodes(form, list);
      });
    });
    tree.unattached.forms.forEach(function (form) {
      if (visible(form)) list.appendChild(row(form, 1));
      nodes(form, list);
    });
    tree.unattached.nodes.forEach(function (n) { if (visible(n)) { list.appendChild(row(n, 2)); shown += 1; } });
    treeBox.textContent = '';
    treeBox.appendChild(list);
    document.getElementById('shown').textContent = shown + ' nodes shown';
  }
  function select(item) {
    selected = keyOf(item);
    lastDetail = '';
    drawTree();
    refreshDetail();
  }
  function refreshDetail() {
    if (selected === null) return;
    var parts = selected.split('/');
    var url = '/api/inspect/' + encodeURIComponent(parts[0]) + '/' + encodeURIComponent(parts[1]) + '/' + encodeURIComponent(parts.slice(2).join('/'));
    fetch(url).then(function (res) {
      if (res.status === 404) { detail.textContent = 'gone: ' + parts.slice(1).join('/'); lastDetail = ''; return null; }
      return res.json();
    }).then(function (data) {
      if (data === null) return;
      var text = JSON.stringify(data.inspection);
      if (text === lastDetail) return;
      lastDetail = text;
      window.lynqRenderInspection(detail, data.inspection, data.mermaid);
    }).catch(function (err) { detail.textContent = 'cannot load: ' + err; });
  }
  filter.addEventListener('change', drawTree);
  var source = new EventSource('/events');
  source.addEventListener('tree', function (event) {
    tree = JSON.parse(event.data);
    status.textContent = 'live, updated ' + new Date().toLocaleTimeString();
    status.setAttribute('data-updates', String(Number(status.getAttribute('data-updates') || '0') + 1));
    drawTree();
    refreshDetail();
  });
  source.addEventListener('error', function () { status.textContent = 'reconnecting…'; });
})();
`;

const pageCss = `
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #111; }
header { display: flex; gap: 1em; align-items: center; padding: .5em 1em; background: #1e293b; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; }
main { display: grid; grid-template-columns: minmax(28em, 1fr) 2fr; gap: 1em; padding: 1em; }
ul.tree, ul.resources { list-style: none; margin: 0; padding: 0; }
li.row { margin: .15em 0; }
li.row .line { cursor: pointer; display: flex; flex-wrap: wrap; gap: .6em; align-items: baseline; padding: .1em .3em; border-radius: 3px; }
li.row .line:hover, li.row.selected .line { background: #e2e8f0; }
li.depth-1 { margin-left: 1.2em; } li.depth-2 { margin-left: 2.4em; }
.kind { color: #64748b; font-size: .85em; min-width: 3em; }
.name { font-weight: 600; overflow-wrap: anywhere; }
.uid { overflow-wrap: anywhere; max-width: 30em; }
.substate, .counts, .uid { color: #475569; font-size: .9em; }
.phase { border-radius: 3px; padding: 0 .35em; font-size: .85em; background: #e2e8f0; }
.phase-Ready { background: #bbf7d0; } .phase-Degraded, .phase-Invalid { background: #fecaca; }
.phase-Applying, .phase-Pending, .phase-Syncing { background: #fde68a; } .phase-Deleting { background: #ddd6fe; }
.condition, ul.resources { margin-left: 3.6em; font-size: .85em; color: #475569; }
.resource.failing, .condition { color: #b91c1c; }
#detail { border-left: 1px solid #e2e8f0; padding-left: 1em; min-width: 0; }
`;

/** The page; its scripts are inline and mermaid comes from `/assets/mermaid.min.js` (same origin). */
export const dashboardPage = (): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Lynq dashboard</title>
<style>${pageCss}${inspectionViewCss}</style>
</head>
<body>
<header>
<h1>Lynq</h1>
<label>phase <select id="phase-filter" data-testid="phase-filter">
<option value="">all</option><option>Pending</option><option>Applying</option><option>Ready</option><option>Degraded</option><option>Deleting</option><option>Invalid</option><option>Suspended</option>
</select></label>
<span id="shown"></span>
<span id="connection" data-testid="connection">connecting…</span>
</header>
<main>
<section id="tree" data-testid="tree"></section>
<section id="detail" data-testid="detail">Select a hub, form or node to see its state machine.</section>
</main>
<script src="/assets/mermaid.min.js"></script>
<script>${inlineScript(inspectionViewScript)}</script>
<script>${inlineScript(pageScript)}</script>
</body>
</html>
`;
