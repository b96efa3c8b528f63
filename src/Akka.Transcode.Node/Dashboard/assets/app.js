// Akka.Transcode dashboard: plain browser JavaScript, no build step of its own (the player library, hls.js, is
// installed from npm when the node is built and served as /dashboard/hls.min.js, loaded on the first Play).
// Everything it shows comes from the JSON API (get_jobs, get_job, cancel_job, add_job, /admin/*) and from the live
// feed /dashboard/events, read with fetch() so the token travels in the Authorization header like every other call.
// The feed pushes changes; the page loads snapshots from the API only when it (re)connects or is told to resync.
// Data is only ever put into the page as text, never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'akka-transcode.token';
  const JOB_STATES = ['Init', 'Ready', 'In progress', 'Completed', 'Failed', 'Canceled'];
  const JOB_KINDS = ['wait', 'wait', 'run', 'ok', 'fail', 'cancel'];
  const TASK_STATES = ['Pending', 'Running', 'Done', 'Failed', 'Canceled'];
  const TASK_KINDS = ['wait', 'run', 'ok', 'fail', 'cancel'];
  const JOB_ENDED = 3; // states 3, 4 and 5 are final
  const ADMIN_NOTE = 'Needs an admin token: this token may see and submit jobs only.';

  const $ = (id) => document.getElementById(id);

  const s = {
    token: null,
    admin: false,
    signingIn: false,
    page: { start: 0, limit: 10, state: null, total: 0, ids: [] },
    jobs: new Map(), // job id → the freshest job object seen, for the jobs on the page and the selected one
    rows: new Map(), // job id → the controls of its row in the jobs table
    selected: null, // the job shown in the job card
    factsBar: null,
    tasks: new Map(), // task id → task object of the selected job
    taskRows: new Map(),
    outputRows: new Map(), // output name → the controls of its row, for the selected job
    thumbsShown: new Set(), // outputs of the selected job whose thumbnails are on the page (or being fetched)
    blobs: [], // blob: URLs of fetched output files, revoked when the job view changes
    hls: null, // the player, while one plays
    workerNodes: new Map(), // worker id → node (admin tokens only)
    stream: null,
    retry: 500,
    reloadTimer: null,
    detailTimer: null,
    toastTimer: null,
  };

  // ---- small helpers ----------------------------------------------------------------------------------------------

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  const pad = (n) => String(n).padStart(2, '0');

  function when(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '';
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    return d.toDateString() === new Date().toDateString()
      ? time
      : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  }

  function duration(seconds) {
    const t = Math.max(0, Math.round(seconds));
    if (t < 60) return `${t} s`;
    const m = Math.floor(t / 60);
    if (m < 60) return `${m} m ${pad(t % 60)} s`;
    return `${Math.floor(m / 60)} h ${pad(m % 60)} m`;
  }

  const seconds = (v) => (Number.isInteger(v) ? String(v) : Number(v).toFixed(2));
  const baseName = (path) => (path ? String(path).split('/').pop() : '');
  const shortId = (id) => (id.length > 14 ? `${id.slice(0, 12)}…` : id);
  const shortAddress = (a) => String(a).replace(/^akka(\.tcp)?:\/\/[^@]*@/, '');
  const running = (job) => job.state === 2;

  function badge(text, kind) {
    return el('span', { class: 'badge', dataset: { kind }, text });
  }

  function setBadge(b, text, kind) {
    b.textContent = text;
    b.dataset.kind = kind;
  }

  function progressBar() {
    const fill = el('div', { class: 'bar-fill' });
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, fill);
    const label = el('span', { class: 'bar-label' });
    return {
      root: el('div', { class: 'progress' }, bar, label),
      set(percent, kind) {
        const v = Math.max(0, Math.min(100, Number(percent) || 0));
        fill.style.width = `${v}%`;
        bar.setAttribute('aria-valuenow', String(v));
        bar.dataset.kind = kind;
        label.textContent = `${Number.isInteger(v) ? v : v.toFixed(1)} %`;
      },
    };
  }

  function toast(message) {
    const t = $('toast');
    t.textContent = message;
    t.hidden = false;
    clearTimeout(s.toastTimer);
    s.toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
  }

  function setLive(state, text) {
    const l = $('live');
    l.dataset.live = state;
    l.textContent = text;
  }

  // ---- the API ----------------------------------------------------------------------------------------------------

  async function call(path, body) {
    let res;
    try {
      res = await fetch(path, {
        method: 'POST',
        cache: 'no-store',
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(Object.assign({ type: 0 }, body || {})),
      });
    } catch {
      return { err_code: -10, err_msg: 'the node cannot be reached' };
    }
    let json = null;
    try { json = await res.json(); } catch { /* not JSON: reported below */ }
    if (!json || typeof json.err_code !== 'number') json = { err_code: -1, err_msg: `HTTP ${res.status}` };
    if (json.err_code === -5 && s.token && !s.signingIn) logout('The token is no longer accepted. Sign in again.');
    return json;
  }

  // ---- signing in and out -------------------------------------------------------------------------------------------

  function loginError(message) {
    const e = $('login-error');
    e.textContent = message;
    e.hidden = !message;
  }

  async function login(token, quiet) {
    s.token = token;
    s.signingIn = true;
    $('login-button').disabled = true;
    const probe = await call('/master/get_jobs', { start_index: 0, limit: 1 });
    const admin = probe.err_code === 0 ? await call('/admin/cluster/status') : null;
    s.signingIn = false;
    $('login-button').disabled = false;
    if (probe.err_code !== 0) {
      s.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      if (!quiet) {
        loginError(probe.err_code === -5 ? 'This token is not known to the cluster.'
          : probe.err_code === -6 ? 'This token cannot read jobs: use a client or admin token.'
            : `Sign-in failed: ${probe.err_msg}`);
      }
      return;
    }
    // Only a token of another scope is refused with -6; any other answer means the admin check passed.
    s.admin = admin !== null && admin.err_code !== -6 && admin.err_code !== -5;
    sessionStorage.setItem(TOKEN_KEY, token);
    loginError('');
    $('token').value = '';
    $('scope').textContent = s.admin ? 'admin' : 'client';
    $('login-view').hidden = true;
    $('session').hidden = false;
    $('app').hidden = false;
    if (!s.admin) {
      $('workers-body').replaceChildren(el('p', { class: 'note', text: ADMIN_NOTE }));
      $('members-body').replaceChildren(el('p', { class: 'note', text: ADMIN_NOTE }));
    }
    scheduleReload();
    connect();
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    s.token = null;
    s.admin = false;
    if (s.stream) s.stream.abort();
    s.stream = null;
    // The next person to sign in on this tab starts from a blank page: none of this user's form values or filters.
    $('submit-form').reset();
    $('submit-card').querySelector('details')?.removeAttribute('open');
    $('state-filter').value = '';
    $('page-size').selectedIndex = 0;
    s.page = { start: 0, limit: Number($('page-size').value), state: null, total: 0, ids: [] };
    s.jobs.clear();
    s.rows.clear();
    s.selected = null;
    s.tasks.clear();
    s.taskRows.clear();
    clearOutputs();
    s.workerNodes.clear();
    for (const id of ['jobs-body', 'tasks-body', 'job-facts', 'workers-body', 'members-body', 'submit-result']) $(id).replaceChildren();
    for (const id of ['queue-info', 'members-info', 'page-info']) $(id).textContent = '';
    $('job-card').hidden = true;
    $('app').hidden = true;
    $('session').hidden = true;
    $('login-view').hidden = false;
    loginError(message || '');
    $('token').focus();
  }

  // ---- the live feed ------------------------------------------------------------------------------------------------

  async function connect() {
    if (s.stream) s.stream.abort();
    const ctrl = new AbortController();
    s.stream = ctrl;
    setLive('connecting', 'Connecting…');
    const url = `/dashboard/events${s.selected ? `?job=${encodeURIComponent(s.selected)}` : ''}`;
    try {
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${s.token}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: ctrl.signal,
      });
      if (res.status === 401) {
        logout('The token is no longer accepted. Sign in again.');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          dispatch(frame);
        }
      }
    } catch {
      if (ctrl.signal.aborted) return;
    }
    if (s.stream !== ctrl) return;
    setLive('down', 'Reconnecting…');
    const wait = s.retry;
    s.retry = Math.min(s.retry * 2, 10000);
    setTimeout(() => { if (s.stream === ctrl) connect(); }, wait);
  }

  function dispatch(frame) {
    let event = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (line === '' || line.startsWith(':')) continue; // comments keep the connection alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    let payload;
    try { payload = JSON.parse(data.join('\n')); } catch { return; }
    switch (event) {
      case 'hello':
        s.retry = 500;
        setLive('live', 'Live');
        scheduleReload();
        break;
      case 'resync': scheduleReload(); break;
      case 'job': onJob(payload.job); break;
      case 'task': onTask(payload.job_id, payload.task); break;
      case 'workers': if (s.admin) renderWorkers(payload); break;
      case 'members': if (s.admin) renderMembers(payload); break;
      default: break;
    }
  }

  /** Snapshots from the API: after (re)connecting, and when the feed had to drop updates. */
  function scheduleReload() {
    clearTimeout(s.reloadTimer);
    s.reloadTimer = setTimeout(() => {
      loadJobs();
      if (s.selected) loadJob(s.selected);
      if (s.admin) {
        loadWorkers();
        loadMembers();
      }
    }, 50);
  }

  // ---- jobs ---------------------------------------------------------------------------------------------------------

  /** Of two views of one job, the later: the read model behind get_jobs lags the feed by up to a second. */
  function fresher(old, next) {
    if (!old) return next;
    const a = Date.parse(old.updated_at);
    const b = Date.parse(next.updated_at);
    if (a !== b) return b > a ? next : old;
    if (old.state !== next.state) return next.state > old.state ? next : old;
    if (old.progress !== next.progress) return next.progress > old.progress ? next : old;
    return next.speed !== undefined || old.speed === undefined ? next : old;
  }

  async function loadJobs() {
    const p = s.page;
    const body = { start_index: p.start, limit: p.limit, sortby: 'time' };
    if (p.state !== null) body.state = p.state;
    const r = await call('/master/get_jobs', body);
    if (!s.token) return;
    if (r.err_code !== 0) {
      toast(`Jobs could not be loaded: ${r.err_msg}`);
      return;
    }
    if (r.jobs.length === 0 && p.start > 0 && r.total > 0) {
      p.start = Math.floor((r.total - 1) / p.limit) * p.limit;
      loadJobs();
      return;
    }
    p.total = r.total;
    p.ids = r.jobs.map((j) => j.id);
    for (const j of r.jobs) s.jobs.set(j.id, fresher(s.jobs.get(j.id), j));
    renderJobs();
  }

  function renderJobs() {
    const body = $('jobs-body');
    const keep = new Set(s.page.ids);
    for (const [id, row] of s.rows) {
      if (!keep.has(id)) {
        row.tr.remove();
        s.rows.delete(id);
      }
    }
    s.page.ids.forEach((id, i) => {
      let row = s.rows.get(id);
      if (!row) {
        row = jobRow(id);
        s.rows.set(id, row);
      }
      updateJobRow(row, s.jobs.get(id));
      if (body.children[i] !== row.tr) body.insertBefore(row.tr, body.children[i] || null);
    });
    for (const id of [...s.jobs.keys()]) if (!keep.has(id) && id !== s.selected) s.jobs.delete(id);
    const p = s.page;
    $('jobs-empty').hidden = p.ids.length > 0;
    $('page-info').textContent = p.total === 0 ? ''
      : `${p.start + 1}–${p.start + p.ids.length} of ${p.total}`;
    $('page-prev').disabled = p.start === 0;
    $('page-next').disabled = p.start + p.limit >= p.total;
  }

  function jobRow(id) {
    const file = el('span', { class: 'file' });
    const state = el('span', { class: 'badge' });
    const bar = progressBar();
    const speed = el('td', { class: 'num' });
    const eta = el('td', { class: 'num' });
    const tasks = el('td', { class: 'num' });
    const created = el('td', { class: 'nowrap muted' });
    const cancel = el('button', { type: 'button', class: 'btn small danger', text: 'Cancel', title: 'Cancel this job' });
    cancel.addEventListener('click', (ev) => {
      ev.stopPropagation();
      armCancel(id, cancel);
    });
    const tr = el('tr', { dataset: { jobId: id } },
      el('td', null, el('div', { class: 'job-name' }, file, el('span', { class: 'id', title: id, text: shortId(id) }))),
      el('td', null, state),
      el('td', null, bar.root),
      speed, eta, tasks, created,
      el('td', { class: 'col-actions' }, cancel));
    tr.addEventListener('click', () => select(id));
    // Moving a row in the table would replay the highlight of a new job: it is shown once.
    tr.addEventListener('animationend', () => tr.classList.remove('fresh'));
    return { tr, file, state, bar, speed, eta, tasks, created, cancel };
  }

  function updateJobRow(row, job) {
    if (!job) return;
    row.file.textContent = baseName(job.src_path) || job.id;
    row.file.title = `${job.src_path} → ${job.dst_path || ''}`;
    setBadge(row.state, JOB_STATES[job.state] || String(job.state), JOB_KINDS[job.state] || 'wait');
    row.bar.set(job.progress, JOB_KINDS[job.state] || 'wait');
    row.speed.textContent = running(job) && job.speed != null ? `${job.speed.toFixed(2)}×` : '—';
    row.eta.textContent = running(job) && job.eta_seconds != null ? duration(job.eta_seconds) : '—';
    row.tasks.textContent = job.tasks && job.tasks.count > 0 ? `${job.tasks.done}/${job.tasks.count}` : '—';
    row.created.textContent = when(job.created_at);
    row.created.title = job.created_at;
    row.cancel.hidden = job.state >= JOB_ENDED;
    row.tr.classList.toggle('selected', job.id === s.selected);
  }

  /** Whether a job the page does not show yet belongs on it: the first page shows the newest jobs. */
  function belongsOnPage(job) {
    const p = s.page;
    if (p.start !== 0 || (p.state !== null && p.state !== job.state)) return false;
    if (p.ids.length < p.limit) return true;
    const last = s.jobs.get(p.ids[p.ids.length - 1]);
    return !last || Date.parse(job.created_at) > Date.parse(last.created_at);
  }

  function onJob(job) {
    if (!job || !job.id) return;
    if (s.rows.has(job.id) || job.id === s.selected) s.jobs.set(job.id, fresher(s.jobs.get(job.id), job));
    if (s.rows.has(job.id)) {
      updateJobRow(s.rows.get(job.id), s.jobs.get(job.id));
    } else if (belongsOnPage(job)) {
      s.jobs.set(job.id, job);
      const at = Date.parse(job.created_at);
      let i = s.page.ids.findIndex((id) => {
        const other = s.jobs.get(id);
        const t = other ? Date.parse(other.created_at) : 0;
        return t < at || (t === at && id < job.id);
      });
      if (i < 0) i = s.page.ids.length;
      s.page.ids.splice(i, 0, job.id);
      s.page.total += 1;
      if (s.page.ids.length > s.page.limit) s.page.ids.pop();
      renderJobs();
      s.rows.get(job.id).tr.classList.add('fresh');
    }
    if (job.id === s.selected) {
      const shown = s.jobs.get(job.id);
      renderFacts(shown);
      // Planned (or re-planned after a restart): the task list is new, fetch it once.
      if (shown.tasks && shown.tasks.count !== s.tasks.size) scheduleDetail();
    }
  }

  function armCancel(id, button) {
    if (!button.classList.contains('armed')) {
      button.classList.add('armed');
      button.textContent = 'Confirm';
      clearTimeout(button.disarm);
      button.disarm = setTimeout(() => {
        button.classList.remove('armed');
        button.textContent = 'Cancel';
      }, 4000);
      return;
    }
    clearTimeout(button.disarm);
    button.disabled = true;
    button.textContent = 'Canceling…';
    call('/master/cancel_job', { job_id: id }).then((r) => {
      button.disabled = false;
      button.classList.remove('armed');
      button.textContent = 'Cancel';
      if (r.err_code !== 0) toast(`Cancel failed: ${r.err_msg}`);
    });
  }

  // ---- one job and its tasks --------------------------------------------------------------------------------------

  function select(id) {
    if (s.selected === id) return;
    s.selected = id;
    s.tasks.clear();
    s.taskRows.clear();
    clearOutputs();
    s.factsBar = progressBar();
    $('tasks-body').replaceChildren();
    $('job-facts').replaceChildren();
    $('tasks-empty').hidden = true;
    $('job-title').textContent = id;
    $('job-card').hidden = false;
    for (const [jobId, row] of s.rows) row.tr.classList.toggle('selected', jobId === id);
    if (s.jobs.has(id)) renderFacts(s.jobs.get(id));
    loadJob(id);
    connect(); // the feed sends task events of the watched job only
  }

  function closeJob() {
    s.selected = null;
    clearOutputs();
    $('job-card').hidden = true;
    for (const row of s.rows.values()) row.tr.classList.remove('selected');
    connect();
  }

  function scheduleDetail() {
    clearTimeout(s.detailTimer);
    s.detailTimer = setTimeout(() => { if (s.selected) loadJob(s.selected); }, 200);
  }

  async function loadJob(id) {
    const r = await call('/master/get_job', { job_id: id, detail: true });
    if (s.selected !== id) return;
    if (r.err_code !== 0) {
      $('job-facts').replaceChildren(el('div', { class: 'wide err' }, el('dd', { text: r.err_msg })));
      return;
    }
    const { task_list: tasks, ...job } = r.job;
    s.jobs.set(id, fresher(s.jobs.get(id), job));
    renderFacts(s.jobs.get(id));
    s.tasks.clear();
    for (const t of tasks || []) s.tasks.set(t.id, t);
    renderTasks();
  }

  function fact(label, value, cls) {
    return el('div', { class: cls || null }, el('dt', { text: label }), el('dd', null, value));
  }

  function renderFacts(job) {
    if (!job) return;
    s.factsBar.set(job.progress, JOB_KINDS[job.state] || 'wait');
    const items = [
      fact('State', badge(JOB_STATES[job.state] || String(job.state), JOB_KINDS[job.state] || 'wait')),
      fact('Progress', s.factsBar.root),
      fact('Speed', running(job) && job.speed != null ? `${job.speed.toFixed(2)}× real time` : '—'),
      fact('Time left', running(job) && job.eta_seconds != null ? duration(job.eta_seconds) : '—'),
      fact('Source', el('span', { class: 'mono', text: job.src_path || '' }), 'wide'),
      fact('Output', el('span', { class: 'mono', text: job.dst_path || '' }), 'wide'),
      fact('Format', job.dst_format || '—'),
      fact('Segments', job.segments || 'whole source'),
      fact('Priority', String(job.priority ?? 0)),
      fact('Tasks', job.tasks && job.tasks.count > 0 ? `${job.tasks.done} of ${job.tasks.count} done` : '—'),
      fact('Created', when(job.created_at)),
      fact('Updated', when(job.updated_at)),
    ];
    if (job.err_msg) items.push(fact('Error', `${job.err_msg} (${job.err_code})`, 'wide err'));
    if (job.notes) items.push(fact('Notes', job.notes.join(' · '), 'wide'));
    $('job-facts').replaceChildren(...items);
    renderOutputs(job);
  }

  const taskIndex = (id) => Number((/-t(\d+)$/.exec(id) || [0, 0])[1]);

  function renderTasks() {
    const ids = [...s.tasks.keys()].sort((a, b) => taskIndex(a) - taskIndex(b));
    const rows = ids.map((id) => {
      let row = s.taskRows.get(id);
      if (!row) {
        row = taskRow(id);
        s.taskRows.set(id, row);
      }
      updateTaskRow(row, s.tasks.get(id));
      return row.tr;
    });
    for (const id of [...s.taskRows.keys()]) if (!s.tasks.has(id)) s.taskRows.delete(id);
    $('tasks-body').replaceChildren(...rows);
    $('tasks-empty').hidden = rows.length > 0;
  }

  function taskRow(id) {
    const kind = el('td');
    const range = el('td', { class: 'nowrap' });
    const state = el('span', { class: 'badge' });
    const attempts = el('td', { class: 'num' });
    const worker = el('td');
    const bar = progressBar();
    const tr = el('tr', { dataset: { taskId: id } },
      el('td', null, el('span', { class: 'mono', title: id, text: `t${taskIndex(id)}` })),
      kind, range, el('td', null, state), attempts, worker, el('td', null, bar.root));
    return { tr, kind, range, state, attempts, worker, bar };
  }

  function updateTaskRow(row, t) {
    row.kind.textContent = t.kind;
    row.range.textContent = t.from_time != null && t.to_time != null ? `${seconds(t.from_time)}–${seconds(t.to_time)} s` : '—';
    setBadge(row.state, TASK_STATES[t.state] || String(t.state), TASK_KINDS[t.state] || 'wait');
    row.attempts.textContent = String(t.attempts);
    // A pending task that ran before (lost or failed) has no worker now: it waits for one.
    const worker = t.state === 0 ? null : t.worker_id;
    row.worker.dataset.workerId = worker || '';
    if (!worker) {
      row.worker.replaceChildren(el('span', { class: 'muted', text: t.state === 0 ? 'waiting' : '—' }));
    } else {
      const node = s.workerNodes.get(worker);
      row.worker.replaceChildren(el('div', { class: 'job-name' },
        el('span', { class: 'mono', text: worker }),
        node ? el('span', { class: 'id', text: shortAddress(node) }) : null));
    }
    row.bar.set(t.progress, TASK_KINDS[t.state] || 'wait');
  }

  function onTask(jobId, task) {
    if (jobId !== s.selected || !task) return;
    const old = s.tasks.get(task.id);
    // Within one attempt and state, progress only grows: a snapshot older than the last event must not pull it back.
    const merged = old && old.state === task.state && old.attempts === task.attempts
      ? Object.assign({}, task, { progress: Math.max(old.progress, task.progress) }) : task;
    s.tasks.set(task.id, merged);
    const row = s.taskRows.get(task.id);
    if (row) updateTaskRow(row, merged);
    else renderTasks();
  }

  // ---- outputs, thumbnails and the player -------------------------------------------------------------------------
  // An output-group job lists its outputs in get_job (name, type, state, progress, path). Its files are published
  // together when the job completes and are read from GET /jobs/{id}/outputs/{path} with the token in the header:
  // stills and sprites become blob: URLs, the player's requests carry the header through hls.js's xhrSetup.

  const PLAYABLE = new Set(['hls', 'cmaf']);
  const MAX_STILLS = 24; // enough to see what a job made; the rest are one request each for nothing
  const PLAIN = /^[A-Za-z0-9_.-]+$/;

  function outputUrl(jobId, rel) {
    return `/jobs/${encodeURIComponent(jobId)}/outputs/${rel.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The output's entry relative to the job's directory: get_job's path (absolute or relative), else the layout's. */
  function outputEntry(job, o) {
    const name = String(o.name || '');
    const path = String(o.path || '');
    const base = String(job.dst_path || '').replace(/\/+$/, '');
    let rel = path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path.startsWith('/') ? '' : path;
    if (!rel) {
      rel = o.type === 'thumbnails' ? name
        : o.type === 'dash' ? `${name}/manifest.mpd`
          : o.type === 'file' ? '' : `${name}/master.m3u8`;
    }
    return rel.split('/').every((p) => PLAIN.test(p) && p !== '.' && p !== '..') ? rel : '';
  }

  function clearOutputs() {
    stopPlayer();
    for (const url of s.blobs) URL.revokeObjectURL(url);
    s.blobs = [];
    s.outputRows.clear();
    s.thumbsShown.clear();
    $('outputs-body').replaceChildren();
    $('thumbs').replaceChildren();
    $('outputs').hidden = true;
  }

  async function fetchOutput(jobId, rel) {
    try {
      const res = await fetch(outputUrl(jobId, rel), { headers: { Authorization: `Bearer ${s.token}` }, cache: 'no-store' });
      return res.ok ? res : null;
    } catch {
      return null;
    }
  }

  async function blobUrl(jobId, rel) {
    const res = await fetchOutput(jobId, rel);
    if (!res) return null;
    const url = URL.createObjectURL(await res.blob());
    s.blobs.push(url);
    return url;
  }

  function renderOutputs(job) {
    const outputs = Array.isArray(job.outputs) ? job.outputs : [];
    if (job.id !== s.selected || outputs.length === 0) return;
    $('outputs').hidden = false;
    const done = job.state === 3;
    const rows = outputs.map((o) => {
      const name = String(o.name || '');
      let row = s.outputRows.get(name);
      if (!row) {
        row = outputRow(name);
        s.outputRows.set(name, row);
      }
      const state = typeof o.state === 'number' ? o.state : job.state;
      row.type.textContent = String(o.type || '');
      setBadge(row.state, typeof o.state === 'string' ? o.state : JOB_STATES[state] || String(state), JOB_KINDS[state] || 'wait');
      row.bar.set(o.progress ?? (done ? 100 : job.progress), JOB_KINDS[state] || 'wait');
      row.path.textContent = String(o.path || '');
      const entry = outputEntry(job, o);
      row.play.hidden = !(done && PLAYABLE.has(o.type) && entry.endsWith('.m3u8'));
      row.play.onclick = () => play(job.id, name, entry);
      if (done && o.type === 'thumbnails' && entry && !s.thumbsShown.has(name)) {
        s.thumbsShown.add(name);
        showThumbnails(job.id, name, entry);
      }
      return row.tr;
    });
    $('outputs-body').replaceChildren(...rows);
  }

  function outputRow(name) {
    const type = el('td');
    const state = el('span', { class: 'badge' });
    const bar = progressBar();
    const path = el('span', { class: 'mono' });
    const play = el('button', { type: 'button', class: 'btn small primary', text: 'Play', title: 'Play this output here' });
    const tr = el('tr', { dataset: { output: name } },
      el('td', null, el('span', { class: 'mono', text: name })), type, el('td', null, state), el('td', null, bar.root),
      el('td', null, path), el('td', { class: 'col-actions' }, play));
    return { tr, type, state, bar, path, play };
  }

  /** The sprite sheet with its WebVTT index when there is one, else the first stills. */
  async function showThumbnails(jobId, name, dir) {
    const grid = el('div', { class: 'thumb-grid' });
    const set = el('div', { class: 'thumb-set', dataset: { output: name } }, el('h4', { text: name }), grid);
    $('thumbs').append(set);
    const vtt = await fetchOutput(jobId, `${dir}/sprite.vtt`);
    if (jobId !== s.selected) return;
    if (vtt && await showSprite(jobId, dir, await vtt.text(), grid)) return;
    for (let i = 1; i <= MAX_STILLS; i++) {
      const n = String(i).padStart(5, '0');
      let url = await blobUrl(jobId, `${dir}/thumb-${n}.jpg`);
      if (!url && jobId === s.selected) url = await blobUrl(jobId, `${dir}/thumb-${n}.webp`);
      if (!url || jobId !== s.selected) break;
      grid.append(el('img', { src: url, alt: `still ${i}`, dataset: { still: i } }));
    }
    if (grid.children.length === 0) grid.append(el('p', { class: 'note', text: 'No stills could be read.' }));
  }

  /** Cues like "00:00:10.000 --> 00:00:20.000" then "sprite.jpg#xywh=320,0,320,180": one tile each. */
  async function showSprite(jobId, dir, text, grid) {
    const cues = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i + 1 < lines.length && cues.length < MAX_STILLS; i++) {
      const time = /^([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
      const ref = time && /^([A-Za-z0-9_.-]+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[i + 1].trim());
      if (ref) cues.push({ at: time[1], image: ref[1], x: +ref[2], y: +ref[3], w: +ref[4], h: +ref[5] });
    }
    if (cues.length === 0) return false;
    const sheets = new Map();
    for (const c of cues) {
      if (!sheets.has(c.image)) sheets.set(c.image, await blobUrl(jobId, `${dir}/${c.image}`));
      const url = sheets.get(c.image);
      if (!url || jobId !== s.selected || c.w <= 0 || c.h <= 0) continue;
      // Each tile is its part of the sheet, scaled to the width of a still in the grid.
      const k = 160 / c.w;
      const sheet = await imageSize(url);
      const tile = el('div', { class: 'tile', title: c.at, dataset: { tile: cues.indexOf(c) + 1 } });
      tile.style.height = `${Math.round(c.h * k)}px`;
      tile.style.backgroundImage = `url("${url}")`;
      tile.style.backgroundSize = `${sheet.w * k}px ${sheet.h * k}px`;
      tile.style.backgroundPosition = `${-c.x * k}px ${-c.y * k}px`;
      grid.append(tile);
    }
    return grid.children.length > 0;
  }

  const sizes = new Map();
  function imageSize(url) {
    if (!sizes.has(url)) {
      sizes.set(url, new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve({ w: img.naturalWidth, h: img.naturalHeight });
        img.onerror = () => resolve({ w: 0, h: 0 });
        img.src = url;
      }));
    }
    return sizes.get(url);
  }

  let hlsLoading = null;
  /** hls.js is large and only players need it: loaded from this node on the first Play. */
  function loadHls() {
    if (window.Hls) return Promise.resolve(true);
    if (!hlsLoading) {
      hlsLoading = new Promise((resolve) => {
        const script = el('script', { src: '/dashboard/hls.min.js' });
        script.onload = () => resolve(Boolean(window.Hls));
        script.onerror = () => {
          hlsLoading = null;
          resolve(false);
        };
        document.head.append(script);
      });
    }
    return hlsLoading;
  }

  function playerStatus(text, height) {
    const st = $('player-status');
    st.textContent = text;
    st.dataset.height = height ? String(height) : '';
  }

  async function play(jobId, name, entry) {
    if (!(await loadHls()) || !window.Hls.isSupported()) {
      toast('This browser cannot play HLS here (no Media Source Extensions), or the player failed to load.');
      return;
    }
    if (s.selected !== jobId) return;
    stopPlayer();
    const Hls = window.Hls;
    const video = $('player-video');
    const hls = new Hls({
      // A worker would need a blob: script, which the page's policy does not allow; the main thread is enough.
      enableWorker: false,
      xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${s.token}`),
    });
    s.hls = hls;
    $('player-title').textContent = name;
    $('player').hidden = false;
    const levels = $('player-level');
    levels.replaceChildren(el('option', { value: '-1', text: 'Auto' }));
    playerStatus('Loading…');
    hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
      if (s.hls !== hls) return;
      data.levels.forEach((l, i) => levels.append(el('option', {
        value: String(i), text: `${l.height}p · ${Math.round(l.bitrate / 1000)} kb/s`,
      })));
      levels.value = '-1';
      video.play().catch(() => playerStatus('Press play on the video.'));
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, data) => {
      const l = hls.levels[data.level];
      if (s.hls === hls && l) playerStatus(`Playing ${l.height}p${hls.autoLevelEnabled ? ' (auto)' : ''}`, l.height);
    });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (s.hls === hls && data.fatal) playerStatus(`Playback failed: ${data.details}`);
    });
    hls.loadSource(outputUrl(jobId, entry));
    hls.attachMedia(video);
  }

  function stopPlayer() {
    if (s.hls) s.hls.destroy();
    s.hls = null;
    const video = $('player-video');
    video.pause();
    video.removeAttribute('src');
    video.load();
    $('player').hidden = true;
    $('player-level').replaceChildren(el('option', { value: '-1', text: 'Auto' }));
    playerStatus('');
  }

  // ---- workers and members (admin tokens) -----------------------------------------------------------------------------

  async function loadWorkers() {
    const r = await call('/admin/workers');
    if (r.err_code === 0 && s.admin) renderWorkers(r);
  }

  async function loadMembers() {
    const r = await call('/admin/cluster/show');
    if (r.err_code === 0 && s.admin) renderMembers(r);
  }

  function table(heads, rows) {
    return el('div', { class: 'table-wrap' }, el('table', { class: 'table' },
      el('thead', null, el('tr', null, ...heads.map((h) => el('th', { text: h })))),
      el('tbody', null, ...rows)));
  }

  function renderWorkers(r) {
    s.workerNodes = new Map(r.workers.map((w) => [w.worker_id, w.node]));
    $('queue-info').textContent = `${r.count} worker${r.count === 1 ? '' : 's'} · ${r.queue_length} queued`;
    $('workers-body').replaceChildren(r.workers.length === 0
      ? el('p', { class: 'note', text: 'No workers registered.' })
      : table(['Worker', 'State', 'Busy', 'Tasks'], r.workers.map((w) => el('tr', { dataset: { workerId: w.worker_id } },
        el('td', null, el('div', { class: 'job-name' },
          el('span', { class: 'mono', text: w.worker_id }),
          el('span', { class: 'id', text: shortAddress(w.node) }))),
        el('td', null, badge(w.state, w.state === 'busy' ? 'run' : 'ok')),
        el('td', { class: 'num', text: `${w.tasks.length}/${w.slots}` }),
        el('td', null, ...(w.tasks.length === 0 ? [el('span', { class: 'muted', text: '—' })]
          : w.tasks.map((t) => el('span', { class: 'chip mono', title: t, text: t.replace(/^.*-(t\d+#\d+)$/, '$1') }))))))));
    for (const [id, row] of s.taskRows) updateTaskRow(row, s.tasks.get(id));
  }

  function renderMembers(r) {
    $('members-info').textContent = `${r.count} member${r.count === 1 ? '' : 's'}`;
    const kind = (status) => (status === 'Up' ? 'ok' : status === 'Down' || status === 'Removed' ? 'fail' : 'wait');
    $('members-body').replaceChildren(table(['Address', 'Roles', 'Status'], r.members.map((m) => el('tr', null,
      el('td', null, el('span', { class: 'mono', text: shortAddress(m.address), title: m.address }), el('br'),
        m.address === r.leader ? el('span', { class: 'chip accent', text: 'leader' }) : null,
        m.address === r.self_address ? el('span', { class: 'chip', text: 'this node' }) : null),
      el('td', null, ...m.roles.map((role) => el('span', { class: 'chip', text: role }))),
      el('td', null, badge(m.status, kind(m.status)),
        m.reachability === 'unreachable' ? el('span', null, ' ', badge('unreachable', 'fail')) : null)))));
  }

  // ---- submitting --------------------------------------------------------------------------------------------------

  const TEXT_FIELDS = ['src_filename', 'dst_dir', 'dst_format', 'segments', 'video_codec', 'audio_codec', 'preset',
    'video_bitrate', 'audio_bitrate', 'map_filename', 'job_id', 'callback_url'];
  const NUMBER_FIELDS = ['priority', 'crf', 'width', 'height'];

  async function submitJob(ev) {
    ev.preventDefault();
    const form = ev.target;
    const result = $('submit-result');
    const fail = (message) => {
      result.className = 'result fail';
      result.textContent = message;
    };
    const job = {};
    for (const name of TEXT_FIELDS) {
      const v = form.elements[name].value.trim();
      if (v) job[name] = v;
    }
    for (const name of NUMBER_FIELDS) {
      const v = form.elements[name].value.trim();
      if (!v) continue;
      const n = Number(v);
      if (!Number.isInteger(n)) {
        fail(`${name} must be a whole number.`);
        return;
      }
      job[name] = n;
    }
    if (form.elements.overwrite.checked) job.overwrite = true;
    if (!job.src_filename || !job.dst_dir) {
      fail('Source file and output directory are required.');
      return;
    }
    $('submit-button').disabled = true;
    result.className = 'result';
    result.textContent = 'Submitting…';
    const r = await call('/master/add_job', { job });
    $('submit-button').disabled = false;
    if (r.err_code !== 0) {
      fail(`${r.err_msg} (${r.err_code})`);
      return;
    }
    // The whole id, so it can be copied; no full stop after it, which would be copied with it.
    const link = el('code', { class: 'job-link', dataset: { jobId: r.job_id }, title: 'Show this job', text: r.job_id });
    link.addEventListener('click', () => select(r.job_id));
    result.className = 'result ok';
    result.replaceChildren('Submitted job ', link);
  }

  // ---- wiring --------------------------------------------------------------------------------------------------------

  function init() {
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const token = $('token').value.trim();
      if (token) login(token, false);
    });
    $('logout').addEventListener('click', () => logout(''));
    $('submit-form').addEventListener('submit', submitJob);
    $('job-close').addEventListener('click', closeJob);
    $('player-close').addEventListener('click', stopPlayer);
    $('player-level').addEventListener('change', (ev) => {
      // -1 hands the choice back to the player's bandwidth estimate.
      if (s.hls) s.hls.currentLevel = Number(ev.target.value);
    });
    $('page-prev').addEventListener('click', () => {
      s.page.start = Math.max(0, s.page.start - s.page.limit);
      loadJobs();
    });
    $('page-next').addEventListener('click', () => {
      s.page.start += s.page.limit;
      loadJobs();
    });
    $('page-size').addEventListener('change', (ev) => {
      s.page.limit = Number(ev.target.value);
      s.page.start = 0;
      loadJobs();
    });
    $('state-filter').addEventListener('change', (ev) => {
      s.page.state = ev.target.value === '' ? null : Number(ev.target.value);
      s.page.start = 0;
      loadJobs();
    });
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) login(saved, true);
    else $('token').focus();
  }

  init();
})();
