// CrackCam office: map and list. All alert text goes into the page through textContent (never innerHTML).
'use strict';
(function () {
  const STATUS_COLOURS = {new: '#e67e22', confirmed: '#c0392b', not_crack: '#7f8c8d', repaired: '#27ae60', reopened: '#8e44ad'};
  const TYPE_COLOURS = {longitudinal: '#1f4e9c', transverse: '#000000', diagonal: '#d4ac0d', network: '#c71585'};
  const staticData = document.getElementById('static-data');
  const STATIC = staticData ? JSON.parse(staticData.textContent) : null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function when(ms) { return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'); }

  const map = L.map('map', {preferCanvas: false}).setView([0, 0], 2);
  const layer = L.layerGroup().addTo(map);
  let fitted = false;

  function setupTiles(cfg) {
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, {maxZoom: 21, attribution: cfg.tile_attribution || ''}).addTo(map);
    } else {
      document.getElementById('map').classList.add('plain');
    }
  }

  function legend() {
    const lg = document.getElementById('legend');
    lg.textContent = '';
    lg.appendChild(el('b', 'fill = status: '));
    for (const [k, c] of Object.entries(STATUS_COLOURS)) {
      const s = el('span'); const i = el('i'); i.style.background = c; s.appendChild(i); s.appendChild(document.createTextNode(k)); lg.appendChild(s);
    }
    lg.appendChild(el('br'));
    lg.appendChild(el('b', 'ring = type: '));
    for (const [k, c] of Object.entries(TYPE_COLOURS)) {
      const s = el('span'); const i = el('i'); i.style.border = '3px solid ' + c; s.appendChild(i); s.appendChild(document.createTextNode(k)); lg.appendChild(s);
    }
  }

  function crackUrl(id) { return '/crack?id=' + encodeURIComponent(id); }

  function popup(c) {
    const d = el('div', null, 'popup');
    const t = el('b', '#' + c.id + ' ' + c.status + ', ' + c.crackClass);
    d.appendChild(t);
    d.appendChild(el('div', c.sightings + ' sighting(s), ' + c.devices + ' device(s); last ' + when(c.lastSeenMs)));
    d.appendChild(el('div', 'p max ' + c.maxProbability.toFixed(3) + ', length ' + c.lengthPx.toFixed(0) + ' px'));
    const src = STATIC ? (STATIC.thumbs[c.id] || null) : (c.latestAlertId ? '/api/sightings/' + c.latestAlertId + '/overlay' : null);
    if (src) { const img = el('img'); img.src = src; img.alt = 'overlay'; d.appendChild(img); }
    if (!STATIC) { const a = el('a', 'open crack page'); a.href = crackUrl(c.id); d.appendChild(a); }
    return d;
  }

  function render(cracks) {
    layer.clearLayers();
    const tb = document.querySelector('#crack-list tbody');
    tb.textContent = '';
    const pts = [];
    for (const c of cracks) {
      const tr = el('tr');
      tr.dataset.id = c.id;
      tr.appendChild(el('td', c.id));
      const st = el('td'); st.appendChild(el('span', c.status, 'st st-' + c.status)); tr.appendChild(st);
      tr.appendChild(el('td', c.crackClass));
      tr.appendChild(el('td', when(c.lastSeenMs)));
      tr.appendChild(el('td', c.sightings));
      tr.appendChild(el('td', c.maxProbability.toFixed(3)));
      tr.appendChild(el('td', c.lengthPx.toFixed(0)));
      if (!STATIC) tr.addEventListener('click', () => { window.location.href = crackUrl(c.id); });
      tb.appendChild(tr);
      if (c.lat !== null && c.lon !== null) {
        const m = L.circleMarker([c.lat, c.lon], {
          radius: 7, weight: 3, color: TYPE_COLOURS[c.crackClass] || '#000', fillColor: STATUS_COLOURS[c.status] || '#fff',
          fillOpacity: 0.9, className: 'crack-marker crack-' + c.id
        });
        m.bindPopup(() => popup(c));
        m.bindTooltip('#' + c.id, {direction: 'top'});
        m.addTo(layer);
        pts.push([c.lat, c.lon]);
      }
    }
    if (!fitted && pts.length) { map.fitBounds(L.latLngBounds(pts).pad(0.2), {maxZoom: 19}); fitted = true; }
    const stats = document.getElementById('stats');
    stats.textContent = cracks.length + ' crack(s) shown';
    document.body.dataset.loaded = String(cracks.length);
  }

  function params() {
    const p = new URLSearchParams();
    for (const e of document.getElementById('filters').elements) {
      if (e.name && e.value) p.set(e.name, e.value);
    }
    return p;
  }

  async function load() {
    if (STATIC) { render(STATIC.cracks); return; }
    const q = params().toString();
    document.getElementById('export-geojson').href = '/export/cracks.geojson?' + q;
    document.getElementById('export-csv').href = '/export/cracks.csv?' + q;
    const r = await fetch('/api/cracks?' + q);
    const body = await r.json();
    if (!r.ok) { document.getElementById('stats').textContent = body.error || ('error ' + r.status); return; }
    render(body);
  }

  let pending = null;
  function soon() { if (pending) clearTimeout(pending); pending = setTimeout(() => { pending = null; load(); }, 250); }

  async function start() {
    const cfg = STATIC ? STATIC.config : await (await fetch('/api/config')).json();
    setupTiles(cfg);
    if (cfg.banner) document.querySelector('header h1').after(el('span', cfg.banner, 'banner'));
    for (const [id, list] of [['f-status', Object.keys(STATUS_COLOURS)], ['f-type', Object.keys(TYPE_COLOURS)]]) {
      const s = document.getElementById(id);
      for (const v of list) { const o = el('option', v); o.value = v; s.appendChild(o); }
    }
    legend();
    document.getElementById('filters').addEventListener('submit', (e) => { e.preventDefault(); load(); });
    await load();
    if (!STATIC) {
      const live = document.getElementById('live');
      const es = new EventSource('/api/events');
      es.onopen = () => { live.className = 'live on'; };
      es.onerror = () => { live.className = 'live off'; };
      es.addEventListener('crack', soon);
    }
  }
  start();
})();
