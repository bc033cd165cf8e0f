"""The web UI's stylesheet and its one script, passed to `Blocks.launch(css=..., js=...)`.

Colours come from Gradio's theme variables, so the page follows the light or dark theme.
"""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1380px !important; }
#app-header { padding: 4px 2px 0; }
#app-header h1 { font-size: 1.45rem; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
#app-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); font-size: 0.92rem; }

/* answers in the chat */
.answer .answer-text { line-height: 1.6; }
.answer.abstained { border-left: 3px solid var(--neutral-400); padding-left: 10px; color: var(--body-text-color-subdued); }
.answer.abstained .answer-text { font-style: italic; }
.answer.failed { border-left: 3px solid var(--error-border-color, #dc2626); padding-left: 10px; }
.answer-label { font-size: 0.72rem; font-weight: 650; text-transform: uppercase; letter-spacing: 0.05em;
  color: var(--body-text-color-subdued); margin-bottom: 4px; }
.answer.failed .answer-label { color: var(--error-text-color, #b91c1c); }
.answer-note, .answer-warn { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-top: 6px; }
.answer-warn { color: #b45309; }
.answer-by { font-size: 0.72rem; color: var(--body-text-color-subdued); margin-top: 6px; opacity: 0.85; }
.src-none { font-size: 0.88rem; color: var(--body-text-color-subdued); font-style: italic; }
.unsupported { text-decoration: underline wavy #d97706; text-underline-offset: 3px; }
a.cite, .cite-demo { display: inline-block; min-width: 1.35em; padding: 0 0.35em; margin: 0 1px; border-radius: 999px;
  font-size: 0.72em; font-weight: 650; line-height: 1.5; text-align: center; vertical-align: super;
  text-decoration: none !important; color: var(--color-accent) !important; background: var(--color-accent-soft);
  border: 1px solid var(--color-accent); cursor: pointer; }
a.cite:hover, a.cite.selected { color: white !important; background: var(--color-accent); }
.caret { display: inline-block; width: 7px; height: 1em; margin-left: 2px; vertical-align: text-bottom;
  background: var(--body-text-color-subdued); animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }

/* sources panel */
#sources-panel { max-height: 680px; overflow-y: auto; padding-right: 4px; }
.src-empty { border: 1px dashed var(--border-color-primary); border-radius: var(--radius-lg); padding: 18px;
  color: var(--body-text-color-subdued); font-size: 0.9rem; }
.src-empty-title { font-weight: 650; color: var(--body-text-color); margin-bottom: 4px; }
.src-turn { display: none; }
.src-turn.active { display: block; }
.src-q { font-size: 0.85rem; color: var(--body-text-color-subdued); margin: 2px 0 10px; }
.src-q span { font-weight: 650; text-transform: uppercase; font-size: 0.72rem; letter-spacing: 0.05em; margin-right: 4px; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg); padding: 12px 14px;
  margin-bottom: 10px; background: var(--background-fill-primary); transition: border-color .2s, box-shadow .2s; }
.src-card.focused { border-color: var(--color-accent); box-shadow: 0 0 0 3px var(--color-accent-soft); }
.src-head { display: flex; gap: 10px; align-items: flex-start; }
.src-n { flex: none; width: 1.7em; height: 1.7em; border-radius: 999px; display: inline-flex; align-items: center;
  justify-content: center; font-size: 0.8rem; font-weight: 700; color: var(--color-accent); background: var(--color-accent-soft); }
.src-title { font-weight: 650; line-height: 1.3; }
.src-section { font-size: 0.82rem; color: var(--body-text-color-subdued); }
.src-kind { font-size: 0.68rem; font-weight: 700; padding: 0 5px; border-radius: 4px; border: 1px solid currentColor; margin-left: 4px; }
.src-passage { margin: 10px 0 8px !important; padding: 0 0 0 12px !important; border-left: 3px solid var(--border-color-primary) !important;
  font-size: 0.88rem; line-height: 1.6; color: var(--body-text-color); max-height: 260px; overflow-y: auto; }
.src-passage mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.src-where { display: flex; flex-wrap: wrap; gap: 2px 0; font-size: 0.76rem; color: var(--body-text-color-subdued); }
.src-where > span { overflow-wrap: anywhere; }
.src-where > span + span::before { content: "·"; margin: 0 6px; }

/* articles tab */
#articles-table * { font-family: var(--font) !important; }  /* the table's default is monospace */
#articles-table .cell-wrap { font-size: 0.86rem; }
.upload-results { display: flex; flex-direction: column; gap: 6px; }
.upload-row { display: flex; gap: 10px; align-items: baseline; padding: 8px 10px; border-radius: var(--radius-md);
  border: 1px solid var(--border-color-primary); font-size: 0.88rem; }
.upload-status { flex: none; font-size: 0.7rem; font-weight: 700; text-transform: uppercase; padding: 1px 7px; border-radius: 999px; }
.upload-status.added, .upload-status.updated { background: #dcfce7; color: #166534; }
.upload-status.unchanged { background: var(--background-fill-secondary); color: var(--body-text-color-subdued); }
.upload-status.failed, .upload-status.refused { background: #fee2e2; color: #991b1b; }
.upload-detail { color: var(--body-text-color-subdued); }
.hint { font-size: 0.85rem; color: var(--body-text-color-subdued); }

/* phones: the articles as cards; a tapped citation opens its passage in a drawer over the page */
#articles-cards { display: none; }
.article-card { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg); padding: 10px 12px;
  margin-bottom: 8px; background: var(--background-fill-primary); overflow-wrap: anywhere; }
.card-title { font-weight: 650; line-height: 1.3; }
.card-by, .card-meta { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-top: 2px; }
.card-tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
.card-tag { font-size: 0.72rem; padding: 1px 7px; border-radius: 999px; background: var(--background-fill-secondary); }
#source-drawer { position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000; max-height: 62vh; overflow-y: auto;
  overscroll-behavior: contain; padding: 10px 12px 14px; background: var(--background-fill-primary);
  border-top: 2px solid var(--color-accent); border-radius: 14px 14px 0 0; box-shadow: 0 -8px 24px rgba(0, 0, 0, 0.25);
  overflow-wrap: anywhere; }
#source-drawer[hidden] { display: none; }
#source-drawer .src-card { margin: 0; border: none; padding: 6px 2px 0; }
#source-drawer .src-passage { max-height: none; }
.drawer-back { position: sticky; top: -10px; width: 100%; margin-bottom: 6px; padding: 9px; font-weight: 600;
  border-radius: var(--radius-lg); border: 1px solid var(--color-accent); color: var(--color-accent);
  background: var(--background-fill-primary); }
@media (max-width: 700px) {
  #articles-table { display: none !important; }
  #articles-cards { display: block; }
  #sources-panel { max-height: none; overflow: visible; }
  .src-where, .src-title, .answer-text { overflow-wrap: anywhere; }
}

/* evaluate tab */
#eval-summary * { font-family: var(--font) !important; }
.eval-plots { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.eval-plot { margin: 0; max-width: 100%; }
.eval-plot img { max-width: 100%; height: auto; }
.eval-plot figcaption { font-size: 0.82rem; color: var(--body-text-color-subdued); }
"""

# Citation links live in the chat, the passages in the sources panel: one delegated listener
# joins them, so it keeps working when Gradio re-renders either of them. On a phone the panel
# sits far below the answer, so a tapped citation opens a copy of its passage in a drawer over
# the page instead; "Back to the answer" closes it where the reader was.
JS = """
() => {
  if (window.__assistantCites) return;
  window.__assistantCites = true;
  const phone = window.matchMedia('(max-width: 700px)');  // the CSS's phone width
  const show = (turn, n) => {
    const panel = document.querySelector('#sources-panel');
    if (!panel) return null;
    panel.querySelectorAll('.src-turn').forEach(s => s.classList.toggle('active', s.dataset.turn === turn));
    panel.querySelectorAll('.src-card.focused').forEach(c => c.classList.remove('focused'));
    document.querySelectorAll('a.cite.selected').forEach(a => a.classList.remove('selected'));
    document.querySelectorAll(`a.cite[data-turn="${turn}"][data-n="${n}"]`).forEach(a => a.classList.add('selected'));
    const card = panel.querySelector(`#src-${turn}-${n}`);
    if (card) card.classList.add('focused');
    if (card && !phone.matches) card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    return card;
  };
  let drawer = null, opened = null;  // opened: where the reader was when the drawer opened
  const scroller = (el) => {  // the box that scrolls the chat, when it is taller than its max height
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (e.scrollHeight > e.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(e).overflowY)) return e;
    }
    return null;
  };
  const openDrawer = (card, link) => {
    if (!drawer || !drawer.isConnected) {
      drawer = document.createElement('div');
      drawer.id = 'source-drawer';
      drawer.setAttribute('role', 'dialog');
      (document.querySelector('.gradio-container') || document.body).appendChild(drawer);
    }
    const box = scroller(link);
    opened = opened || {link, y: window.scrollY, box, boxY: box ? box.scrollTop : 0};
    opened.link = link;
    const back = document.createElement('button');
    back.type = 'button';
    back.className = 'drawer-back';
    back.textContent = '← Back to the answer';
    const copy = card.cloneNode(true);
    copy.removeAttribute('id');
    copy.classList.remove('focused');
    drawer.replaceChildren(back, copy);
    drawer.setAttribute('aria-label', `Source ${link.dataset.n || ''}`);
    drawer.hidden = false;
    drawer.scrollTop = 0;
    back.focus({preventScroll: true});
  };
  const closeDrawer = () => {
    if (!drawer || drawer.hidden) return;
    drawer.hidden = true;
    const was = opened;
    opened = null;
    if (!was) return;
    window.scrollTo({top: was.y});
    if (was.box) was.box.scrollTop = was.boxY;
    if (was.link.isConnected) {
      const r = was.link.getBoundingClientRect();
      if (r.bottom < 0 || r.top > window.innerHeight) was.link.scrollIntoView({block: 'center'});
      was.link.focus({preventScroll: true});
    }
  };
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeDrawer(); });
  document.addEventListener('click', (event) => {
    if (!event.target.closest) return;
    if (event.target.closest('.drawer-back')) { closeDrawer(); return; }
    const link = event.target.closest('a.cite');
    if (!link) {  // a tap elsewhere on the page (a tab, a button) puts the drawer away, leaving the page be
      if (drawer && !drawer.hidden && !drawer.contains(event.target)) { drawer.hidden = true; opened = null; }
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    const m = (link.getAttribute('href') || '').match(/src-(\\d+)-(\\d+)/);
    const card = show(link.dataset.turn || (m && m[1]), link.dataset.n || (m && m[2]));
    if (card && phone.matches) openDrawer(card, link);
  }, true);
}
"""
