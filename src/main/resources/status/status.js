// The status page: reads /api/admin/rooms, /metrics and /health every few seconds. The admin token
// comes from the URL fragment (#token=..., never sent to the server in a URL) or the form, and is
// kept in sessionStorage (this tab only). Everything shown is set as text: peer ids and metadata
// come from clients.
'use strict';

const POLL_MS = 2000;
const WINDOW_MS = 5 * 60 * 1000;
const TOKEN_KEY = 'kp-admin-token';
const samples = []; // {t, received, delivered}: cumulative counters of this node
let timer = null;

const $ = (id) => document.getElementById(id);

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search); // out of the address bar and history
  }
}

/** 'login', 'dashboard', or 'disabled' (the dashboard without rooms, and a notice). */
function show(state) {
  $('login').hidden = state !== 'login';
  $('disabled').hidden = state !== 'disabled';
  $('dashboard').hidden = state === 'login';
  $('rooms-card').hidden = state !== 'dashboard';
}

async function get(path, withToken) {
  const headers = withToken && token() ? { Authorization: 'Bearer ' + token() } : {};
  return fetch(path, { headers, cache: 'no-store' });
}

/** Sums every sample of each metric in Prometheus' text format, by name. */
function parseMetrics(text) {
  const sums = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) sums[m[1]] = (sums[m[1]] || 0) + Number(m[3]);
  }
  return sums;
}

function formatBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(2) + ' MiB';
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function admin(method, path) {
  const res = await fetch(path, { method, headers: { Authorization: 'Bearer ' + token() } });
  if (!res.ok) alert((await res.json().catch(() => ({}))).error || res.statusText);
  poll();
}

function renderRooms(rooms) {
  const body = $('rooms').querySelector('tbody');
  body.replaceChildren();
  $('no-rooms').hidden = rooms.length > 0;
  for (const room of rooms) {
    const row = el('tr');
    row.dataset.room = room.code;
    row.append(el('td', room.code, 'code'));

    const peersCell = el('td');
    peersCell.append(el('span', String(room.peer_count), 'peer-count'));
    const list = el('ul', undefined, 'peers');
    for (const peer of room.peers) {
      const item = el('li', peer.id + (peer.is_host ? ' (host)' : ''));
      const where = peer.connections.map((c) => c.address + ' @ ' + c.node.slice(0, 8)).join(', ');
      item.append(el('div', where, 'peer-conn'));
      const kick = el('button', 'disconnect', 'small danger');
      kick.addEventListener('click', () => {
        if (confirm('Disconnect ' + peer.id + ' from ' + room.code + '?')) {
          admin('POST', '/api/admin/rooms/' + room.code + '/peers/' + encodeURIComponent(peer.id) + '/disconnect');
        }
      });
      item.append(kick);
      list.append(item);
    }
    peersCell.append(list);
    row.append(peersCell);

    row.append(el('td', room.document ? formatBytes(room.document.size) + ' · rev ' + room.document.revision : '–'));
    row.append(el('td', ago(room.last_activity)));
    const actions = el('td');
    const remove = el('button', 'delete', 'danger');
    remove.addEventListener('click', () => {
      if (confirm('Delete room ' + room.code + ' and its document?')) admin('DELETE', '/api/admin/rooms/' + room.code);
    });
    actions.append(remove);
    row.append(actions);
    body.append(row);
  }
}

function renderChart() {
  const rates = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const seconds = (b.t - a.t) / 1000;
    rates.push({ t: b.t, received: (b.received - a.received) / seconds, delivered: (b.delivered - a.delivered) / seconds });
  }
  const peak = Math.max(1, ...rates.map((r) => Math.max(r.received, r.delivered)));
  const now = Date.now();
  const points = (key) => rates.map((r) => {
    const x = 600 - ((now - r.t) / WINDOW_MS) * 600;
    const y = 160 - (r[key] / peak) * 150; // the peak on the top grid line (y = 10)
    return x.toFixed(1) + ',' + y.toFixed(1);
  }).join(' ');
  $('line-received').setAttribute('points', points('received'));
  $('line-delivered').setAttribute('points', points('delivered'));
  const last = rates[rates.length - 1] || { received: 0, delivered: 0 };
  $('rate-received').textContent = Math.round(last.received);
  $('rate-delivered').textContent = Math.round(last.delivered);
  $('rate-peak').textContent = Math.round(peak);
  $('axis-peak').textContent = Math.round(peak) + '/s';
}

function renderMetrics(m, health) {
  $('connections').textContent = m.kp_connections ?? '–';
  $('rooms-count').textContent = (m.kp_rooms_active ?? '–') + ' / ' + (health.rooms ?? '–');
  $('members').textContent = m.kp_cluster_members ?? '–';
  $('queued').textContent = m.kp_store_queued_writes ?? '–';
  const store = $('store');
  store.textContent = health.status === 'healthy' ? 'healthy' : (health.reason || health.status);
  store.classList.toggle('bad', health.status !== 'healthy');
  $('version').textContent = health.version ? 'v' + health.version : '';
  samples.push({ t: Date.now(), received: m.kp_messages_received_total || 0, delivered: m.kp_messages_delivered_total || 0 });
  while (samples.length > 2 && Date.now() - samples[0].t > WINDOW_MS) samples.shift();
  renderChart();
}

async function poll() {
  try {
    const sent = token();
    const rooms = await get('/api/admin/rooms', true);
    if (rooms.status === 404) {
      show('disabled');
    } else if (rooms.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('login-error').textContent = sent ? 'That token was refused.' : '';
      show('login');
      return;
    } else {
      renderRooms((await rooms.json()).rooms);
      show('dashboard');
    }
    const [metrics, health] = await Promise.all([get('/metrics', true), get('/health', false)]);
    if (metrics.ok && !$('dashboard').hidden) {
      renderMetrics(parseMetrics(await metrics.text()), await health.json());
    }
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    $('updated').textContent = 'server unreachable (' + e.message + '), retrying';
  }
}

function start() {
  takeTokenFromFragment();
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    poll();
  });
  $('logout').addEventListener('click', (event) => {
    event.preventDefault();
    sessionStorage.removeItem(TOKEN_KEY);
    show('login');
  });
  if (!token()) show('login');
  poll();
  timer = setInterval(poll, POLL_MS);
}

document.addEventListener('DOMContentLoaded', start);
