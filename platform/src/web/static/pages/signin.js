/**
 * Sign-in: paste an API token; signed in, the console goes where the visitor was going (`next`) or to the
 * factory's energy overview. Visited while signed in, the page shows whose token it is (name, role) and which
 * factories it opens. A spent one-time link (`link=spent`) is explained here.
 */
import { h, table } from '../dom.js';
import { label, t } from '../i18n.js';
import { problemBox } from '../problem.js';
import { pageHeader, section } from './common.js';

function identity(ctx) {
  const s = ctx.session;
  const first = s.factoryList[0];
  return section(
    t('signin.signedInAs'),
    h(
      'dl',
      { class: 'facts', id: 'identity' },
      h('dt', {}, t('signin.name')),
      h('dd', {}, s.name),
      h('dt', {}, t('signin.role')),
      h('dd', { 'data-role': s.role }, label('role', s.role)),
    ),
    s.role === 'admin' ? h('p', {}, t('signin.allFactories')) : null,
    table(
      t('signin.factories'),
      [
        { label: t('col.id'), cell: (f) => f.id },
        { label: t('col.name'), cell: (f) => f.name || '—' },
      ],
      s.factoryList,
      { id: 'factory-table' },
    ),
    first
      ? h(
          'p',
          {},
          h('a', { class: 'button', href: `#/energy/${encodeURIComponent(first.id)}` }, t('signin.continue')),
        )
      : h('p', { class: 'empty' }, t('app.noFactories')),
  );
}

export const signinPage = {
  async render(ctx) {
    const input = h('input', {
      id: 'token',
      name: 'token',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'token-help',
    });
    const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit' }, t('signin.submit'));
    const form = h(
      'form',
      {
        class: 'signin-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const token = input.value.trim();
          status.replaceChildren();
          if (!token) {
            status.append(h('p', { class: 'problem-detail', role: 'alert' }, t('signin.empty')));
            return;
          }
          submit.disabled = true;
          try {
            await ctx.signIn(token);
            ctx.afterSignIn(ctx.query.next);
          } catch (err) {
            status.append(problemBox(err));
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('label', { for: 'token' }, t('signin.token')),
      input,
      h('p', { id: 'token-help', class: 'help' }, t('signin.tokenHelp')),
      submit,
      status,
    );
    ctx.view.append(pageHeader(t('signin.title')));
    if (ctx.query.link === 'spent' && !ctx.session)
      ctx.view.append(
        h('p', { class: 'notice', id: 'signin-link-spent', role: 'status' }, t('signin.linkSpent')),
      );
    if (ctx.session) ctx.view.append(identity(ctx));
    ctx.view.append(h('section', { class: 'panel', 'aria-label': t('signin.token') }, form));
  },
};
