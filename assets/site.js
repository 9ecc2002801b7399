// The page around brokersim's WebAssembly module: it decides what to open from the URL, and
// adds what only a browser has (opening a file from disk, downloads, share links). Nothing is
// sent anywhere: a share link carries the scenario itself, compressed, in its #fragment.
//
//   index.html?scenario=NAME        the lesson scenarios/NAME.yaml
//   index.html#s=v1.DATA&t=MS       a shared scenario (edits included) at that moment
//   ...&check=1 [&seed=N]           plays it to its end without drawing; #result says
//                                   "fingerprint: <hex>", as `brokersim run` prints it
//   ...&bench=N                     #result gets the median time of N frames
//   ...&selftest=share              edits the lesson through the hooks below, makes its link,
//                                   and writes "link: ..." and "fingerprint: ..." to #result
'use strict';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const SHARED_FILE = '/shared/shared-link.yaml';

function showError(text) {
  $('error-text').textContent = text;
  $('error').hidden = false;
}
$('error-close').onclick = () => { $('error').hidden = true; };

function notice(text) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { n.hidden = true; }, 4000);
}

// ---- share links: deflate-raw, then base64url, behind a version tag -------------------------

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('its scenario data has characters a link of ours never has');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  let binary;
  try {
    binary = atob(padded);
  } catch {
    throw new Error('its scenario data is damaged or cut short');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

async function encodeScenario(yaml) {
  return 'v1.' + toBase64Url(await pipe(new TextEncoder().encode(yaml), new CompressionStream('deflate-raw')));
}

async function decodeScenario(data) {
  if (!data.startsWith('v1.')) throw new Error('it is not a brokersim scenario link (or one from a newer version)');
  const packed = fromBase64Url(data.slice(3));
  let bytes;
  try {
    bytes = await pipe(packed, new DecompressionStream('deflate-raw'));
  } catch {
    throw new Error('its scenario data is damaged or cut short');
  }
  return new TextDecoder('utf-8', {fatal: true}).decode(bytes);
}

async function shareLink() {
  const yaml = Module.ccall('web_scenario_yaml', 'string', [], []);
  const ms = Math.round(Module.ccall('web_time_ms', 'number', [], []));
  return location.origin + location.pathname + '#s=' + (await encodeScenario(yaml)) + '&t=' + ms;
}

// ---- what to open ----------------------------------------------------------------------------

// The fragment's scenario, if any: {yaml, atMs}, or {error}.
async function sharedScenario() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.has('s')) return null;
  try {
    const yaml = await decodeScenario(fragment.get('s'));
    const at = Number(fragment.get('t') || 0);
    return {yaml, atMs: Number.isFinite(at) && at >= 0 ? at : 0};
  } catch (e) {
    return {error: 'This link does not open: ' + e.message + '.\nShowing the checkout lesson instead; ' +
                   'ask for the link again, or pick a lesson above.'};
  }
}

function argumentsFor(shared) {
  const args = [];
  if (params.get('check') === '1') args.push('--check');
  if (shared && shared.yaml !== undefined) {
    args.push(SHARED_FILE);
    if (shared.atMs) args.push('--at', String(shared.atMs));
  } else if (params.has('scenario')) {
    const name = params.get('scenario');
    if (/^[A-Za-z0-9_.-]+$/.test(name)) args.push('/scenarios/' + name + '.yaml');
    else showError('There is no lesson named "' + name + '".');
  }
  if (params.has('seed')) args.push('--seed', params.get('seed'));
  if (params.has('bench')) args.push('--bench', params.get('bench'));
  return args;
}

// ---- the toolbar, drag and drop --------------------------------------------------------------

function openText(name, text) {
  const path = '/uploads/' + name.replace(/[^A-Za-z0-9_.-]/g, '_');
  Module.FS.mkdirTree('/uploads');
  Module.FS.writeFile(path, text);
  if (Module.ccall('web_open_file', 'number', ['string'], [path]) === 0) $('error').hidden = true;
}

function setUpToolbar() {
  const lessons = $('lessons');
  lessons.add(new Option('Lessons…', ''));
  // The course, module by module, as scenarios/course.yaml orders it; then any other lesson.
  const listed = new Set();
  let group = null;
  for (const line of Module.ccall('web_course_menu', 'string', [], []).split('\n').filter(Boolean)) {
    const [module, title, path] = line.split('\t');
    if (!group || group.label !== module) {
      group = document.createElement('optgroup');
      group.label = module;
      lessons.appendChild(group);
    }
    group.appendChild(new Option(title, path));
    listed.add(path);
  }
  const others = Module.FS.readdir('/scenarios')
    .filter((f) => f.endsWith('.yaml') && f !== 'course.yaml' && !listed.has('/scenarios/' + f)).sort();
  if (others.length) {
    group = document.createElement('optgroup');
    group.label = 'Other scenarios';
    lessons.appendChild(group);
    for (const file of others) group.appendChild(new Option(file.replace(/\.yaml$/, '').replace(/_/g, ' '), '/scenarios/' + file));
  }
  lessons.onchange = () => {
    if (lessons.value) Module.ccall('web_open_file', 'number', ['string'], [lessons.value]);
    lessons.value = '';
    $('canvas').focus();
  };
  $('open').onclick = () => $('file').click();
  $('file').onchange = async () => {
    const file = $('file').files[0];
    if (file) openText(file.name, await file.text());
    $('file').value = '';
  };
  $('save').onclick = () => {
    const yaml = Module.ccall('web_scenario_yaml', 'string', [], []);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([yaml], {type: 'application/yaml'}));
    a.download = 'scenario.yaml';
    a.click();
  };
  $('share').onclick = async () => {
    const link = await shareLink();
    history.replaceState(null, '', link);
    try {
      await navigator.clipboard.writeText(link);
      notice('Link copied: it holds the scenario and this moment.');
    } catch {
      notice('The link is now in the address bar: copy it from there.');
    }
  };
  addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
  addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  addEventListener('drop', async (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer.files[0];
    if (file) openText(file.name, await file.text());
  });
  $('toolbar').hidden = false;
}

// For the tests: edit the lesson through the page's hooks (one more binding), make its link,
// and say the link and the edited scenario's fingerprint.
async function selftestShare() {
  const yaml = Module.ccall('web_scenario_yaml', 'string', [], []);
  const edited = yaml.replace('  bindings:\n', '  bindings:\n    - {exchange: "amq.topic", queue: "Q1", key: "selftest.#"}\n');
  openText('selftest.yaml', edited);
  const fingerprint = Module.ccall('web_fingerprint_of', 'string', [], []);
  $('result').textContent = 'link: ' + (await shareLink()) + '\nfingerprint: ' + fingerprint;
}

// ---- start -----------------------------------------------------------------------------------

(async () => {
  const shared = await sharedScenario();
  if (shared && shared.error) showError(shared.error);
  const started = performance.now();
  window.Module = {
    canvas: $('canvas'),
    arguments: argumentsFor(shared),
    showError,
    preRun: [() => {
      if (shared && shared.yaml !== undefined) {
        FS.mkdirTree('/shared');
        FS.writeFile(SHARED_FILE, shared.yaml);
      }
    }],
    onRuntimeInitialized: () => { $('loading').hidden = true; },
    onFirstFrame: () => {
      document.body.dataset.firstFrameMs = String(Math.round(performance.now() - started));
      setUpToolbar();
      $('canvas').focus();
      if (params.get('selftest') === 'share') selftestShare();
    },
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
  };
  const script = document.createElement('script');
  script.src = 'app.js';
  script.onerror = () => showError('app.js did not load: is the site complete?');
  document.body.appendChild(script);
})();
