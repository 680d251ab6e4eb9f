// CrackCam office: one crack. All alert text goes into the page through textContent (never innerHTML).
'use strict';
(function () {
  const id = new URLSearchParams(window.location.search).get('id');
  const SVG = 'http://www.w3.org/2000/svg';
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function when(ms) { return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'); }
  function kv(dl, k, v) { dl.appendChild(el('dt', k)); dl.appendChild(el('dd', v)); }

  function summary(c, sightings) {
    const s = document.getElementById('summary');
    s.textContent = '';
    document.getElementById('title').textContent = 'crack #' + c.id;
    const h = el('h2'); h.appendChild(el('span', c.status, 'st st-' + c.status)); h.appendChild(document.createTextNode(' ' + c.crackClass));
    s.appendChild(h);
    const dl = el('dl');
    kv(dl, 'position', c.lat === null ? 'none (merged by source and frames)' : c.lat.toFixed(7) + ', ' + c.lon.toFixed(7));
    kv(dl, 'orientation', c.orientationDeg === null ? 'unknown' : c.orientationDeg.toFixed(1) + '° (image axis)');
    kv(dl, 'first seen', when(c.firstSeenMs));
    kv(dl, 'last seen', when(c.lastSeenMs));
    kv(dl, 'sightings', c.sightings + ' from ' + c.devices + ' device(s)');
    kv(dl, 'highest p(crack)', c.maxProbability.toFixed(3));
    kv(dl, 'latest length / area', c.lengthPx.toFixed(1) + ' px / ' + c.areaPx + ' px');
    kv(dl, 'source', c.sourceName);
    s.appendChild(dl);
  }

  function trend(sightings) {
    const box = document.getElementById('trend');
    box.textContent = '';
    const W = 460, H = 160, L = 40, B = 20;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('width', W); svg.setAttribute('height', H); svg.setAttribute('class', 'trend');
    const t0 = sightings[0].timeMs, t1 = sightings[sightings.length - 1].timeMs;
    const series = [['lengthPx', '#1f4e9c', 'length px'], ['areaPx', '#c0392b', 'area px']];
    series.forEach(([key, colour, label], k) => {
      const vmax = Math.max(1, ...sightings.map(s => s[key]));
      const pts = sightings.map(s => {
        const x = L + (t1 > t0 ? (s.timeMs - t0) / (t1 - t0) : 0.5) * (W - L - 10);
        const y = H - B - (s[key] / vmax) * (H - B - 10);
        return [x, y];
      });
      const pl = document.createElementNS(SVG, 'polyline');
      pl.setAttribute('points', pts.map(p => p.join(',')).join(' '));
      pl.setAttribute('fill', 'none'); pl.setAttribute('stroke', colour); pl.setAttribute('stroke-width', '2');
      svg.appendChild(pl);
      for (const p of pts) {
        const c = document.createElementNS(SVG, 'circle');
        c.setAttribute('cx', p[0]); c.setAttribute('cy', p[1]); c.setAttribute('r', 3); c.setAttribute('fill', colour);
        svg.appendChild(c);
      }
      const t = document.createElementNS(SVG, 'text');
      t.setAttribute('x', L + k * 150); t.setAttribute('y', 10); t.setAttribute('fill', colour);
      t.textContent = label + ' (max ' + vmax.toFixed(0) + ')';
      svg.appendChild(t);
    });
    const ax = document.createElementNS(SVG, 'text');
    ax.setAttribute('x', L); ax.setAttribute('y', H - 4);
    ax.textContent = when(t0) + (t1 > t0 ? '  →  ' + when(t1) : '');
    svg.appendChild(ax);
    box.appendChild(svg);
    box.appendChild(el('p', sightings.length + ' sighting(s); each point is one sighting (latest revision of its alert).'));
  }

  function sighting(s) {
    const d = el('div', null, 'sighting');
    d.dataset.alertId = s.alertId;
    d.appendChild(el('b', when(s.timeMs) + ' · ' + s.deviceId));
    const ov = el('div', null, 'ov');
    const img = el('img', null, 'overlay'); img.alt = 'overlay'; img.src = '/api/sightings/' + s.alertId + '/overlay';
    ov.appendChild(img);
    img.addEventListener('load', () => {
      // the overlay is the best frame scaled down: outline the alert's own box on it
      const k = img.clientWidth / s.frame.width;
      const b = el('div', null, 'box');
      b.style.left = (s.bbox.x * k) + 'px'; b.style.top = (s.bbox.y * k) + 'px';
      b.style.width = (s.bbox.width * k) + 'px'; b.style.height = (s.bbox.height * k) + 'px';
      ov.appendChild(b);
    });
    d.appendChild(ov);
    const imgs = el('div');
    const m = el('img', null, 'mask'); m.alt = 'mask'; m.title = 'crack mask (bbox crop)'; m.src = '/api/sightings/' + s.alertId + '/mask';
    imgs.appendChild(m);
    if (s.has_region) { const r = el('img', null, 'mask'); r.alt = 'region'; r.title = 'C1C region'; r.src = '/api/sightings/' + s.alertId + '/region'; imgs.appendChild(r); }
    for (let i = 0; i < s.crops; i++) { const c = el('img', null, 'crop'); c.alt = 'tile ' + i; c.title = 'raw tile crop ' + i; c.src = '/api/sightings/' + s.alertId + '/crop-' + i; imgs.appendChild(c); }
    d.appendChild(imgs);
    const dl = el('dl');
    kv(dl, 'p(crack)', s.probability.toFixed(3));
    kv(dl, 'class / axis', s.crackClass + ' / ' + (s.orientationDeg === null ? '?' : s.orientationDeg.toFixed(1) + '°'));
    kv(dl, 'length / area', s.lengthPx.toFixed(1) + ' px / ' + s.areaPx + ' px');
    kv(dl, 'bbox', s.bbox.x + ',' + s.bbox.y + ' ' + s.bbox.width + '×' + s.bbox.height + ' of ' + s.frame.width + '×' + s.frame.height);
    kv(dl, 'tiles', s.tiles.map(t => t.x + ',' + t.y + ' p=' + t.p.toFixed(2)).join('; '));
    kv(dl, 'source', s.source.kind + ' ' + s.source.name + ' frames ' + s.firstFrame + '–' + s.lastFrame);
    kv(dl, 'position', s.lat === null ? 'none' : s.lat.toFixed(7) + ', ' + s.lon.toFixed(7));
    kv(dl, 'model', s.model.name);
    kv(dl, 'alert', s.alertId + ' rev ' + s.revision + ' (' + s.schema + ')');
    d.appendChild(dl);
    return d;
  }

  function verdicts(list) {
    const ol = document.getElementById('verdicts');
    ol.textContent = '';
    for (const v of list) {
      const li = el('li');
      li.appendChild(el('span', v.verdict, 'st st-' + v.verdict));
      li.appendChild(document.createTextNode(' by '));
      li.appendChild(el('b', v.who, 'who'));
      li.appendChild(document.createTextNode(' at ' + when(v.atMs) + (v.note ? ': ' : '')));
      if (v.note) li.appendChild(el('q', v.note, 'note'));
      ol.appendChild(li);
    }
  }

  async function load() {
    const r = await fetch('/api/cracks/' + encodeURIComponent(id));
    const body = await r.json();
    if (!r.ok) { document.getElementById('summary').textContent = body.error || ('error ' + r.status); return; }
    summary(body.crack, body.sightings);
    trend(body.sightings);
    const box = document.getElementById('sightings');
    box.textContent = '';
    for (const s of body.sightings.slice().reverse()) box.appendChild(sighting(s));
    verdicts(body.verdicts);
    document.body.dataset.loaded = String(body.sightings.length);
  }

  async function verdict(v) {
    const who = document.getElementById('who').value.trim();
    const msg = document.getElementById('verdict-msg');
    if (!who) { msg.textContent = 'Enter your name first.'; return; }
    localStorage.setItem('crackcam-who', who);
    const r = await fetch('/api/cracks/' + encodeURIComponent(id) + '/verdicts', {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({verdict: v, note: document.getElementById('note').value, who: who})
    });
    const body = await r.json();
    msg.textContent = r.ok ? 'Stored: ' + body.verdict + '.' : (body.error || ('error ' + r.status));
    if (r.ok) { document.getElementById('note').value = ''; load(); }
  }

  fetch('/api/config').then(r => r.json()).then(cfg => {
    if (cfg.banner) document.querySelector('header h1').after(el('span', cfg.banner, 'banner'));
  });
  document.getElementById('who').value = localStorage.getItem('crackcam-who') || '';
  for (const b of document.querySelectorAll('#verdict-box button')) b.addEventListener('click', () => verdict(b.dataset.verdict));
  load();
  const live = document.getElementById('live');
  const es = new EventSource('/api/events');
  es.onopen = () => { live.className = 'live on'; };
  es.onerror = () => { live.className = 'live off'; };
  es.addEventListener('crack', (e) => { if (e.data === String(id)) load(); });
})();
