// The walkthrough page's steps (nabla_autodiff::dump::GraphDump::to_html). The numbers and
// words come computed from Rust in #walk-data; this script only switches classes and texts.
//
// One timeline: t = 0 is the overview, t = 1..F the forward steps, t = F + 1 + k the state
// after k backward steps (k = 0..B). The address says where to start: #forward=2,
// #backward=3, optionally &node=I or &edge=E to open one in the panel.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('walk-data').textContent);
  var F = data.forward.length;
  var B = data.backward.length;
  var last = data.output === null ? F : F + 1 + B;
  var t = 0;
  var $ = function (id) { return document.getElementById(id); };
  var all = function (selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  };
  var nodes = all('g.node');
  var edges = all('g.edge');
  var tags = all('g.tag');
  var details = all('section.detail');

  nodes.forEach(function (g) {
    g.val = g.querySelector('.val');
    g.grad = g.querySelector('.grad');
    g.originalVal = g.val.textContent;
    g.originalGrad = g.grad.textContent;
  });
  var forwardIndex = {};
  data.forward.forEach(function (s, i) { forwardIndex[s.node] = i; });
  var receives = {};
  data.backward.forEach(function (s) { receives[s.input] = true; });

  function show(what) {
    var found = false;
    details.forEach(function (d) {
      d.hidden = d.id !== 'detail-' + what;
      found = found || !d.hidden;
    });
    $('hint').hidden = found;
    nodes.concat(edges).forEach(function (g) { g.classList.toggle('selected', g.id === what); });
    if (found) { $('panel').scrollTop = 0; }
  }

  function render(selectFromStep) {
    var kind = t === 0 ? 'overview' : t <= F ? 'forward' : 'backward';
    var k = kind === 'forward' ? t : t - F - 1;
    nodes.forEach(function (g) {
      g.classList.remove('current', 'source', 'pending', 'waiting', 'partial');
      g.removeAttribute('data-partial');
      g.val.textContent = g.originalVal;
      g.grad.textContent = g.originalGrad;
    });
    edges.forEach(function (e) { e.classList.remove('current', 'active', 'served', 'pending'); });
    tags.forEach(function (tag) { tag.classList.remove('show'); });
    var sum = $('partial-sum');
    sum.textContent = '';
    sum.removeAttribute('data-node');
    all('.backward-only').forEach(function (el) { el.hidden = kind === 'forward'; });
    all('.forward-only').forEach(function (el) { el.hidden = kind !== 'forward'; });
    var step = 'overview: every value and gradient';
    var explain = 'Forward \u25b6 replays the ops in the order they ran; Backward \u25b6 serves ' +
      'the edges in the order backward did.';
    var focus = null;

    if (kind === 'forward') {
      var s = data.forward[k - 1];
      nodes.forEach(function (g) {
        var i = Number(g.dataset.index);
        g.grad.textContent = '';
        if (i in forwardIndex && forwardIndex[i] > k - 1) {
          g.classList.add('pending');
          g.val.textContent = 'value ?';
        }
      });
      edges.forEach(function (e) {
        var to = Number(e.dataset.to);
        if (to in forwardIndex && forwardIndex[to] > k - 1) { e.classList.add('pending'); }
      });
      s.edges.forEach(function (e) { $('edge-' + e).classList.remove('pending'); $('edge-' + e).classList.add('active'); });
      $('node-' + s.node).classList.remove('pending');
      $('node-' + s.node).classList.add('current');
      step = 'forward step ' + k + ' of ' + F;
      explain = s.text;
      focus = 'node-' + s.node;
    } else if (kind === 'backward') {
      var latest = {};
      for (var j = 0; j < k; j++) { latest[data.backward[j].input] = data.backward[j]; }
      nodes.forEach(function (g) {
        var i = Number(g.dataset.index);
        if (i === data.output) {
          g.grad.textContent = 'grad ' + data.seed;
          g.setAttribute('data-partial', data.seed);
        } else if (i in latest) {
          var l = latest[i];
          var complete = l.term === l.terms;
          g.grad.textContent = (complete ? 'grad ' : 'so far ') + l.short;
          g.setAttribute('data-partial', l.short);
          if (!complete) { g.classList.add('partial'); }
        } else if (receives[i]) {
          g.grad.textContent = 'grad ?';
          g.classList.add('waiting');
        }
      });
      for (var m = 0; m < k - 1; m++) { $('edge-' + data.backward[m].edge).classList.add('served'); }
      step = 'backward step ' + k + ' of ' + B;
      if (k === 0) {
        $('node-' + data.output).classList.add('current');
        explain = data.seedText;
        focus = 'node-' + data.output;
      } else {
        var b = data.backward[k - 1];
        $('edge-' + b.edge).classList.add('current');
        $('tag-' + b.edge).classList.add('show');
        $('node-' + b.input).classList.add('current');
        $('node-' + b.consumer).classList.add('source');
        explain = b.text;
        sum.textContent = b.sum;
        sum.setAttribute('data-node', b.input);
        focus = 'node-' + b.input;
      }
    }
    $('step').textContent = step;
    $('explain').textContent = explain;
    $('reset').disabled = t === 0;
    $('prev').disabled = t === 0;
    $('forward').disabled = t >= F;
    $('backward').disabled = data.output === null || t >= last;
    if (selectFromStep && focus) { show(focus); }
    var where = kind === 'overview' ? 'overview' : kind + '=' + k;
    try { history.replaceState(null, '', '#' + where); } catch (err) { /* file:// may refuse */ }
  }

  function go(to) {
    t = Math.max(0, Math.min(last, to));
    render(true);
  }

  $('reset').addEventListener('click', function () { go(0); });
  $('prev').addEventListener('click', function () { go(t - 1); });
  $('forward').addEventListener('click', function () { go(t + 1); });
  $('backward').addEventListener('click', function () { go(t <= F ? F + 2 : t + 1); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'ArrowRight') { go(t + 1); ev.preventDefault(); }
    if (ev.key === 'ArrowLeft') { go(t - 1); ev.preventDefault(); }
  });
  nodes.forEach(function (g) {
    g.addEventListener('click', function () { show(g.id); });
    g.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { show(g.id); } });
  });
  edges.forEach(function (e) { e.addEventListener('click', function () { show(e.id); }); });
  all('.link').forEach(function (a) {
    a.addEventListener('click', function () { show(a.dataset.show); });
  });

  function fromAddress() {
    var hash = decodeURIComponent(location.hash.slice(1));
    var f = /(?:^|&)forward=(\d+)/.exec(hash);
    var b = /(?:^|&)backward=(\d+)/.exec(hash);
    if (b && data.output !== null) {
      t = Math.min(last, F + 1 + Number(b[1]));
    } else if (f) {
      t = Math.min(F, Number(f[1]));
    } else {
      t = 0;
    }
    render(true);
    var n = /(?:^|&)(node|edge)=(\d+)/.exec(hash);
    if (n) { show(n[1] + '-' + n[2]); }
  }
  window.addEventListener('hashchange', fromAddress);
  fromAddress();
}());
