// plainsight web view: live rows on the exchange list, navigation between
// imperceptible differences on the compare page. Nothing here builds
// markup from data: new rows arrive as server-rendered, escaped HTML.
(function () {
  'use strict';

  var live = document.getElementById('live-status');
  if (live && window.EventSource && window.fetch) {
    var after = Number(live.dataset.after) || 0;
    var rowsUrl = live.dataset.rows;
    var busy = false;
    var again = false;
    var added = 0;
    var fetchRows = function () {
      if (busy) { again = true; return; }
      busy = true;
      var url = rowsUrl + (rowsUrl.indexOf('?') >= 0 ? '&' : '?') + 'after=' + after;
      fetch(url, { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString('<table><tbody>' + html + '</tbody></table>', 'text/html');
          var rows = Array.prototype.slice.call(doc.querySelectorAll('tr[data-id]'));
          var tbody = document.getElementById('rows');
          // Rows come newest first: insert the oldest first, each at the top.
          rows.reverse().forEach(function (tr) {
            var id = Number(tr.dataset.id);
            if (id <= after && tbody.querySelector('tr[data-id="' + id + '"]')) { return; }
            var n = document.importNode(tr, true);
            n.classList.add('new');
            tbody.insertBefore(n, tbody.firstChild);
            after = Math.max(after, id);
            added += 1;
          });
          live.textContent = 'live: ' + added + ' new since this page opened';
          live.classList.remove('offline');
        })
        .catch(function (e) { live.textContent = 'live: ' + e.message; live.classList.add('offline'); })
        .then(function () { busy = false; if (again) { again = false; fetchRows(); } });
    };
    var es = new EventSource(live.dataset.events);
    es.addEventListener('exchange', function (e) {
      if (Number(e.data) > after) { fetchRows(); }
    });
    es.onopen = function () { live.classList.remove('offline'); live.classList.add('connected'); };
    es.onerror = function () { live.classList.add('offline'); };
  }

  var next = document.getElementById('next-diff');
  if (next) {
    var marks = document.querySelectorAll('table.sbs mark.imperceptible');
    if (marks.length > 0) {
      next.hidden = false;
      var i = -1;
      var go = function (step) {
        if (i >= 0) { marks[i].classList.remove('current'); }
        i = (i + step + marks.length) % marks.length;
        marks[i].classList.add('current');
        marks[i].scrollIntoView({ block: 'center' });
      };
      next.addEventListener('click', function () { go(1); });
      document.addEventListener('keydown', function (e) {
        if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT')) { return; }
        if (e.key === 'n' || e.key === 'j') { go(1); }
        if (e.key === 'p' || e.key === 'k') { go(-1); }
      });
    }
  }
}());
