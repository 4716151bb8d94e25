// Samspill's pages work without this script; with it, forms are sent
// without leaving the page, the directory is searched as you type, the
// map follows its changes live (Server-Sent Events) and a slider moves the
// map through its history.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
  var fmt = function (pattern, arg) { return (pattern || '%s').replace(/%[sd]/, arg); };
  var config = function () { return $('#live-config') || document.createElement('div'); };

  function announce(text) {
    var a = $('#announcer');
    if (!a || !text) return;
    a.textContent = '';
    window.setTimeout(function () { a.textContent = text; }, 60);
  }

  function parse(html) { return new DOMParser().parseFromString(html, 'text/html'); }

  // The open gaps on the page: id → "rule explanation".
  function gapsOf(root) {
    var m = {};
    $$('[data-gap-id]', root).forEach(function (li) {
      var ex = $('.explanation', li);
      m[li.getAttribute('data-gap-id')] = li.getAttribute('data-rule') + ' ' + (ex ? ex.textContent.trim() : '');
    });
    return m;
  }

  // swapRegions puts the regions of a freshly read page in place of ours,
  // keeping what the user is typing in the forms.
  function swapRegions(doc) {
    $$('[data-region]').forEach(function (el) {
      var fresh = doc.getElementById(el.id);
      if (!fresh || fresh.innerHTML === el.innerHTML) return;
      el.innerHTML = fresh.innerHTML;
    });
    $$('select[data-actors]').forEach(function (sel) {
      var fresh = doc.getElementById(sel.id);
      if (!fresh) return;
      var value = sel.value;
      sel.innerHTML = fresh.innerHTML;
      sel.value = value;
      if (sel.value !== value) sel.selectedIndex = 0;
    });
    var range = $('#timeline-step'), freshRange = doc.getElementById('timeline-step');
    if (range && freshRange && range.getAttribute('data-dates') !== freshRange.getAttribute('data-dates')) {
      var atEnd = +range.value === +range.max;
      range.setAttribute('data-dates', freshRange.getAttribute('data-dates'));
      range.max = freshRange.max;
      if (atEnd) range.value = range.max;
    }
  }

  // refresh reads this page again and swaps its regions, then says what
  // changed.
  var refreshing = false, again = false;
  function refresh(reason) {
    if (refreshing) { again = true; return Promise.resolve(); }
    refreshing = true;
    var before = gapsOf(document);
    return fetch(location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (r) {
        if (r.redirected && r.url.indexOf('/app/signin') >= 0) { location.href = r.url; return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        swapRegions(parse(html));
        var after = gapsOf(document), said = false;
        Object.keys(after).forEach(function (id) {
          if (!(id in before)) { announce(fmt(config().getAttribute('data-opened'), after[id])); said = true; }
        });
        Object.keys(before).forEach(function (id) {
          if (!(id in after)) { announce(fmt(config().getAttribute('data-closed'), before[id])); said = true; }
        });
        if (!said && reason === 'map') announce(config().getAttribute('data-updated'));
        document.body.setAttribute('data-refreshed', String(Date.now()));
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(reason); }
      });
  }

  // Live updates.
  function startLive() {
    var url = config().getAttribute('data-live');
    if (!url || !window.EventSource) return;
    var es = new EventSource(url), timer = null, reason = 'gap';
    var schedule = function (why) {
      if (why === 'map') reason = 'map';
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { var r = reason; reason = 'gap'; refresh(r); }, 200);
    };
    es.addEventListener('open', function () { document.body.setAttribute('data-live', 'connected'); });
    es.addEventListener('map', function () { schedule('map'); });
    es.addEventListener('gap', function () { schedule('gap'); });
    es.addEventListener('error', function () { document.body.setAttribute('data-live', 'reconnecting'); });
  }

  // Forms are sent in the background; the answer (the page after the
  // redirect, or the page with the form's errors) replaces the main
  // content, and focus goes to the first error or back to the form.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches('form[data-enhance]')) return;
    ev.preventDefault();
    var data = new FormData(form);
    if (ev.submitter && ev.submitter.name) data.append(ev.submitter.name, ev.submitter.value);
    var buttons = $$('button', form);
    buttons.forEach(function (b) { b.disabled = true; });
    form.setAttribute('aria-busy', 'true');
    fetch(form.action, { method: 'POST', body: new URLSearchParams(data), credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.text().then(function (html) { return { r: r, html: html }; }); })
      .then(function (res) {
        var doc = parse(res.html), main = $('main'), freshMain = doc.querySelector('main');
        if (!freshMain) { location.href = res.r.url; return; }
        main.innerHTML = freshMain.innerHTML;
        document.title = doc.title;
        if (res.r.url.indexOf('/app/maps/') >= 0 && res.r.ok) history.replaceState(null, '', res.r.url);
        init();
        var again = document.getElementById(form.id);
        var target = again && (again.querySelector('[aria-invalid="true"]') || again.querySelector('.form-error'));
        if (target) {
          if (!target.hasAttribute('tabindex') && target.classList.contains('form-error')) target.setAttribute('tabindex', '-1');
          target.focus();
          var msg = again.querySelector('.field-error, .form-error');
          if (msg) announce(msg.textContent);
        } else {
          var flash = $('[data-flash]');
          if (flash) announce(flash.textContent);
          var first = again && again.querySelector('input:not([type=hidden]), select, textarea');
          if (first) first.focus();
        }
        document.body.setAttribute('data-submitted', String(Date.now()));
      })
      .catch(function () { HTMLFormElement.prototype.submit.call(form); });
  });

  // The directory search: an ARIA combobox whose list the server fills.
  function initCombo(input) {
    if (input.getAttribute('data-ready')) return;
    input.setAttribute('data-ready', '1');
    var form = input.form, list = document.getElementById(input.getAttribute('aria-controls'));
    var hidden = $('[data-directory-id]', form), chosen = $('[data-directory-chosen]', form);
    var items = [], active = -1, timer = null, seq = 0, choosing = false;
    function close() {
      list.hidden = true; input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant'); active = -1;
    }
    function render() {
      list.innerHTML = '';
      items.forEach(function (e, i) {
        var li = document.createElement('li');
        li.id = list.id + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.setAttribute('data-entry-id', e.entryId);
        li.textContent = e.name;
        var small = document.createElement('span');
        small.className = 'hint';
        small.textContent = ' · ' + e.sectorLabel + ' · ' + e.municipality;
        li.appendChild(small);
        li.addEventListener('mousedown', function (ev) { ev.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      active = -1;
      input.removeAttribute('aria-activedescendant');
      if (items.length) {
        list.hidden = false; input.setAttribute('aria-expanded', 'true');
        announce(fmt(config().getAttribute('data-count'), items.length));
      } else {
        close();
      }
    }
    function search() {
      var q = input.value.trim(), my = ++seq;
      if (!q) { items = []; close(); return; }
      fetch('/app/directory?q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (j) { if (my === seq) { items = j.entries || []; render(); } })
        .catch(function () { items = []; close(); });
    }
    function move(d) {
      if (!items.length) return;
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      active = (active + d + items.length) % items.length;
      $$('[role=option]', list).forEach(function (li, i) { li.setAttribute('aria-selected', i === active ? 'true' : 'false'); });
      var li = list.children[active];
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
    function choose(i) {
      var e = items[i];
      input.value = e.name;
      hidden.value = e.entryId;
      chosen.textContent = fmt(config().getAttribute('data-chosen'), e.name + ' (' + e.sectorLabel + ')');
      $$('[data-nojs-results]', form).forEach(function (n) { n.remove(); });
      close();
    }
    input.addEventListener('input', function () {
      hidden.value = ''; chosen.textContent = '';
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown') { ev.preventDefault(); move(1); }
      else if (ev.key === 'ArrowUp') { ev.preventDefault(); move(-1); }
      else if (ev.key === 'Enter') {
        if (!list.hidden && active >= 0) {
          ev.preventDefault();
          choosing = true;
          choose(active);
        }
        else if (!hidden.value) { ev.preventDefault(); search(); }
      } else if (ev.key === 'Escape') { close(); }
    });
    // The Enter that chose an entry must not also send the form (some
    // input paths deliver its keypress even when keydown was handled).
    input.addEventListener('keypress', function (ev) { if (ev.key === 'Enter' && choosing) ev.preventDefault(); });
    input.addEventListener('keyup', function (ev) { if (ev.key === 'Enter') choosing = false; });
    input.addEventListener('blur', function () { window.setTimeout(close, 150); });
  }

  // The timeline slider shows its date while it moves and reads the page
  // on that date when it stops.
  function initTimeline(range) {
    if (range.getAttribute('data-ready')) return;
    range.setAttribute('data-ready', '1');
    var out = $('#timeline-date');
    var dateAt = function (i) { return (range.getAttribute('data-dates') || '').split(',')[i] || ''; };
    range.addEventListener('input', function () {
      var d = dateAt(+range.value);
      out.textContent = d;
      range.setAttribute('aria-valuetext', d);
    });
    range.addEventListener('change', function () {
      var url = new URL(location.href);
      url.searchParams.delete('at'); url.searchParams.delete('done');
      if (+range.value === +range.max) url.searchParams.delete('step'); else url.searchParams.set('step', range.value);
      url.hash = '';
      history.replaceState(null, '', url.toString());
      refresh('step');
    });
  }

  function init() {
    $$('.nojs').forEach(function (n) { n.remove(); });
    $$('[data-directory-search]').forEach(initCombo);
    $$('#timeline-step').forEach(initTimeline);
  }

  // The language switch returns to the page as it is now (the script may
  // have changed its address), without a finished form's message.
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href^="/app/lang"]');
    if (!a) return;
    var here = new URL(location.href);
    here.searchParams.delete('done');
    var to = new URL(a.href);
    to.searchParams.set('back', here.pathname + here.search);
    a.href = to.pathname + to.search;
  });

  document.addEventListener('DOMContentLoaded', function () {
    init();
    startLive();
  });
})();
