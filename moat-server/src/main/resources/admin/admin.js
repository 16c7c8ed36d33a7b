/*
 * Moat admin page. Plain JavaScript, no build step, no dependencies.
 *
 * Security rules this file keeps:
 * - the admin key lives only in sessionStorage (this tab) and travels only in the Authorization
 *   header: never in a URL, a cookie or persistent local storage; signing out removes it;
 * - the DOM is built with createElement/textContent only (the server requires Trusted Types, so an
 *   HTML string sink would throw): data from the API can never become markup;
 * - the live feed uses fetch() + a ReadableStream, because EventSource cannot send headers.
 */
(function () {
  'use strict';

  const KEY = 'moat.admin.key';
  const PAGE = 25;
  const FEED_MAX = 300;

  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers ------------------------------------------------------------------------------

  /** el('a', {href: '#'}, 'text', child...) — attributes set as attributes, children as text or nodes. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function announce(text) {
    const a = $('announcer');
    a.textContent = '';
    // a fresh text node in a separate task makes screen readers read repeated messages too
    setTimeout(() => { a.textContent = text; }, 50);
  }

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }

  function fmtDuration(ms) {
    if (ms < 0) ms = 0;
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${m % 60}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }

  function timeEl(iso) {
    return el('time', {datetime: iso, title: iso}, fmtTime(iso));
  }

  function subjectLink(subject) {
    if (!subject) return el('span', {class: 'muted'}, '—');
    return el('a', {href: '#/subject/' + encodeURIComponent(subject), class: 'mono'}, subject);
  }

  /** A table; columns: [{label, cls, cell: row => node|string}]. Stacks into labelled blocks on phones. */
  function table(caption, columns, rows, emptyText) {
    if (!rows.length) return el('p', {class: 'empty'}, emptyText || 'Nothing to show.');
    const thead = el('thead', null, el('tr', null, columns.map((c) => el('th', {scope: 'col', class: c.cls}, c.label))));
    const tbody = el('tbody', null, rows.map((r) => el('tr', null, columns.map((c) =>
      el('td', {class: c.cls, 'data-label': c.label}, c.cell(r))))));
    const t = el('table', {class: 'stack'}, caption ? el('caption', {class: 'visually-hidden'}, caption) : null, thead, tbody);
    return el('div', {class: 'table-wrap'}, t);
  }

  // ---- errors -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, title, detail, errors) {
      super(detail || title);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.errors = errors || [];
    }
    text() {
      return this.status ? `${this.title} (${this.status}): ${this.detail || ''}` : this.detail;
    }
  }

  /** Shows an error: in a form's own alert area when given, else in the page's. */
  function showError(err, target) {
    const text = err instanceof ApiError ? err.text() : String(err && err.message || err);
    if (target) {
      target.textContent = text;
    } else {
      $('errors').replaceChildren(el('p', null, text));
    }
  }

  function clearErrors(target) {
    $('errors').replaceChildren();
    if (target) target.textContent = '';
  }

  /** Marks the inputs a problem's errors[] names, or clears the marks. */
  function markFields(fieldMap, err) {
    const bad = new Set((err && err.errors || []).map((e) => e.field));
    for (const [field, input] of Object.entries(fieldMap)) {
      if (bad.has(field)) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  // ---- the API ----------------------------------------------------------------------------------

  function key() {
    return sessionStorage.getItem(KEY);
  }

  function authHeaders(h) {
    const k = key();
    if (k) h.Authorization = 'Bearer ' + k;
    return h;
  }

  async function api(method, path, body, keyOverride) {
    const headers = {Accept: 'application/json'};
    if (keyOverride !== undefined) {
      if (keyOverride) headers.Authorization = 'Bearer ' + keyOverride;
    } else {
      authHeaders(headers);
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new ApiError(0, 'Network error', 'Moat did not answer (' + e.message + ')');
    }
    if (res.status === 204) return null;
    let data = null;
    if ((res.headers.get('Content-Type') || '').includes('json')) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    if (!res.ok) {
      const err = new ApiError(res.status, (data && data.title) || 'HTTP ' + res.status,
        (data && data.detail) || res.statusText, data && data.errors);
      if (res.status === 401 && keyOverride === undefined) expired(err);
      throw err;
    }
    return data;
  }

  // ---- session ----------------------------------------------------------------------------------

  function signedIn() {
    return key() !== null;
  }

  async function signIn(e) {
    e.preventDefault();
    const input = $('key');
    const candidate = input.value.trim();
    const errBox = $('signin-error');
    clearErrors(errBox);
    try {
      // the summary needs an admin key: it checks the key and the role in one call
      await api('GET', '/v1/admin/summary?top=0&recent=0', undefined, candidate);
    } catch (err) {
      input.setAttribute('aria-invalid', 'true');
      showError(err, errBox);
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    sessionStorage.setItem(KEY, candidate);
    input.value = '';
    start(true);
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    stopFeed();
    state.bans = freshBans();
    for (const id of ['health', 'top-offenders', 'recent-refusals', 'bans-table', 'subject-body', 'config-body', 'feed-list']) {
      $(id).replaceChildren();
    }
    feed.items = [];
    feed.lastId = null;
    $('nav').hidden = true;
    $('sign-out').hidden = true;
    show('signin');
    if (message) {
      $('signin-error').textContent = message;
    } else {
      announce('Signed out. The key was removed from this tab.');
    }
    $('key').focus();
  }

  /** A call was refused with 401: the key was removed or rotated. */
  function expired(err) {
    if (signedIn()) signOut('Signed out: the key was refused (' + (err.detail || 'unauthorized') + ').');
  }

  /** Shows the signed-in page; {@code moveFocus} after signing in (the form that had focus is gone). */
  function start(moveFocus) {
    $('nav').hidden = false;
    $('sign-out').hidden = false;
    clearErrors();
    startFeed();
    if (!location.hash || location.hash === '#' || location.hash === '#/') {
      location.hash = '#/overview';   // renders (and focuses) through hashchange
    } else {
      route(moveFocus);
    }
  }

  // ---- views ------------------------------------------------------------------------------------

  const VIEWS = ['signin', 'overview', 'bans', 'subject', 'feed', 'config'];
  const state = {view: null, bans: freshBans(), subject: null};

  function show(view) {
    for (const v of VIEWS) $('view-' + v).hidden = v !== view;
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    state.view = view;
    const h = document.querySelector('#view-' + view + ' h1');
    document.title = (h ? h.textContent + ' · ' : '') + 'Moat admin';
  }

  function route(focus) {
    if (!signedIn()) {
      show('signin');
      return;
    }
    const hash = location.hash.replace(/^#\/?/, '');
    const [name, ...rest] = hash.split('/');
    const arg = rest.length ? decodeURIComponent(rest.join('/')) : '';
    const view = VIEWS.includes(name) && name !== 'signin' ? name : 'overview';
    clearErrors();
    show(view);
    if (state.focusNext) {
      $(state.focusNext).focus();
      state.focusNext = null;
    } else if (focus) {
      const h = document.querySelector('#view-' + view + ' h1');
      if (h) h.focus();
    }
    if (view === 'overview') loadOverview();
    else if (view === 'bans') loadBans();
    else if (view === 'subject') loadSubject(arg);
    else if (view === 'feed') renderFeed();
    else if (view === 'config') loadConfig();
  }

  // ---- overview ---------------------------------------------------------------------------------

  function healthCard(title, rows) {
    return el('section', {class: 'card', 'aria-label': title}, el('h2', null, title),
      el('dl', null, rows.map(([k, v]) => [el('dt', null, k), el('dd', null, v)])));
  }

  function badge(text, cls) {
    return el('span', {class: 'badge ' + (cls || text)}, text);
  }

  async function loadOverview() {
    let s;
    try {
      s = await api('GET', '/v1/admin/summary?top=10&recent=10');
    } catch (err) {
      showError(err);
      return;
    }
    const st = s.store || {};
    $('health').replaceChildren(
      healthCard('Node', [
        ['Name', s.node.name], ['Version', s.node.version], ['Up for', fmtDuration(s.node.uptime_ms)],
        ['Started', timeEl(s.node.started_at)], ['Live feeds', String(s.node.event_streams)]]),
      healthCard('Store', [
        ['Status', badge(st.status, st.status)],
        ['Counters', st.kind], ['Bans and scores', st.state_store],
        ['Redis', st.redis ? badge(st.redis, st.redis) : el('span', {class: 'muted'}, 'not used')],
        ['Fallback', st.fallback_active === undefined ? el('span', {class: 'muted'}, 'none')
          : (st.fallback_active ? badge('active', 'down') : badge('inactive', 'ok'))],
        st.problem ? ['Problem', st.problem] : null].filter(Boolean)),
      healthCard('Bans', [
        ['Active', el('span', {class: 'big'}, String(s.bans_active))],
        ['', el('a', {href: '#/bans'}, 'Manage bans')]]),
      healthCard('Policy', [
        ['Preset', el('strong', null, s.preset)], ['Config', el('span', {class: 'mono'}, s.node.config_version)],
        ['', el('a', {href: '#/config'}, 'Effective configuration')]]));
    $('top-offenders').replaceChildren(table('Top offenders by score', [
      {label: 'Subject', cls: 'subject', cell: (r) => subjectLink(r.subject)},
      {label: 'Score', cls: 'num', cell: (r) => String(r.score)},
    ], s.top_offenders, 'No scores recorded.'));
    $('recent-refusals').replaceChildren(refusalTable(s.recent_refusals));
  }

  function refusalTable(rows) {
    return table('Recent refusals, newest first', [
      {label: 'Time', cell: (r) => timeEl(r.at)},
      {label: 'Verdict', cell: (r) => badge(r.verdict, r.verdict)},
      {label: 'Reason', cell: (r) => r.reason || ''},
      {label: 'Action', cell: (r) => r.action},
      {label: 'Subject', cls: 'subject', cell: (r) => subjectLink(r.subject)},
    ], rows, 'Nothing refused recently.');
  }

  // ---- bans -------------------------------------------------------------------------------------

  function freshBans() {
    return {q: '', source: '', cursor: null, next: null, stack: []};
  }

  async function loadBans() {
    const b = state.bans;
    const p = new URLSearchParams();
    if (b.q) p.set('subject', b.q);
    if (b.source) p.set('source', b.source);
    p.set('limit', String(PAGE));
    if (b.cursor) p.set('cursor', b.cursor);
    $('bans-status').textContent = 'Loading…';
    let data;
    try {
      data = await api('GET', '/v1/bans?' + p);
    } catch (err) {
      $('bans-status').textContent = '';
      showError(err);
      return;
    }
    b.next = data.next;
    const now = Date.now();
    $('bans-table').replaceChildren(table('Active bans', [
      {label: 'Subject', cls: 'subject', cell: (r) => subjectLink(r.subject)},
      {label: 'Reason', cell: (r) => r.reason || el('span', {class: 'muted'}, '—')},
      {label: 'Source', cell: (r) => r.source + (r.type && r.type !== 'manual' ? ' (' + r.type + ')' : '')},
      {label: 'Since', cell: (r) => timeEl(r.created_at)},
      {label: 'Ends', cell: (r) => el('span', null, timeEl(r.expires_at), el('br'),
        el('span', {class: 'muted'}, 'in ' + fmtDuration(Date.parse(r.expires_at) - now)))},
      {label: 'By', cell: (r) => r.actor || ''},
      {label: 'Actions', cell: (r) => el('button', {
        type: 'button', class: 'small secondary', 'aria-label': 'Unban ' + r.subject,
        onclick: (e) => openUnban(r.subject, e.currentTarget)}, 'Unban')},
    ], data.bans, b.q || b.source ? 'No active ban matches.' : 'No active bans.'));
    const page = b.stack.length + 1;
    $('bans-status').textContent = `${data.bans.length} ban${data.bans.length === 1 ? '' : 's'} on page ${page}` +
      (b.q ? ` matching “${b.q}”` : '') + (b.source ? `, source ${b.source}` : '') + '.';
    $('bans-page').textContent = 'Page ' + page;
    $('bans-prev').disabled = b.stack.length === 0;
    $('bans-next').disabled = !b.next;
    // one page only: no pager to tab through
    document.querySelector('#view-bans .pager').hidden = b.stack.length === 0 && !b.next;
  }

  function filterBans(e) {
    e.preventDefault();
    state.bans = freshBans();
    state.bans.q = $('ban-q').value.trim();
    state.bans.source = $('ban-source').value;
    loadBans();
  }

  async function banSubject(e) {
    e.preventDefault();
    const errBox = $('ban-error');
    clearErrors(errBox);
    $('ban-done').textContent = '';
    const fields = {subject: $('ban-subject'), duration: $('ban-duration'), reason: $('ban-reason')};
    const body = {subject: fields.subject.value.trim()};
    const duration = fields.duration.value.trim();
    if (duration) body.duration = duration;
    const reason = fields.reason.value.trim();
    if (reason) body.reason = reason;
    let ban;
    try {
      ban = await api('POST', '/v1/bans', body);
    } catch (err) {
      markFields(fields, err);
      showError(err, errBox);
      const first = (err.errors || []).map((x) => fields[x.field]).find(Boolean) || fields.subject;
      first.focus();
      return;
    }
    markFields(fields, null);
    fields.subject.value = '';
    fields.reason.value = '';
    $('ban-done').textContent = `Banned ${ban.subject} until ${fmtTime(ban.expires_at)}.`;
    state.bans = freshBans();
    $('ban-q').value = '';
    $('ban-source').value = '';
    await loadBans();
  }

  // ---- unban dialog -----------------------------------------------------------------------------

  let unbanReturnFocus = null;

  function openUnban(subject, from) {
    unbanReturnFocus = from;
    $('unban-subject').textContent = subject;
    $('unban-reason').value = '';
    $('unban-reason').removeAttribute('aria-invalid');
    $('unban-error').textContent = '';
    $('unban-dialog').showModal();
    $('unban-reason').focus();
  }

  function closeUnban(done) {
    $('unban-dialog').close();
    // the row is gone after an unban: land on the section heading instead of a removed button
    const target = done ? document.querySelector('#view-' + state.view + ' h1') : unbanReturnFocus;
    if (target && document.contains(target)) target.focus();
  }

  async function unban(e) {
    e.preventDefault();
    const subject = $('unban-subject').textContent;
    const reason = $('unban-reason').value.trim();
    const errBox = $('unban-error');
    if (!reason) {
      $('unban-reason').setAttribute('aria-invalid', 'true');
      errBox.textContent = 'Say why the ban is lifted: the reason is kept in the subject’s log.';
      $('unban-reason').focus();
      return;
    }
    try {
      await api('DELETE', '/v1/bans/' + encodeURIComponent(subject) + '?reason=' + encodeURIComponent(reason));
    } catch (err) {
      showError(err, errBox);
      return;
    }
    closeUnban(true);
    $('ban-done').textContent = '';
    announce(`Ban of ${subject} lifted.`);
    if (state.view === 'bans') loadBans();
    else if (state.view === 'subject') loadSubject(state.subject);
  }

  // ---- a subject's page -------------------------------------------------------------------------

  async function loadSubject(subject, olderCursor) {
    state.subject = subject;
    const body = $('subject-body');
    if (!olderCursor) $('subject-q').value = subject || '';
    if (!subject) {
      body.replaceChildren(el('p', {class: 'help'},
        'Look up a user, address or block to see its scores, its violation log and its bans.'));
      return;
    }
    const enc = encodeURIComponent(subject);
    let hist, bans;
    try {
      const p = new URLSearchParams({limit: '50'});
      if (olderCursor) p.set('cursor', olderCursor);
      [hist, bans] = await Promise.all([
        api('GET', '/v1/violations/' + enc + '?' + p),
        olderCursor ? null : api('GET', '/v1/bans?' + new URLSearchParams({subject, limit: '100'})),
      ]);
    } catch (err) {
      if (!olderCursor) body.replaceChildren();
      showError(err);
      return;
    }
    if (olderCursor) {
      state.subjectLog = state.subjectLog.concat(hist.log);
    } else {
      state.subjectLog = hist.log;
      state.subjectActive = (bans.bans || []).find((b) => b.subject === hist.subject) || null;
      state.subjectScores = hist.scores;
    }
    state.subjectNext = hist.next;
    renderSubject(hist.subject);
  }

  function renderSubject(subject) {
    const active = state.subjectActive;
    const log = state.subjectLog;
    const now = Date.now();
    const banNow = active
      ? el('div', {class: 'notice warn'},
        el('p', null, el('strong', null, 'Banned'), ` until ${fmtTime(active.expires_at)} (in ${fmtDuration(Date.parse(active.expires_at) - now)})`,
          active.reason ? ': ' + active.reason : '', ` · ${active.source}, by ${active.actor}`),
        el('button', {type: 'button', class: 'danger', onclick: (e) => openUnban(active.subject, e.currentTarget)}, 'Unban'))
      : el('div', null, el('p', null, 'Not banned now.'),
        el('button', {type: 'button', class: 'secondary', onclick: () => prefillBan(subject)}, 'Ban this subject…'));
    const scores = Object.entries(state.subjectScores || {}).map(([type, total]) => ({type, total}));
    const banEvents = log.filter((x) => x.kind === 'ban' || x.kind === 'unban');
    const older = state.subjectNext
      ? el('button', {type: 'button', class: 'secondary', onclick: () => loadSubject(subject, state.subjectNext)}, 'Older entries')
      : null;
    $('subject-body').replaceChildren(
      el('section', {class: 'card', 'aria-labelledby': 'subj-now-h'},
        el('h2', {id: 'subj-now-h', class: 'subject-title'}, subject), banNow),
      el('div', {class: 'two-col'},
        el('section', {class: 'card', 'aria-labelledby': 'subj-scores-h'},
          el('h2', {id: 'subj-scores-h'}, 'Scores by type'),
          table('Scores by violation type', [
            {label: 'Type', cell: (r) => r.type},
            {label: 'Score', cls: 'num', cell: (r) => String(Math.round(r.total * 100) / 100)},
          ], scores, 'No score: nothing recorded, or it has decayed.')),
        el('section', {class: 'card', 'aria-labelledby': 'subj-bans-h'},
          el('h2', {id: 'subj-bans-h'}, 'Bans, past and present'),
          table('Bans started and lifted', [
            {label: 'When', cell: (r) => timeEl(r.at)},
            {label: 'Event', cell: (r) => r.kind === 'ban' ? badge('ban', 'ban') : badge('unban', 'ok')},
            {label: 'Why', cell: (r) => r.detail || r.type || ''},
            {label: 'Until', cell: (r) => r.facts && r.facts.expires_at_ms
              ? timeEl(new Date(Number(r.facts.expires_at_ms)).toISOString()) : ''},
            {label: 'By', cell: (r) => r.actor || ''},
          ], banEvents, 'No ban in the loaded log.'))),
      el('section', {class: 'card', 'aria-labelledby': 'subj-log-h'},
        el('h2', {id: 'subj-log-h'}, 'Violation log'),
        table('Violation log, newest first', [
          {label: 'When', cell: (r) => timeEl(r.at)},
          {label: 'Kind', cell: (r) => r.kind},
          {label: 'Type', cell: (r) => r.type || ''},
          {label: 'Score', cls: 'num', cell: (r) => r.kind === 'violation' ? String(r.score) : ''},
          {label: 'Total', cls: 'num', cell: (r) => r.kind === 'violation' ? String(Math.round(r.total * 100) / 100) : ''},
          {label: 'Detail', cell: (r) => factsText(r)},
          {label: 'By', cell: (r) => r.actor || ''},
        ], log, 'The log is empty.'),
        older));
  }

  function factsText(r) {
    const parts = [];
    if (r.detail) parts.push(r.detail);
    const f = r.facts || {};
    for (const k of ['action', 'ip', 'user', 'limit', 'realm']) {
      if (f[k]) parts.push(`${k}: ${f[k]}`);
    }
    if (r.ban && r.kind === 'violation') parts.push('started a ban');
    return parts.join(' · ');
  }

  function prefillBan(subject) {
    $('ban-subject').value = subject;
    // after the view switch, put the operator straight in the form
    state.focusNext = 'ban-duration';
    if (location.hash === '#/bans') route(true);
    else location.hash = '#/bans';
  }

  function lookUp(e) {
    e.preventDefault();
    const s = $('subject-q').value.trim();
    if (!s) {
      $('subject-q').focus();
      return;
    }
    location.hash = '#/subject/' + encodeURIComponent(s);
  }

  // ---- live feed --------------------------------------------------------------------------------

  const feed = {items: [], lastId: null, ctrl: null, paused: false, pending: 0, retryMs: 3000, timer: null};

  function setFeedStatus(text, live) {
    $('feed-status').textContent = text;
    const dot = $('live-dot');
    dot.classList.toggle('live', live === true);
    dot.classList.toggle('down', live === false);
  }

  async function startFeed() {
    stopFeed();
    feed.ctrl = new AbortController();
    if (feed.lastId === null) {
      // seed from the ring, then stream from its newest id: nothing missed, nothing twice
      try {
        const s = await api('GET', '/v1/admin/summary?top=0&recent=100');
        feed.items = s.recent_refusals.slice();
        feed.lastId = s.last_event_id;
        if (state.view === 'feed') renderFeed();
      } catch (err) {
        setFeedStatus('Not connected: ' + (err.detail || err.message), false);
        return;
      }
    }
    streamLoop(feed.ctrl);
  }

  function stopFeed() {
    if (feed.ctrl) feed.ctrl.abort();
    feed.ctrl = null;
    clearTimeout(feed.timer);
    setFeedStatus('Not connected', null);
  }

  async function streamLoop(ctrl) {
    while (!ctrl.signal.aborted && signedIn()) {
      setFeedStatus('Connecting…', null);
      try {
        await readStream(ctrl);
        if (ctrl.signal.aborted) return;
        setFeedStatus('The stream ended; reconnecting…', false);
      } catch (err) {
        if (ctrl.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          if (err.status === 403) setFeedStatus('Not allowed: ' + err.detail, false);
          return;
        }
        setFeedStatus(`Disconnected (${err.detail || err.message}); retrying in ${Math.round(feed.retryMs / 1000)} s`, false);
      }
      await new Promise((resolve) => { feed.timer = setTimeout(resolve, feed.retryMs); });
      feed.retryMs = Math.min(feed.retryMs * 2, 30000);
    }
  }

  async function readStream(ctrl) {
    const headers = authHeaders({Accept: 'text/event-stream'});
    if (feed.lastId !== null) headers['Last-Event-ID'] = String(feed.lastId);
    let res;
    try {
      res = await fetch('/v1/events', {headers, signal: ctrl.signal, cache: 'no-store', credentials: 'omit',
        referrerPolicy: 'no-referrer'});
    } catch (e) {
      throw new ApiError(0, 'Network error', e.message);
    }
    if (!res.ok) {
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      const err = new ApiError(res.status, (data && data.title) || 'HTTP ' + res.status, (data && data.detail) || '');
      if (res.status === 401) expired(err);
      throw err;
    }
    feed.retryMs = 3000;
    setFeedStatus('Live: new refusals appear as they happen.', true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = sseParser(onSseEvent);
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      parser(value);
    }
  }

  /** A text/event-stream parser: feed it chunks, it calls onEvent({type, data, id}) per event. */
  function sseParser(onEvent) {
    let buf = '';
    let data = [];
    let type = '';
    let id = null;
    function line(l) {
      if (l === '') {
        if (data.length) onEvent({type: type || 'message', data: data.join('\n'), id});
        data = [];
        type = '';
        return;
      }
      if (l[0] === ':') return;
      const i = l.indexOf(':');
      const field = i < 0 ? l : l.slice(0, i);
      let value = i < 0 ? '' : l.slice(i + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) feed.retryMs = Math.max(1000, Number(value));
    }
    return (chunk) => {
      buf += chunk;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buf);
        if (!m) return;
        // a CR at the very end may be the first half of CRLF: wait for the next chunk
        if (m[0] === '\r' && m.index === buf.length - 1) return;
        line(buf.slice(0, m.index));
        buf = buf.slice(m.index + m[0].length);
      }
    };
  }

  function onSseEvent(ev) {
    if (ev.type === 'refusal') {
      let item;
      try { item = JSON.parse(ev.data); } catch (e) { return; }
      feed.lastId = item.id;
      feed.items.unshift(item);
      if (feed.items.length > FEED_MAX) feed.items.length = FEED_MAX;
      if (feed.paused) {
        feed.pending++;
        $('feed-pause').textContent = `Resume (${feed.pending} new)`;
        return;
      }
      if (state.view === 'feed') {
        prependFeedItem(item);
        announce(`Refused: ${item.verdict}, ${item.reason || ''}, ${item.action} by ${item.subject || 'unknown'}`);
      }
    } else if (ev.type === 'gap') {
      let n = 0;
      try { n = JSON.parse(ev.data).dropped; } catch (e) { n = 0; }
      setFeedStatus(`Live; ${n} refusals were skipped because the page could not keep up.`, true);
    }
  }

  function feedItem(r, fresh) {
    const extra = [];
    if (r.limit_id) extra.push(el('span', null, 'limit ', el('code', null, r.limit_id)));
    if (r.ban_subject && r.ban_subject !== r.subject) extra.push(el('span', null, (extra.length ? ' · ' : '') + 'ban ', subjectLink(r.ban_subject)));
    if (r.realm && r.realm !== 'client') extra.push(el('span', null, (extra.length ? ' · ' : '') + r.realm));
    return el('li', {class: fresh ? 'fresh' : null},
      el('span', {class: 'when'}, timeEl(r.at)),
      el('span', {class: 'what'}, badge(r.verdict, r.verdict), ' ', el('strong', null, r.reason || ''), ' · ',
        r.action, ' by ', subjectLink(r.subject)),
      extra.length ? el('span', {class: 'extra'}, extra) : null);
  }

  function prependFeedItem(r) {
    const list = $('feed-list');
    const empty = list.querySelector('.empty');
    if (empty) empty.remove();
    list.prepend(feedItem(r, true));
    while (list.children.length > FEED_MAX) list.lastElementChild.remove();
  }

  function renderFeed() {
    const list = $('feed-list');
    if (!feed.items.length) {
      list.replaceChildren(el('li', {class: 'empty'}, 'No refusals yet. They appear here as they happen.'));
      return;
    }
    list.replaceChildren(...feed.items.map((r) => feedItem(r, false)));
  }

  function togglePause() {
    feed.paused = !feed.paused;
    const b = $('feed-pause');
    b.setAttribute('aria-pressed', String(feed.paused));
    if (!feed.paused) {
      feed.pending = 0;
      renderFeed();
    }
    b.textContent = feed.paused ? 'Resume' : 'Pause';
  }

  function clearFeed() {
    feed.items = [];
    feed.pending = 0;
    renderFeed();
  }

  // ---- configuration ----------------------------------------------------------------------------

  function flatten(prefix, v, out) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (!keys.length) out.push([prefix, '{}']);
      for (const k of keys) flatten(prefix ? prefix + '.' + k : k, v[k], out);
    } else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object')) {
      if (!v.length) out.push([prefix, '[]']);
      v.forEach((x, i) => flatten(`${prefix}[${i}]`, x, out));
    } else {
      out.push([prefix, Array.isArray(v) ? (v.length ? v.join(', ') : '[]') : String(v)]);
    }
    return out;
  }

  function limitRows(rl) {
    const rows = [];
    for (const realm of ['client', 'federation']) {
      const r = rl[realm] || {};
      for (const kind of ['target', 'global']) {
        for (const [name, list] of Object.entries(r[kind] || {})) {
          list.forEach((l, i) => rows.push({id: `${realm}.${kind}.${name}${i ? '[' + i + ']' : ''}`, ...l}));
        }
      }
    }
    return rows;
  }

  async function loadConfig() {
    let c;
    try {
      c = await api('GET', '/v1/config');
    } catch (err) {
      showError(err);
      return;
    }
    const rl = c.rate_limits || {};
    const concurrent = [];
    for (const realm of ['client', 'federation']) {
      for (const [name, v] of Object.entries((rl[realm] || {}).concurrent || {})) {
        concurrent.push({id: `${realm}.concurrent.${name}`, ...v});
      }
    }
    const sections = Object.entries(c).filter(([k]) => k !== 'version' && k !== 'rate_limits');
    $('config-body').replaceChildren(
      el('section', {class: 'card', 'aria-labelledby': 'preset-h'},
        el('h2', {id: 'preset-h'}, 'Preset: ', el('span', {class: 'mono'}, String(rl.preset))),
        el('p', {class: 'help'}, 'Config version ', el('code', null, String(c.version)),
          '. Secrets are masked by the server. Values below are the effective ones: the preset with the file’s overrides.'),
        el('h3', null, 'Rate limits'),
        table('Effective rate limits', [
          {label: 'Limit', cls: 'subject', cell: (r) => el('code', null, r.id)},
          {label: 'Max', cls: 'num', cell: (r) => String(r.max)},
          {label: 'Per', cell: (r) => r.per},
          {label: 'By', cell: (r) => r.by || 'global'},
          {label: 'Algorithm', cell: (r) => r.algorithm + (r.burst !== undefined ? ` (burst ${r.burst})` : '')},
        ], limitRows(rl), 'No rate limits.'),
        concurrent.length ? el('h3', null, 'Concurrency') : null,
        concurrent.length ? table('Concurrency limits', [
          {label: 'Limit', cell: (r) => el('code', null, r.id)},
          {label: 'Max', cls: 'num', cell: (r) => String(r.max)},
          {label: 'Lease', cell: (r) => r.lease},
        ], concurrent) : null,
        (rl.exempt || []).length ? el('p', null, 'Exempt: ', el('code', null, rl.exempt.join(', '))) : null),
      ...sections.map(([name, v]) => el('details', null, el('summary', null, name),
        el('div', null, table(name, [
          {label: 'Key', cell: (r) => el('code', null, r[0])},
          {label: 'Value', cell: (r) => el('span', {class: 'mono'}, r[1])},
        ], flatten(name, v, []), 'Empty.')))));
  }

  // ---- wiring -----------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut());
    $('overview-refresh').addEventListener('click', loadOverview);
    $('config-refresh').addEventListener('click', loadConfig);
    $('ban-filter').addEventListener('submit', filterBans);
    $('ban-form').addEventListener('submit', banSubject);
    $('bans-next').addEventListener('click', () => {
      const b = state.bans;
      if (!b.next) return;
      b.stack.push(b.cursor);
      b.cursor = b.next;
      loadBans();
    });
    $('bans-prev').addEventListener('click', () => {
      const b = state.bans;
      if (!b.stack.length) return;
      b.cursor = b.stack.pop();
      loadBans();
    });
    $('subject-form').addEventListener('submit', lookUp);
    $('unban-form').addEventListener('submit', unban);
    $('unban-cancel').addEventListener('click', () => closeUnban(false));
    $('unban-dialog').addEventListener('cancel', (e) => { e.preventDefault(); closeUnban(false); });
    $('feed-pause').addEventListener('click', togglePause);
    $('feed-clear').addEventListener('click', clearFeed);
    window.addEventListener('hashchange', () => route(true));
    if (signedIn()) {
      start(false);
    } else {
      show('signin');
    }
  });
}());
