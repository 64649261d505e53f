// @ts-check
// The chat page. It only displays HTML the extension rendered (already
// escaped there) and sends the user's clicks back; it never talks to the
// server itself.
(function () {
  const vscode = acquireVsCodeApi();
  const transcript = /** @type {HTMLElement} */ (document.getElementById('transcript'));
  const prompt = /** @type {HTMLTextAreaElement} */ (document.getElementById('prompt'));
  const send = /** @type {HTMLButtonElement} */ (document.getElementById('send'));
  const stop = /** @type {HTMLButtonElement} */ (document.getElementById('stop'));
  const newChat = /** @type {HTMLButtonElement} */ (document.getElementById('new-chat'));
  const session = /** @type {HTMLElement} */ (document.getElementById('session'));
  const context = /** @type {HTMLElement} */ (document.getElementById('context'));
  const contextLabel = /** @type {HTMLElement} */ (document.getElementById('context-label'));
  const contextClear = /** @type {HTMLButtonElement} */ (document.getElementById('context-clear'));

  function setBusy(busy) {
    send.hidden = busy;
    stop.hidden = !busy;
    document.body.classList.toggle('busy', busy);
  }

  function setSession(id) {
    session.textContent = id ? 'session ' + id.slice(0, 8) : '';
    session.title = id || '';
  }

  /** @param {number} id @param {string} html */
  function putTurn(id, html) {
    const existing = transcript.querySelector('[data-turn="' + id + '"]');
    const holder = document.createElement('div');
    holder.innerHTML = html;
    const el = holder.firstElementChild;
    if (!el) {
      return;
    }
    const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
    if (existing) {
      existing.replaceWith(el);
    } else {
      transcript.appendChild(el);
    }
    if (atBottom || !existing) {
      transcript.scrollTop = transcript.scrollHeight;
    }
  }

  function submit() {
    const text = prompt.value.trim();
    if (!text || !stop.hidden) {
      return;
    }
    vscode.postMessage({ type: 'ask', prompt: text });
    prompt.value = '';
  }

  send.addEventListener('click', submit);
  stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
  newChat.addEventListener('click', () => vscode.postMessage({ type: 'newChat' }));
  contextClear.addEventListener('click', () => vscode.postMessage({ type: 'clearContext' }));
  prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && !stop.hidden) {
      vscode.postMessage({ type: 'stop' });
    }
  });
  transcript.addEventListener('click', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    const button = target.closest('button[data-action]');
    const turn = target.closest('[data-turn]');
    if (!button || !turn) {
      return;
    }
    vscode.postMessage({
      type: button.getAttribute('data-action'),
      turn: Number(turn.getAttribute('data-turn')),
      index: Number(button.getAttribute('data-index')),
    });
  });

  window.addEventListener('message', (event) => {
    const m = event.data;
    switch (m.type) {
      case 'turn':
        putTurn(m.id, m.html);
        break;
      case 'all':
        transcript.textContent = '';
        for (const t of m.turns) {
          putTurn(t.id, t.html);
        }
        setBusy(m.busy);
        setSession(m.sessionId);
        break;
      case 'busy':
        setBusy(m.busy);
        break;
      case 'session':
        setSession(m.sessionId);
        break;
      case 'context':
        context.hidden = !m.label;
        contextLabel.textContent = m.label ? 'Selection: ' + m.label : '';
        if (m.label) {
          prompt.focus();
        }
        break;
    }
  });

  prompt.focus();
  vscode.postMessage({ type: 'ready' });
})();
