/** The request form: principal, action, resource, resource account and context key rows, with completion from the service data. */
import { hasServiceData, listActions, listConditionKeys } from 'callseal/policy';
import { L } from './i18n/index';
import { el } from './page';
import type { Workspace } from './workspace';

const m = L.m;

export class RequestPanel {
  constructor(private readonly ws: Workspace, private readonly changed: () => void) {
    const bind = (input: HTMLInputElement, field: 'principal' | 'action' | 'resource' | 'resourceAccount') =>
      input.addEventListener('input', () => {
        ws.request[field] = input.value;
        if (field === 'action') suggest(el.actionList, input.value, listActions);
        changed();
      });
    bind(el.principal, 'principal');
    bind(el.action, 'action');
    bind(el.resource, 'resource');
    bind(el.resourceAccount, 'resourceAccount');
    el.addContext.addEventListener('click', () => this.addContextRow());
  }

  render(): void {
    const { request } = this.ws;
    el.principal.value = request.principal;
    el.action.value = request.action;
    el.resource.value = request.resource;
    el.resourceAccount.value = request.resourceAccount;
    el.contextRows.replaceChildren(...request.context.map((row, i) => this.contextRow(row, i)));
  }

  /** Adds a context key row (with `key` filled in, focus on its value; else focus on the key). */
  addContextRow(key = ''): void {
    this.ws.request.context.push([key, '']);
    this.render();
    const rows = el.contextRows.querySelectorAll<HTMLInputElement>(key ? '.ctx-value' : '.ctx-key');
    rows[rows.length - 1]?.focus();
    this.changed();
  }

  private contextRow(row: [string, string], i: number): HTMLElement {
    const div = document.createElement('div');
    div.className = 'context-row';
    const key = document.createElement('input');
    key.type = 'text';
    key.value = row[0];
    key.placeholder = 'aws:SourceAccount';
    key.setAttribute('list', 'condition-key-list');
    key.setAttribute('aria-label', m['ctx.key'](L.number(i + 1)));
    key.spellcheck = false;
    key.className = 'ctx-key';
    const value = document.createElement('input');
    value.type = 'text';
    value.value = row[1];
    value.placeholder = m['ctx.valuePlaceholder'];
    value.setAttribute('aria-label', m['ctx.value'](L.number(i + 1)));
    value.spellcheck = false;
    value.className = 'ctx-value';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'ghost remove';
    remove.textContent = '×';
    remove.setAttribute('aria-label', m['ctx.remove'](L.number(i + 1)));
    key.addEventListener('input', () => {
      row[0] = key.value;
      suggest(el.keyList, key.value, listConditionKeys);
      this.changed();
    });
    value.addEventListener('input', () => {
      row[1] = value.value;
      this.changed();
    });
    remove.addEventListener('click', () => {
      this.ws.request.context.splice(this.ws.request.context.indexOf(row), 1);
      this.render();
      this.changed();
    });
    div.append(key, value, remove);
    return div;
  }
}

/** Fills a datalist with catalog completions for what is typed. */
function suggest(list: HTMLDataListElement, typed: string, source: (prefix: string, limit?: number) => { label: string; detail: string }[]): void {
  if (!hasServiceData() || typed.length < 2) {
    list.replaceChildren();
    return;
  }
  list.replaceChildren(...source(typed, 50).map((c) => new Option(c.detail, c.label)));
}
